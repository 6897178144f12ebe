#include "channels/signature.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <array>

namespace switchboard::channels {

namespace {

// The HMAC of `data` under `key`; "" if OpenSSL fails (the checks then answer wrong).
std::string hmac(const EVP_MD* md, std::string_view key, std::string_view data) {
  // OpenSSL 3 fails on a null key with null data: an empty view may be null, and empty is empty.
  static constexpr char kEmpty[] = "";
  if (key.empty()) key = kEmpty;
  if (data.empty()) data = kEmpty;
  std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
  unsigned int len = 0;
  if (!HMAC(md, key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()), data.size(),
            out.data(), &len)) {
    return {};
  }
  return std::string(reinterpret_cast<const char*>(out.data()), len);
}

std::string hex(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

}  // namespace

std::string base64(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

namespace {

signature_check compare(std::string_view expected, std::string_view header) {
  if (header.empty()) return signature_check::missing;
  const bool same = expected.size() == header.size() && CRYPTO_memcmp(expected.data(), header.data(), expected.size()) == 0;
  return same ? signature_check::ok : signature_check::wrong;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool decode_component(std::string_view in, std::string& out) {
  out.clear();
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '+') {
      out += ' ';
    } else if (in[i] == '%') {
      const int hi = i + 1 < in.size() ? hex_digit(in[i + 1]) : -1;
      const int lo = i + 2 < in.size() ? hex_digit(in[i + 2]) : -1;
      if (hi < 0 || lo < 0) return false;
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      out += in[i];
    }
  }
  return true;
}

}  // namespace

std::string meta_signature(std::string_view app_secret, std::string_view body) {
  return "sha256=" + hex(hmac(EVP_sha256(), app_secret, body));
}

signature_check check_meta_signature(std::string_view app_secret, std::string_view body, std::string_view header) {
  if (header.empty()) return signature_check::missing;
  const std::string expected = meta_signature(app_secret, body);
  // A failed HMAC leaves "sha256=" alone: fail closed, never compare with it.
  if (expected.size() != 7 + 2 * 32) return signature_check::wrong;
  return compare(expected, header);
}

signature_check check_telegram_secret(std::string_view secret_token, std::string_view header) {
  return compare(secret_token, header);
}

std::string twilio_signature(std::string_view auth_token, std::string_view url, const form_fields& fields) {
  std::vector<const std::pair<std::string, std::string>*> sorted;
  sorted.reserve(fields.size());
  for (const auto& f : fields) sorted.push_back(&f);
  // By name; a name given twice keeps its values in the order sent (a stable sort).
  std::stable_sort(sorted.begin(), sorted.end(), [](const auto* a, const auto* b) { return a->first < b->first; });
  std::string data(url);
  for (const auto* f : sorted) {
    data += f->first;
    data += f->second;
  }
  return base64(hmac(EVP_sha1(), auth_token, data));
}

signature_check check_twilio_signature(std::string_view auth_token, std::string_view url, const form_fields& fields,
                                       std::string_view header) {
  if (header.empty()) return signature_check::missing;
  const std::string expected = twilio_signature(auth_token, url, fields);
  if (expected.size() != 28) return signature_check::wrong;  // base64 of 20 bytes; "" if the HMAC failed
  return compare(expected, header);
}

bool parse_form(std::string_view body, form_fields& out) {
  out.clear();
  while (!body.empty()) {
    const auto amp = body.find('&');
    const auto pair = body.substr(0, amp);
    body = amp == std::string_view::npos ? std::string_view() : body.substr(amp + 1);
    if (pair.empty()) continue;
    const auto eq = pair.find('=');
    std::string name;
    std::string value;
    if (!decode_component(pair.substr(0, eq), name)) return false;
    if (eq != std::string_view::npos && !decode_component(pair.substr(eq + 1), value)) return false;
    out.emplace_back(std::move(name), std::move(value));
  }
  return true;
}

}  // namespace switchboard::channels
