#include "channels/email/threading.hpp"

#include "channels/email/ascii.hpp"

#include <array>
#include <cctype>
#include <optional>

namespace switchboard::channels::email {
namespace {

constexpr std::size_t kMaxKey = 200;

// Lower-case prefixes (what comes before the colon), UTF-8 as written.
constexpr std::array<std::string_view, 14> kReply = {"re", "aw", "sv", "antw", "ref", "réf", "rif", "odp", "ynt",
                                                     "atb", "vá", "r", "res", "回复"};
constexpr std::array<std::string_view, 12> kForward = {"fwd", "fw", "wg", "tr", "enc", "rv", "doorst", "vb", "vl",
                                                       "pd", "fs", "转发"};

bool space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string_view trim_front(std::string_view s) {
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  return s;
}

// "[list] " at the front, removed.
std::string_view skip_tag(std::string_view s) {
  s = trim_front(s);
  while (!s.empty() && s.front() == '[') {
    const auto close = s.find(']');
    if (close == std::string_view::npos || close > 64) break;
    s = trim_front(s.substr(close + 1));
  }
  return s;
}

// The prefix at the front of `s` ("Re:", "Re[2]:", "Re^2:", "RE :", "Fwd："), and what follows it.
std::optional<std::pair<subject_kind, std::string_view>> prefix(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size() && i < 12 && !space(s[i]) && s[i] != ':' && s[i] != '[' && s[i] != '^' &&
         !(s.substr(i).starts_with("："))) {
    ++i;
  }
  const std::string word = ascii_lower(s.substr(0, i));
  std::size_t j = i;
  if (j < s.size() && (s[j] == '[' || s[j] == '^')) {  // a count
    const char close = s[j] == '[' ? ']' : '\0';
    ++j;
    while (j < s.size() && std::isdigit(static_cast<unsigned char>(s[j]))) ++j;
    if (close && j < s.size() && s[j] == close) ++j;
  }
  while (j < s.size() && s[j] == ' ') ++j;
  std::size_t colon = 0;
  if (s.substr(j).starts_with(":")) colon = 1;
  if (s.substr(j).starts_with("：")) colon = std::string_view("：").size();  // full-width, as CJK mail programs write it
  if (word.empty() || colon == 0) return std::nullopt;
  for (auto r : kReply) {
    if (word == r) return std::pair{subject_kind::reply, s.substr(j + colon)};
  }
  for (auto f : kForward) {
    if (word == f) return std::pair{subject_kind::forward, s.substr(j + colon)};
  }
  return std::nullopt;
}

}  // namespace

subject_kind kind_of_subject(std::string_view subject) {
  const auto p = prefix(skip_tag(subject));
  return p ? p->first : subject_kind::fresh;
}

std::string subject_key(std::string_view subject) {
  std::string_view s = skip_tag(subject);
  for (int n = 0; n < 16; ++n) {  // "Re: Fwd: Re: ..." — bounded
    const auto p = prefix(s);
    if (!p) break;
    s = skip_tag(p->second);
  }
  std::string out;
  bool gap = false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (space(c)) {
      gap = !out.empty();
      continue;
    }
    if (gap) out += ' ';
    gap = false;
    if (out.size() >= kMaxKey && (static_cast<unsigned char>(c) & 0xC0) != 0x80) break;  // cut between characters
    out += ascii_lower(c);
  }
  return out;
}

}  // namespace switchboard::channels::email
