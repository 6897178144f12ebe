#pragma once
// The HTML tokenizer html.cpp's sanitiser and text rendering share: start tags with their
// attributes, end tags and text, entities decoded, comments, doctypes and processing instructions
// skipped, the content of raw-text elements (script, style, textarea, title, iframe, xmp, noembed,
// noframes, noscript, plaintext) kept as one text token whatever it holds, as a browser reads them.
// Lenient like a browser: it never fails, and every byte is consumed once. Pure.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace switchboard::channels::email {

struct html_token {
  enum kind_t { text, start, end } kind = text;
  std::string name;  // tags: lower case
  std::string data;  // text: entities decoded, NUL removed
  std::vector<std::pair<std::string, std::string>> attributes;  // names lower case, values decoded
  bool self_closing = false;
};

class html_tokenizer {
 public:
  explicit html_tokenizer(std::string_view html) : s_(html) {}
  // The next token into `t`; false at the end of the input.
  bool next(html_token& t);

 private:
  bool tag(html_token& t, bool closing);
  void skip_to(std::string_view terminator);

  std::string_view s_;
  std::size_t pos_ = 0;
  std::string raw_;  // inside a raw-text element: its name
};

// Character references (&amp; &#233; &#x1F600;) decoded; in an attribute value a legacy name
// without its ';' before a letter, digit or '=' is left as written (the WHATWG rule).
std::string decode_entities(std::string_view s, bool in_attribute);

}  // namespace switchboard::channels::email
