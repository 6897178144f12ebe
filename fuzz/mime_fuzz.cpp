// Fuzz target: parse_mail (channels/email/mime.hpp) over any bytes, twice: with the default limits
// and with tight ones. Checks what a reader of the result relies on: every string UTF-8; the limits
// kept; the cut of the text (new text, quoted history, signature) no longer than the text but for
// the line ends joining them; bounce fields only on a bounce; the HTML free of dropped elements, of
// on* attributes and of URLs of other schemes.
#include <algorithm>
#include <cstdint>
#include <string_view>

#include "channels/email/mime.hpp"
#include "fuzz/fuzz_support.hpp"

namespace {

using namespace switchboard;
using channels::email::parsed_mail;

bool starts_with_any(std::string_view s, std::initializer_list<std::string_view> prefixes, bool any_case = false) {
  return std::any_of(prefixes.begin(), prefixes.end(), [&](std::string_view p) {
    if (s.size() < p.size()) return false;
    for (std::size_t i = 0; i < p.size(); ++i) {
      const char c = any_case && s[i] >= 'A' && s[i] <= 'Z' ? static_cast<char>(s[i] - 'A' + 'a') : s[i];
      if (c != p[i]) return false;
    }
    return true;
  });
}

// The sanitiser writes every tag itself: '<' in text is escaped, values are quoted and escaped.
// So each '<' opens a tag of its own making, whose attributes can be read by scanning.
void check_html(std::string_view html) {
  for (std::size_t open = html.find('<'); open != std::string_view::npos; open = html.find('<', open + 1)) {
    const auto close = html.find('>', open);
    SB_FUZZ_CHECK(close != std::string_view::npos);
    std::string_view tag = html.substr(open + 1, close - open - 1);
    if (!tag.empty() && tag.front() == '/') tag.remove_prefix(1);
    SB_FUZZ_CHECK(!starts_with_any(tag, {"script", "style", "iframe", "object", "embed", "svg", "math", "form", "meta", "link"}));
    bool quoted = false;
    for (std::size_t i = 0; i < tag.size(); ++i) {
      if (tag[i] == '"') quoted = !quoted;
      if (quoted || tag[i] != ' ') continue;
      const auto attribute = tag.substr(i + 1);
      SB_FUZZ_CHECK(!starts_with_any(attribute, {"on", "style", "class"}));
      if (starts_with_any(attribute, {"href=\"", "cite=\""})) {
        SB_FUZZ_CHECK(starts_with_any(attribute.substr(6), {"http://", "https://", "mailto:", "tel:"}, true));
      }
      if (starts_with_any(attribute, {"src=\""})) {
        SB_FUZZ_CHECK(starts_with_any(attribute.substr(5), {"http://", "https://", "cid:", "data:image/"}, true));
      }
    }
    SB_FUZZ_CHECK(!quoted);
  }
}

void check(const result<parsed_mail>& r, std::string_view raw, const channels::email::mail_limits& limits) {
  if (!r.has_value()) return;
  const parsed_mail& m = r.value();
  SB_FUZZ_CHECK(raw.size() <= limits.max_bytes);
  for (const std::string* s : {&m.message_id, &m.in_reply_to, &m.subject, &m.text, &m.new_text, &m.quoted, &m.signature,
                               &m.html, &m.automatic_reason, &m.bounced_message_id, &m.bounced_recipient, &m.bounce_status,
                               &m.bounce_reason, &m.from.name, &m.from.address, &m.reply_to.name, &m.reply_to.address,
                               &m.sender.name, &m.sender.address}) {
    SB_FUZZ_CHECK(fuzz::well_formed_utf8(*s));
  }
  for (const auto* list : {&m.to, &m.cc}) {
    for (const auto& a : *list) SB_FUZZ_CHECK(fuzz::well_formed_utf8(a.name) && fuzz::well_formed_utf8(a.address));
  }
  for (const auto& id : m.references) {
    SB_FUZZ_CHECK(!id.empty() && fuzz::well_formed_utf8(id) && id.find_first_of(" \t\r\n<>") == std::string::npos);
    SB_FUZZ_CHECK(std::count(m.references.begin(), m.references.end(), id) == 1);
  }
  SB_FUZZ_CHECK(m.message_id.find_first_of(" \t\r\n<>") == std::string::npos);
  SB_FUZZ_CHECK(m.problems.size() <= 32);
  for (const auto& p : m.problems) SB_FUZZ_CHECK(!p.empty() && fuzz::well_formed_utf8(p));
  SB_FUZZ_CHECK(m.attachments.size() <= limits.max_attachments);
  for (const auto& a : m.attachments) {
    SB_FUZZ_CHECK(a.data.size() <= limits.max_attachment_bytes);
    SB_FUZZ_CHECK(fuzz::well_formed_utf8(a.filename) && fuzz::well_formed_utf8(a.content_type) && fuzz::well_formed_utf8(a.content_id));
    SB_FUZZ_CHECK(a.filename.find_first_of("/\\") == std::string::npos && a.content_type.find('/') != std::string::npos);
  }
  // The cut text: parts of `text` and the blank lines that joined them, nothing made up.
  SB_FUZZ_CHECK(m.new_text.size() + m.quoted.size() + m.signature.size() <= m.text.size() + 16);
  SB_FUZZ_CHECK(m.text.find('\r') == std::string::npos && m.new_text.find('\r') == std::string::npos);
  SB_FUZZ_CHECK(m.automatic == !m.automatic_reason.empty());
  if (!m.bounce) {
    SB_FUZZ_CHECK(m.bounced_message_id.empty() && m.bounced_recipient.empty() && m.bounce_status.empty() && !m.permanent_failure);
  }
  check_html(m.html);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view raw(reinterpret_cast<const char*>(data), size);
  const channels::email::mail_limits defaults;
  check(channels::email::parse_mail(raw, defaults), raw, defaults);
  channels::email::mail_limits tight;
  tight.max_bytes = 1u << 16;
  tight.max_attachments = 2;
  tight.max_attachment_bytes = 64;
  tight.max_parts = 8;
  tight.max_depth = 3;
  check(channels::email::parse_mail(raw, tight), raw, tight);
  return 0;
}
