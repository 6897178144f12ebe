#include "media/blob_url.hpp"

#include <boost/url/encode.hpp>
#include <boost/url/parse_query.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <algorithm>
#include <charconv>
#include <array>
#include <stdexcept>

#include "channels/json_view.hpp"

namespace switchboard::media {

namespace {

std::string hex(const unsigned char* p, std::size_t n) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(n * 2);
  for (std::size_t i = 0; i < n; ++i) {
    out += kHex[p[i] >> 4];
    out += kHex[p[i] & 15];
  }
  return out;
}

// 128 bits of HMAC-SHA256 over what the URL names, as hex.
std::string signature(std::string_view secret, const blob_ref& b) {
  const std::string data = b.sha256 + "\n" + b.content_type + "\n" + b.file_name + "\n" + std::to_string(b.size);
  std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
  unsigned int len = 0;
  static constexpr char kEmpty[] = "";
  const char* key = secret.empty() ? kEmpty : secret.data();
  if (!HMAC(EVP_sha256(), key, static_cast<int>(secret.size()), reinterpret_cast<const unsigned char*>(data.data()),
            data.size(), out.data(), &len)) {
    return {};
  }
  return hex(out.data(), 16);
}

std::string encode(std::string_view s) { return boost::urls::encode(s, boost::urls::unreserved_chars); }

bool is_sha256_hex(std::string_view s) {
  return s.size() == 64 && s.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

}  // namespace

std::string random_hex(std::size_t bytes) {
  std::string raw(bytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(raw.data()), static_cast<int>(raw.size())) != 1) {
    throw std::runtime_error("no random bytes from OpenSSL");
  }
  return hex(reinterpret_cast<const unsigned char*>(raw.data()), raw.size());
}

std::string sha256_hex(std::string_view bytes) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
  unsigned int len = 0;
  EVP_Digest(bytes.data(), bytes.size(), out.data(), &len, EVP_sha256(), nullptr);
  return hex(out.data(), len);
}

std::string blob_url(std::string_view secret, const blob_ref& b) {
  return std::string(kBlobPath) + b.sha256 + "?type=" + encode(b.content_type) + "&name=" + encode(b.file_name) +
         "&size=" + std::to_string(b.size) + "&sig=" + signature(secret, b);
}

std::optional<blob_ref> read_blob_url(std::string_view secret, std::string_view target) {
  if (!target.starts_with(kBlobPath)) return std::nullopt;
  target.remove_prefix(kBlobPath.size());
  const auto q = target.find('?');
  if (q == std::string_view::npos) return std::nullopt;
  blob_ref b;
  b.sha256 = std::string(target.substr(0, q));
  if (!is_sha256_hex(b.sha256)) return std::nullopt;
  auto params = boost::urls::parse_query(target.substr(q + 1));
  if (!params) return std::nullopt;
  std::string sig;
  std::string size;
  for (auto p : *params) {  // encoded: decoded here
    if (p.key == "type") b.content_type = p.value.decode();
    else if (p.key == "name") b.file_name = p.value.decode();
    else if (p.key == "size") size = p.value.decode();
    else if (p.key == "sig") sig = p.value.decode();
  }
  const auto [end, ec] = std::from_chars(size.data(), size.data() + size.size(), b.size);
  if (ec != std::errc() || end != size.data() + size.size() || b.size < 0) return std::nullopt;
  const std::string expected = signature(secret, b);
  if (expected.empty() || sig.size() != expected.size() || CRYPTO_memcmp(sig.data(), expected.data(), sig.size()) != 0) {
    return std::nullopt;
  }
  return b;
}

v1::Attachment attachment_of(std::string_view secret, blob_ref b, std::int64_t size) {
  b.size = size;
  v1::Attachment a;
  a.set_url(blob_url(secret, b));
  a.set_content_type(b.content_type);
  a.set_file_name(b.file_name);
  a.set_size_bytes(size);
  a.set_sha256(b.sha256);
  return a;
}

std::optional<std::string> take_attachments(std::string_view secret, google::protobuf::RepeatedPtrField<v1::Attachment>& attachments) {
  if (attachments.size() > 10) return "at most 10 attachments on a message";
  for (int i = 0; i < attachments.size(); ++i) {
    const auto b = read_blob_url(secret, attachments[i].url());
    if (!b) {
      return "attachments[" + std::to_string(i) + "].url: not a file of this server (upload it with POST /v1/blobs and send what it answered)";
    }
    attachments[i] = attachment_of(secret, *b, b->size);
  }
  return std::nullopt;
}

std::string normalise_type(std::string_view raw) {
  raw = raw.substr(0, raw.find(';'));
  while (!raw.empty() && (raw.back() == ' ' || raw.back() == '\t')) raw.remove_suffix(1);
  while (!raw.empty() && (raw.front() == ' ' || raw.front() == '\t')) raw.remove_prefix(1);
  std::string out;
  int slashes = 0;
  for (char c : raw) {
    if (c == '/') ++slashes;
    else if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '+' || c == '-' || c == '_')) return {};
    out += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  }
  if (slashes != 1 || out.front() == '/' || out.back() == '/' || out.size() > 127) return {};
  return out;
}

std::string clean_file_name(std::string_view raw) {
  const auto slash = raw.find_last_of("/\\");
  if (slash != std::string_view::npos) raw.remove_prefix(slash + 1);
  std::string out;
  for (unsigned char c : channels::as_utf8(raw)) {
    if (c >= 0x20 && c != 0x7f && c != '"') out += static_cast<char>(c);
  }
  std::size_t n = std::min<std::size_t>(out.size(), 200);
  while (n > 0 && n < out.size() && (static_cast<unsigned char>(out[n]) & 0xC0) == 0x80) --n;
  out.resize(n);
  if (out == "." || out == "..") out.clear();
  return out;
}

std::vector<std::string> allowed_types(const v1::MediaConfig& c) {
  if (c.allowed_types_size() > 0) return {c.allowed_types().begin(), c.allowed_types().end()};
  return {"image/*", "audio/*", "video/*", "application/pdf", "text/plain", "text/csv",
          "application/msword", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
          "application/vnd.ms-excel", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
          "application/vnd.ms-powerpoint", "application/vnd.openxmlformats-officedocument.presentationml.presentation",
          "application/zip"};
}

bool type_allowed(const std::vector<std::string>& allowed, std::string_view type) {
  if (type.empty()) return false;
  return std::any_of(allowed.begin(), allowed.end(), [&](const std::string& a) {
    if (a.ends_with("/*")) return type.starts_with(std::string_view(a).substr(0, a.size() - 1));
    return a == type;
  });
}

bool shown_inline(std::string_view type) {
  // Not image/svg+xml: an SVG runs scripts when opened as a page.
  return type == "image/png" || type == "image/jpeg" || type == "image/gif" || type == "image/webp" ||
         ((type.starts_with("audio/") || type.starts_with("video/")) && type.find("xml") == std::string_view::npos);
}

std::string size_in_words(std::int64_t bytes) {
  if (bytes >= (1 << 20) && bytes % (1 << 20) == 0) return std::to_string(bytes >> 20) + " MiB";
  if (bytes >= 1024 && bytes % 1024 == 0) return std::to_string(bytes >> 10) + " KiB";
  return std::to_string(bytes) + " bytes";
}

}  // namespace switchboard::media
