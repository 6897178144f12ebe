#include "gateway/auth/jwt.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <array>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace switchboard::gateway {

namespace json = boost::json;

namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string hmac_sha256(std::string_view key, std::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
       data.size(), out.data(), &len);
  return std::string(reinterpret_cast<const char*>(out.data()), len);
}

bool equal_ct(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

jwt_result fail(jwt_error e) {
  jwt_result r;
  r.error = e;
  return r;
}

// A string claim, or empty; false if present with another type.
bool string_claim(const json::object& o, const char* name, std::string& out) {
  auto it = o.find(name);
  if (it == o.end()) return true;
  if (!it->value().is_string()) return false;
  out = std::string(it->value().as_string());
  return true;
}

bool iequals_ascii(std::string_view a, std::string_view b) {
  auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [&](char x, char y) { return lower(x) == lower(y); });
}

// An access token's `typ` (RFC 7519 §5.1, RFC 9068 §2.1): "JWT" or "at+jwt", case-insensitive,
// the "application/" prefix optional (RFC 7515 §4.1.9).
bool access_token_type(const json::value& typ) {
  if (!typ.is_string()) return false;
  std::string_view t = typ.as_string();
  constexpr std::string_view prefix = "application/";
  if (t.size() > prefix.size() && iequals_ascii(t.substr(0, prefix.size()), prefix)) t.remove_prefix(prefix.size());
  return iequals_ascii(t, "JWT") || iequals_ascii(t, "at+jwt");
}

bool int_claim(const json::object& o, const char* name, std::int64_t& out) {
  auto it = o.find(name);
  if (it == o.end()) return true;
  if (it->value().is_int64()) {
    out = it->value().as_int64();
    return true;
  }
  if (it->value().is_uint64()) {
    out = static_cast<std::int64_t>(it->value().as_uint64());
    return true;
  }
  if (it->value().is_double()) {
    out = static_cast<std::int64_t>(it->value().as_double());
    return true;
  }
  return false;
}

}  // namespace

const char* to_string(jwt_error e) noexcept {
  switch (e) {
    case jwt_error::malformed: return "malformed";
    case jwt_error::bad_algorithm: return "bad_algorithm";
    case jwt_error::unknown_key: return "unknown_key";
    case jwt_error::bad_signature: return "bad_signature";
    case jwt_error::expired: return "expired";
    case jwt_error::not_yet_valid: return "not_yet_valid";
    case jwt_error::bad_issuer: return "bad_issuer";
    case jwt_error::bad_audience: return "bad_audience";
    case jwt_error::bad_claims: return "bad_claims";
    case jwt_error::bad_type: return "bad_type";
  }
  return "unknown";
}

std::string base64url_encode(std::string_view in) {
  std::string out;
  out.reserve((in.size() * 4 + 2) / 3);
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const unsigned v = (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8) |
                       static_cast<unsigned char>(in[i + 2]);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  if (i + 1 == in.size()) {
    const unsigned v = static_cast<unsigned char>(in[i]) << 16;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
  } else if (i + 2 == in.size()) {
    const unsigned v = (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
  }
  return out;
}

bool base64url_decode(std::string_view in, std::string& out) {
  out.clear();
  if (in.size() % 4 == 1) return false;
  unsigned v = 0;
  int bits = 0;
  for (char c : in) {
    int d;
    if (c >= 'A' && c <= 'Z') d = c - 'A';
    else if (c >= 'a' && c <= 'z') d = c - 'a' + 26;
    else if (c >= '0' && c <= '9') d = c - '0' + 52;
    else if (c == '-') d = 62;
    else if (c == '_') d = 63;
    else return false;
    v = (v << 6) | static_cast<unsigned>(d);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((v >> bits) & 0xff);
    }
  }
  // Leftover bits must be zero (canonical encoding).
  return (v & ((1u << bits) - 1)) == 0;
}

