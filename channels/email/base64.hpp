#pragma once
// Base64 (RFC 4648, with padding, one line) for the mail code that writes it: AUTH's credentials
// (smtp_client.cpp) and DKIM's hashes and signature (dkim.cpp). Pure; thread-safe.

#include <openssl/evp.h>

#include <string>
#include <string_view>

namespace switchboard::channels::email {

inline std::string base64(std::string_view raw) {
  std::string out(4 * ((raw.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), reinterpret_cast<const unsigned char*>(raw.data()),
                                static_cast<int>(raw.size()));
  out.resize(static_cast<std::size_t>(n < 0 ? 0 : n));
  return out;
}

}  // namespace switchboard::channels::email
