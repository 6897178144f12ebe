// message_ids (mime.hpp): the ids of a Message-ID, In-Reply-To or References value, what threading
// reads. Apart from mime.cpp: it needs no GMime (the References parser there is too loose).
#include <algorithm>
#include <unordered_set>

#include "channels/email/charset.hpp"
#include "channels/email/mime.hpp"

namespace switchboard::channels::email {

std::vector<std::string> message_ids(std::string_view value) {
  std::vector<std::string> out;
  std::unordered_set<std::string_view> seen;  // views into `value`
  const auto add = [&](std::string_view id) {
    const bool clean = !id.empty() && id.size() <= 998 && is_utf8(id) && std::none_of(id.begin(), id.end(), [](char c) {
      return static_cast<unsigned char>(c) <= 0x20 || c == 0x7F || c == '<' || c == '>' || c == ',';
    });
    if (clean && seen.insert(id).second) out.emplace_back(id);
  };
  if (value.find('<') == std::string_view::npos) {  // bare ids: some mail programs leave out the brackets
    std::size_t pos = 0;
    while ((pos = value.find_first_not_of(" \t\r\n,", pos)) != std::string_view::npos) {
      const auto end = value.find_first_of(" \t\r\n,", pos);
      const auto id = value.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos);
      if (id.find('@') != std::string_view::npos) add(id);
      pos = end;
    }
    return out;
  }
  for (auto open = value.find('<'); open != std::string_view::npos;) {
    const auto close = value.find('>', open + 1);
    if (close == std::string_view::npos) break;
    const auto next_open = value.find('<', open + 1);
    if (next_open < close) {  // "<broken <a@b>": the first never closed
      open = next_open;
      continue;
    }
    add(value.substr(open + 1, close - open - 1));
    open = value.find('<', close + 1);
  }
  return out;
}

}  // namespace switchboard::channels::email