jwt_result verify_jwt(std::string_view token, const jwt_policy& policy, std::int64_t now_s) {
  const auto dot1 = token.find('.');
  const auto dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos) {
    return fail(jwt_error::malformed);
  }
  std::string header_json, payload_json, signature;
  if (!base64url_decode(token.substr(0, dot1), header_json) ||
      !base64url_decode(token.substr(dot1 + 1, dot2 - dot1 - 1), payload_json) ||
      !base64url_decode(token.substr(dot2 + 1), signature)) {
    return fail(jwt_error::malformed);
  }
  boost::system::error_code ec;
  json::value header = json::parse(header_json, ec);
  if (ec || !header.is_object()) return fail(jwt_error::malformed);
  json::value payload = json::parse(payload_json, ec);
  if (ec || !payload.is_object()) return fail(jwt_error::malformed);

  // The algorithm is pinned: only HS256, whatever the header asks for.
  const auto& h = header.as_object();
  auto alg = h.find("alg");
  if (alg == h.end() || !alg->value().is_string() || alg->value().as_string() != "HS256") {
    return fail(jwt_error::bad_algorithm);
  }
  // Only access tokens: another kind signed with the same keys (a refresh or an ID token) must not
  // open a session.
  if (auto typ = h.find("typ"); typ != h.end() && !access_token_type(typ->value())) return fail(jwt_error::bad_type);
  std::string kid;
  if (!string_claim(h, "kid", kid)) return fail(jwt_error::malformed);
  const jwt_key* key = nullptr;
  for (const auto& k : policy.keys) {
    if (k.kid == kid) key = &k;
  }
  if (key == nullptr) return fail(jwt_error::unknown_key);
  if (!equal_ct(hmac_sha256(key->secret, token.substr(0, dot2)), signature)) return fail(jwt_error::bad_signature);

  jwt_result r;
  const auto& p = payload.as_object();
  auto& c = r.claims;
  if (!string_claim(p, "sub", c.sub) || !string_claim(p, "role", c.role) || !string_claim(p, "iss", c.iss) ||
      !string_claim(p, "aud", c.aud) || !string_claim(p, "uid", c.user_id) || !int_claim(p, "iat", c.iat) ||
      !int_claim(p, "nbf", c.nbf) || !int_claim(p, "exp", c.exp)) {
    return fail(jwt_error::bad_claims);
  }
  if (auto t = p.find("teams"); t != p.end()) {
    if (!t->value().is_array()) return fail(jwt_error::bad_claims);
    for (const auto& v : t->value().as_array()) {
      if (!v.is_string()) return fail(jwt_error::bad_claims);
      c.teams.emplace_back(v.as_string());
    }
  }
  if (c.sub.empty() || c.role.empty() || c.exp == 0) return fail(jwt_error::bad_claims);
  if (now_s > c.exp + policy.leeway_seconds) return fail(jwt_error::expired);
  if (c.nbf != 0 && now_s + policy.leeway_seconds < c.nbf) return fail(jwt_error::not_yet_valid);
  if (c.iss != policy.issuer) return fail(jwt_error::bad_issuer);
  if (c.aud != policy.audience) return fail(jwt_error::bad_audience);
  r.ok = true;
  return r;
}

std::string sign_jwt(const jwt_claims& c, const jwt_key& key) {
  json::object header{{"alg", "HS256"}, {"typ", "JWT"}, {"kid", key.kid}};
  json::object payload{{"sub", c.sub}, {"role", c.role}, {"iss", c.iss}, {"aud", c.aud}, {"exp", c.exp}};
  if (c.iat != 0) payload["iat"] = c.iat;
  if (c.nbf != 0) payload["nbf"] = c.nbf;
  if (!c.user_id.empty()) payload["uid"] = c.user_id;
  if (!c.teams.empty()) {
    json::array teams;
    for (const auto& t : c.teams) teams.emplace_back(t);
    payload["teams"] = std::move(teams);
  }
  std::string signing_input = base64url_encode(json::serialize(header)) + "." + base64url_encode(json::serialize(payload));
  const std::string sig = hmac_sha256(key.secret, signing_input);
  return signing_input + "." + base64url_encode(sig);
}

std::string user_hash(std::string_view secret, std::string_view user_id) {
  static constexpr char hex[] = "0123456789abcdef";
  const std::string mac = hmac_sha256(secret, user_id);
  std::string out;
  for (unsigned char b : mac) {
    out += hex[b >> 4];
    out += hex[b & 0xf];
  }
  return out;
}

bool user_hash_matches(std::string_view secret, std::string_view user_id, std::string_view hash) {
  return equal_ct(user_hash(secret, user_id), hash);
}

}  // namespace switchboard::gateway
