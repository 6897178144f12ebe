#include "gateway/rest_api.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace switchboard::gateway {

namespace json = boost::json;

http_answer json_error(int status, std::string_view code, std::string_view message) {
  http_answer a;
  a.status = status;
  a.content_type = "application/json";
  a.body = json::serialize(json::object{{"code", code}, {"message", message}});
  return a;
}

rest_api::rest_api(const v1::AuthConfig& auth, const clock& clk, id_generator& ids,
                   const std::atomic<bool>& redis_ready)
    : auth_(auth), clock_(clk), ids_(ids), redis_ready_(redis_ready) {}

http_answer rest_api::handle(const http_request& req) const {
  const auto path = req.target.substr(0, req.target.find('?'));
  if (path == "/healthz" || path == "/readyz") {
    if (req.method != "GET" && req.method != "HEAD") return json_error(405, "method_not_allowed", "use GET");
    http_answer a;
    if (path == "/healthz") {
      a.body = "ok\n";
    } else {
      const bool up = redis_ready_.load();
      a.status = up ? 200 : 503;
      a.body = up ? "ready\n" : "redis unavailable\n";
    }
    return a;
  }
  if (path == "/v1/visitors") {
    if (req.method != "POST") return json_error(405, "method_not_allowed", "use POST");
    return visitors(req);
  }
  return json_error(404, "not_found", "no such resource");
}

// POST /v1/visitors [{"userId": "...", "userHash": "<hex HMAC-SHA256(identity_secret, userId)>"}]
// → {"token": "...", "visitorId": "...", "expiresAt": <unix s>}
http_answer rest_api::visitors(const http_request& req) const {
  if (auth_.keys_size() == 0) return json_error(503, "no_keys", "auth.keys is empty: visitor tokens cannot be signed");
  std::string user_id, user_hash_hex;
  if (!req.body.empty()) {
    boost::system::error_code ec;
    json::value v = json::parse(req.body, ec);
    if (ec || !v.is_object()) return json_error(400, "bad_request", "the body must be a JSON object");
    const auto& o = v.as_object();
    for (const auto& [k, val] : o) {
      if (k != "userId" && k != "userHash") return json_error(400, "bad_request", "unknown field '" + std::string(k) + "'");
      if (!val.is_string()) return json_error(400, "bad_request", "'" + std::string(k) + "' must be a string");
    }
    if (auto it = o.find("userId"); it != o.end()) user_id = std::string(it->value().as_string());
    if (auto it = o.find("userHash"); it != o.end()) user_hash_hex = std::string(it->value().as_string());
  }
  jwt_claims c;
  if (!user_id.empty()) {
    if (auth_.identity_secret().empty()) {
      return json_error(403, "forbidden", "this server does not accept site user ids (auth.identity_secret is unset)");
    }
    if (!user_hash_matches(auth_.identity_secret(), user_id, user_hash_hex)) {
      return json_error(403, "forbidden", "userHash does not match userId");
    }
    c.sub = "user:" + user_id;  // the same site user on any device is one identity
    c.user_id = user_id;
  } else if (!user_hash_hex.empty()) {
    return json_error(400, "bad_request", "userHash without userId");
  } else {
    c.sub = "v-" + ids_.next();
  }
  c.role = "customer";
  c.iss = auth_.issuer();
  c.aud = auth_.audience();
  c.iat = clock_.unix_ms() / 1000;
  c.exp = c.iat + auth_.visitor_token_ttl_seconds();
  const auto& k = auth_.keys(0);
  http_answer a;
  a.content_type = "application/json";
  a.body = json::serialize(json::object{{"token", sign_jwt(c, {k.kid(), k.secret()})}, {"visitorId", c.sub},
                                        {"expiresAt", c.exp}});
  return a;
}

}  // namespace switchboard::gateway
