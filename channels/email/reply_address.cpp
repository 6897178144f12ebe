#include "channels/email/reply_address.hpp"

#include "channels/email/ascii.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <array>

namespace switchboard::channels::email {
namespace {

constexpr std::size_t kMacChars = 16;  // 80 bits, base32

std::string lowered(std::string_view s) { return ascii_lower(s); }

// ULIDs are written upper-case, the shard group after '-' in digits.
std::string upper_id(std::string id) {
  std::transform(id.begin(), id.end(), id.begin(), [](char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 32) : c; });
  return id;
}

// The first 80 bits of HMAC-SHA256(secret, lower-cased id), as 16 lower-case base32 letters.
std::string mac_of(std::string_view conversation_id, std::string_view secret) {
  const std::string id = lowered(conversation_id);
  std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
  unsigned int len = 0;
  // Never a null pointer to OpenSSL (an empty view may hold one, and HMAC then fails).
  const char* key = secret.empty() ? "" : secret.data();
  if (!HMAC(EVP_sha256(), key, static_cast<int>(secret.size()), reinterpret_cast<const unsigned char*>(id.c_str()),
            id.size(), md.data(), &len) || len < 10) {
    return {};  // matches no tag
  }
  static constexpr char kAlphabet[] = "0123456789abcdefghjkmnpqrstvwxyz";
  std::string out;
  std::uint64_t acc = 0;
  int bits = 0;
  for (std::size_t i = 0; out.size() < kMacChars; ++i) {
    acc = (acc << 8) | md[i];
    bits += 8;
    while (bits >= 5 && out.size() < kMacChars) {
      out += kAlphabet[(acc >> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return out;
}

}  // namespace

std::string reply_address(std::string_view inbox, std::string_view conversation_id, std::string_view secret) {
  const auto at = inbox.rfind('@');
  const std::string_view local = inbox.substr(0, at);
  const std::string_view domain = at == std::string_view::npos ? std::string_view{} : inbox.substr(at);
  return std::string(local) + "+" + lowered(conversation_id) + "." + mac_of(conversation_id, secret) + std::string(domain);
}

std::optional<std::string> conversation_of(std::string_view recipient, std::string_view inbox, std::string_view secret) {
  const auto at = recipient.rfind('@');
  const auto inbox_at = inbox.rfind('@');
  if (at == std::string_view::npos || inbox_at == std::string_view::npos) return std::nullopt;
  if (lowered(recipient.substr(at)) != lowered(inbox.substr(inbox_at))) return std::nullopt;
  const std::string local = lowered(recipient.substr(0, at));
  const std::string prefix = lowered(inbox.substr(0, inbox_at)) + "+";
  if (local.size() <= prefix.size() + kMacChars + 1 || local.compare(0, prefix.size(), prefix) != 0) return std::nullopt;
  const std::string_view tag = std::string_view(local).substr(prefix.size());
  const auto dot = tag.rfind('.');
  if (dot == std::string_view::npos || tag.size() - dot - 1 != kMacChars || dot == 0) return std::nullopt;
  const std::string id(tag.substr(0, dot));
  const std::string want = mac_of(id, secret);
  if (want.size() != kMacChars || CRYPTO_memcmp(want.data(), tag.data() + dot + 1, kMacChars) != 0) return std::nullopt;
  return upper_id(id);
}

std::string our_message_id(std::string_view conversation_id, long long seq, std::string_view host, std::string_view secret) {
  const std::string body = lowered(conversation_id) + "." + std::to_string(seq);
  return "sb." + body + "." + mac_of(body, secret) + "@" + std::string(host);
}

std::optional<our_message> read_our_message_id(std::string_view message_id, std::string_view secret) {
  const auto at = message_id.rfind('@');
  const std::string local = lowered(message_id.substr(0, at));
  if (at == std::string_view::npos || local.size() < 3 + 1 + 1 + 1 + kMacChars || local.compare(0, 3, "sb.") != 0) return std::nullopt;
  const auto mac_dot = local.rfind('.');
  const std::string body = local.substr(3, mac_dot - 3);
  const auto seq_dot = body.rfind('.');
  if (mac_dot + 1 + kMacChars != local.size() || seq_dot == std::string::npos || seq_dot == 0 || seq_dot + 1 == body.size() ||
      body.size() - seq_dot - 1 > 15 || body.find_first_not_of("0123456789", seq_dot + 1) != std::string::npos) {
    return std::nullopt;
  }
  const std::string want = mac_of(body, secret);
  if (want.size() != kMacChars || CRYPTO_memcmp(want.data(), local.data() + mac_dot + 1, kMacChars) != 0) return std::nullopt;
  return our_message{upper_id(body.substr(0, seq_dot)), std::stoll(body.substr(seq_dot + 1))};
}

}  // namespace switchboard::channels::email
