#include "gateway/http_json.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <boost/url/parse_query.hpp>
#include <google/protobuf/util/json_util.h>

#include <charconv>

#include "core/error.hpp"
#include "gateway/protocol/frame_codec.hpp"

namespace switchboard::gateway {

namespace json = boost::json;

http_answer json_error(int status, std::string_view code, std::string_view message) {
  http_answer a;
  a.status = status;
  a.content_type = "application/json";
  a.body = json::serialize(json::object{{"code", code}, {"message", message}});
  return a;
}

http_answer json_ok(std::string body) {
  http_answer a;
  a.content_type = "application/json";
  a.body = std::move(body);
  return a;
}

http_answer health_answer(std::string_view path, std::string_view method, bool redis_ready, const std::string& address) {
  if (method != "GET" && method != "HEAD") return json_error(405, "method_not_allowed", "use GET");
  http_answer a;
  if (path == "/healthz") {
    a.body = "ok\n";
  } else {
    a.status = redis_ready ? 200 : 503;
    // Which Redis answers: with Sentinel, the primary the sentinels named.
    a.body = (redis_ready ? "ready: redis " : "redis unavailable: ") + address + "\n";
  }
  return a;
}

http_answer store_error(const boost::system::error_code& ec) {
  if (is_retryable(ec)) return json_error(503, "retry", "storage is unavailable; try again");
  if (ec == errc::not_found) return json_error(404, "not_found", "no such resource");
  if (ec == errc::bad_input) return json_error(400, "bad_request", "bad parameters");
  return json_error(500, "internal", ec.message());
}

std::string proto_json(const google::protobuf::Message& m) {
  std::string out;
  (void)google::protobuf::util::MessageToJsonString(m, &out);
  return out;
}

std::string param(const std::string& query, std::string_view name, std::string fallback) {
  auto u = boost::urls::parse_query(query);
  if (!u) return fallback;
  auto it = u->find(name);
  return it == u->end() ? fallback : (*it).value.decode();  // percent-decoded
}

bool parse_count(const std::string& s, std::int64_t& out) {
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && end == s.data() + s.size() && out >= 0;
}

http_answer bad_param(std::string_view name, std::string_view rule) {
  return json_error(400, "bad_request", std::string(name) + ": " + std::string(rule));
}

principal principal_of(const jwt_claims& c) {
  principal p;
  p.who = role_from_name(c.role).value_or(role::customer);
  p.subject = c.sub;
  p.teams = c.teams;
  return p;
}

}  // namespace switchboard::gateway
