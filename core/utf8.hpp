#pragma once
// Cutting UTF-8 text to a byte limit without splitting a character. Pure; thread-safe.

#include <cstddef>
#include <string>

namespace switchboard {

// `s` cut to at most `n` bytes, between characters; true when something was cut.
inline bool cut_utf8(std::string& s, std::size_t n) {
  if (s.size() <= n) return false;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  s.resize(n);
  return true;
}

}  // namespace switchboard
