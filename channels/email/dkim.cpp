#include "channels/email/dkim.hpp"

#include "channels/email/ascii.hpp"
#include "channels/email/base64.hpp"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <array>
#include <vector>

namespace switchboard::channels::email {

using boost::system::error_code;

namespace {

// The headers signed when present (RFC 6376 §5.4.1's list, those our mail has).
constexpr std::array<std::string_view, 10> kSigned = {"from", "reply-to", "to", "subject", "date", "message-id",
                                                      "in-reply-to", "references", "mime-version", "content-type"};

bool wsp(char c) { return c == ' ' || c == '\t'; }

struct header {
  std::string name;
  std::string value;  // as written, folds included
};

// The header fields of `head` (CRLF lines, continuation lines joined to their field).
std::vector<header> fields(std::string_view head) {
  std::vector<header> out;
  std::size_t pos = 0;
  while (pos < head.size()) {
    auto end = head.find("\r\n", pos);
    if (end == std::string_view::npos) end = head.size();
    const std::string_view line = head.substr(pos, end - pos);
    if (!line.empty() && wsp(line.front()) && !out.empty()) {
      out.back().value += "\r\n" + std::string(line);
    } else if (const auto colon = line.find(':'); colon != std::string_view::npos) {
      out.push_back({std::string(line.substr(0, colon)), std::string(line.substr(colon + 1))});
    }
    pos = end + 2;
  }
  return out;
}

}  // namespace

std::string dkim_relaxed_body(std::string_view body) {
  std::vector<std::string> lines;
  std::size_t pos = 0;
  while (pos < body.size()) {
    auto end = body.find("\r\n", pos);
    if (end == std::string_view::npos) end = body.size();
    std::string line;
    bool gap = false;
    for (char c : body.substr(pos, end - pos)) {
      if (wsp(c)) {
        gap = true;
        continue;
      }
      if (gap) line += ' ';
      gap = false;
      line += c;
    }
    lines.push_back(std::move(line));
    pos = end + 2;
  }
  while (!lines.empty() && lines.back().empty()) lines.pop_back();
  std::string out;
  for (const auto& l : lines) out += l + "\r\n";
  return out;
}

std::string dkim_relaxed_header(std::string_view name, std::string_view value) {
  std::string v;
  bool gap = false;
  for (char c : value) {
    if (c == '\r' || c == '\n') continue;  // unfolded
    if (wsp(c)) {
      gap = true;
      continue;
    }
    if (gap && !v.empty()) v += ' ';
    gap = false;
    v += c;
  }
  std::string n(name);
  while (!n.empty() && wsp(n.back())) n.pop_back();
  return ascii_lower(n) + ":" + v + "\r\n";
}

void dkim_signer::key_free::operator()(EVP_PKEY* k) const noexcept { EVP_PKEY_free(k); }

dkim_signer::dkim_signer(std::string d, std::string s, EVP_PKEY* k)
    : domain_(std::move(d)), selector_(std::move(s)), key_(k, key_free{}) {}

result<dkim_signer> dkim_signer::make(std::string domain, std::string selector, std::string_view pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  if (!bio) return error_code(errc::bad_input);
  EVP_PKEY* key = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (!key) return error_code(errc::bad_input);
  if (EVP_PKEY_base_id(key) != EVP_PKEY_RSA) {
    EVP_PKEY_free(key);
    return error_code(errc::bad_input);
  }
  return dkim_signer(std::move(domain), std::move(selector), key);
}

std::string dkim_signer::sign(std::string_view message, std::int64_t now_s) const {
  auto split = message.find("\r\n\r\n");
  const std::string_view head = message.substr(0, split == std::string_view::npos ? message.size() : split + 2);
  const std::string_view body = split == std::string_view::npos ? std::string_view() : message.substr(split + 4);
  const std::string canon_body = dkim_relaxed_body(body);
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int md_len = 0;
  if (!EVP_Digest(canon_body.data(), canon_body.size(), md, &md_len, EVP_sha256(), nullptr)) return {};
  const auto all = fields(head);
  std::string names, signed_data;
  for (auto want : kSigned) {
    for (auto it = all.rbegin(); it != all.rend(); ++it) {  // the last instance (one each in our mail)
      if (ascii_lower(it->name) != want) continue;
      names += (names.empty() ? "" : ":") + std::string(want);
      signed_data += dkim_relaxed_header(it->name, it->value);
      break;
    }
  }
  const std::string value = " v=1; a=rsa-sha256; c=relaxed/relaxed; d=" + domain_ + "; s=" + selector_ +
                            "; t=" + std::to_string(now_s) + ";\r\n\th=" + names + ";\r\n\tbh=" + base64(std::string_view(reinterpret_cast<const char*>(md), md_len)) + ";\r\n\tb=";
  signed_data += dkim_relaxed_header("DKIM-Signature", value);
  signed_data.resize(signed_data.size() - 2);  // the signature's own header goes without its CRLF
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  std::size_t sig_len = 0;
  std::string sig;
  if (ctx && EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, key_.get()) == 1 &&
      EVP_DigestSign(ctx, nullptr, &sig_len, reinterpret_cast<const unsigned char*>(signed_data.data()), signed_data.size()) == 1) {
    sig.resize(sig_len);
    if (EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &sig_len,
                       reinterpret_cast<const unsigned char*>(signed_data.data()), signed_data.size()) != 1) {
      sig.clear();
    }
    sig.resize(sig_len);
  }
  EVP_MD_CTX_free(ctx);
  if (sig.empty()) return {};
  std::string b = base64(sig);
  std::string folded;
  for (std::size_t i = 0; i < b.size(); i += 72) folded += (i ? "\r\n\t " : "") + b.substr(i, 72);
  return "DKIM-Signature:" + value + folded + "\r\n";
}

}  // namespace switchboard::channels::email
