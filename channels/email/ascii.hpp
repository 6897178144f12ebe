#pragma once
// ASCII case for mail's protocol words (SMTP verbs, header names, attributions, addresses' domains):
// only A–Z fold, whatever else the bytes are (UTF-8 is left as it is). Pure; thread-safe.

#include <algorithm>
#include <string>
#include <string_view>

namespace switchboard::channels::email {

inline char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

inline std::string ascii_lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](char c) { return ascii_lower(c); });
  return out;
}

inline bool ascii_iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return ascii_lower(x) == ascii_lower(y); });
}

}  // namespace switchboard::channels::email
