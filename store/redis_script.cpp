#include "store/redis_script.hpp"

#include <openssl/sha.h>

namespace switchboard::store {

redis_script::redis_script(std::string script_name, std::string_view source)
    : name(std::move(script_name)), body(source) {
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(body.data()), body.size(), digest);
  static constexpr char hex[] = "0123456789abcdef";
  sha1.reserve(2 * SHA_DIGEST_LENGTH);
  for (unsigned char b : digest) {
    sha1 += hex[b >> 4];
    sha1 += hex[b & 0xf];
  }
}

}  // namespace switchboard::store
