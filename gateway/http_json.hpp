#pragma once
// The JSON answers of the HTTP API (rest_api, outbox_api): a body, a store error as its status,
// a protobuf message as JSON, the query parameters' reading with the 400 that names one, and
// who is asking, for the conversation rules.
// (json_error is declared in http_routes.hpp.) Pure; thread-safe.

#include <google/protobuf/message.h>

#include <boost/system/error_code.hpp>
#include <cstdint>
#include <string>
#include <string_view>

#include "conversation/principal.hpp"
#include "gateway/auth/jwt.hpp"
#include "gateway/http_routes.hpp"

namespace switchboard::gateway {

// 200, application/json.
http_answer json_ok(std::string body);
// GET /healthz ("ok") or /readyz ("ready: redis HOST:PORT", else 503 "redis unavailable: ..."),
// `address` naming the Redis in use; 405 for another method.
http_answer health_answer(std::string_view path, std::string_view method, bool redis_ready, const std::string& address);
// 503 retry for what may pass (Redis down), 404, 400, else 500.
http_answer store_error(const boost::system::error_code& ec);
// The message in protobuf's JSON mapping (camelCase names).
std::string proto_json(const google::protobuf::Message& m);
// A query parameter ("a=1&b=2"), or `fallback`.
std::string param(const std::string& query, std::string_view name, std::string fallback = {});
// A whole number >= 0, all of `s`.
bool parse_count(const std::string& s, std::int64_t& out);
// A 400 for a bad query parameter, named first: "<name>: <rule>".
http_answer bad_param(std::string_view name, std::string_view rule);
// The staff member behind a request, as the conversation rules know them.
principal principal_of(const jwt_claims& c);

}  // namespace switchboard::gateway
