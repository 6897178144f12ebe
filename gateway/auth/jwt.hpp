#pragma once
// JSON Web Tokens for agents, leads and web-widget visitors: HS256 only (the algorithm is pinned:
// a token naming any other, "none" included, is refused), access tokens only (a `typ` other than
// JWT or at+jwt, e.g. a refresh token, is refused), keys chosen by `kid` so that keys can be
// rotated (sign with the new, keep verifying the old), and exp / nbf / aud / iss checked with a
// small leeway. Also the site-side HMAC that binds a visitor to the site's own user id. Pure: time
// is a parameter; no Beast, no I/O. Thread-safe (no shared state).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace switchboard::gateway {

struct jwt_key {
  std::string kid;     // key id, in the token header
  std::string secret;  // HMAC-SHA256 key (at least 32 bytes is recommended)
};

struct jwt_policy {
  std::vector<jwt_key> keys;      // any of them verifies; the first signs
  std::string issuer;             // required `iss`
  std::string audience;           // required `aud`
  std::int64_t leeway_seconds = 30;
};

struct jwt_claims {
  std::string sub;                 // agent, lead or visitor id
  std::string role;                // "customer" | "agent" | "lead" | "admin"
  std::vector<std::string> teams;  // for agents and leads
  std::string user_id;             // a visitor bound to the site's own user id
  std::string iss;
  std::string aud;
  std::int64_t iat = 0;
  std::int64_t nbf = 0;
  std::int64_t exp = 0;
};

// Why a token was refused. Stable codes for logs and the 401 body.
enum class jwt_error {
  malformed = 1,      // not three base64url parts of JSON
  bad_algorithm,      // alg is not HS256
  unknown_key,        // no key with this kid
  bad_signature,
  expired,
  not_yet_valid,
  bad_issuer,
  bad_audience,
  bad_claims,         // sub or role missing, or of the wrong type
  bad_type,           // the header's typ is not an access token's (absent, JWT or at+jwt)
};
const char* to_string(jwt_error e) noexcept;

struct jwt_result {
  bool ok = false;
  jwt_error error = jwt_error::malformed;
  jwt_claims claims;
};

// Verifies `token` at Unix time `now_s`.
jwt_result verify_jwt(std::string_view token, const jwt_policy& policy, std::int64_t now_s);

// Signs claims with `key` (header: alg HS256, typ JWT, kid).
std::string sign_jwt(const jwt_claims& claims, const jwt_key& key);

// The site's binding of a visitor to its user id: lower-case hex HMAC-SHA256(secret, user_id).
std::string user_hash(std::string_view secret, std::string_view user_id);
// Constant-time check of a hash the site sent.
bool user_hash_matches(std::string_view secret, std::string_view user_id, std::string_view hash);

// base64url without padding (RFC 7515 §2). decode returns false on bad input.
std::string base64url_encode(std::string_view bytes);
bool base64url_decode(std::string_view text, std::string& out);

}  // namespace switchboard::gateway
