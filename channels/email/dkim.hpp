#pragma once
// DKIM signing of our outgoing mail (RFC 6376; issue 14, point 6), with OpenSSL directly: the
// body and the headers that matter canonicalised "relaxed/relaxed", hashed with SHA-256 and signed
// with the domain's RSA key (rsa-sha256), the signature returned as the DKIM-Signature header to
// put first. Chosen over libopendkim: it is a signer for whole MTAs (a milter library with its own
// configuration), and signing one message is these few steps. Thread-safe: a signer holds only its
// key, which OpenSSL uses read-only.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/error.hpp"

typedef struct evp_pkey_st EVP_PKEY;

namespace switchboard::channels::email {

class dkim_signer {
 public:
  // `private_key_pem`: an RSA private key (PEM, PKCS#1 or PKCS#8). Errors: bad_input (not one).
  static result<dkim_signer> make(std::string domain, std::string selector, std::string_view private_key_pem);

  // The "DKIM-Signature: ..." header (folded, ending CRLF) for `message` (RFC 5322, CRLF lines),
  // signed at `now_s`; empty when OpenSSL fails.
  std::string sign(std::string_view message, std::int64_t now_s) const;

 private:
  struct key_free {
    void operator()(EVP_PKEY* k) const noexcept;
  };
  dkim_signer(std::string d, std::string s, EVP_PKEY* k);
  std::string domain_;
  std::string selector_;
  std::shared_ptr<EVP_PKEY> key_;
};

// Exposed for tests: relaxed canonicalisation of a body (CRLF lines) and of one header field.
std::string dkim_relaxed_body(std::string_view body);
std::string dkim_relaxed_header(std::string_view name, std::string_view value);

}  // namespace switchboard::channels::email
