#pragma once
// What the HTTP server answers, without Beast in sight: a request's method, target, body and the
// few headers the API reads in; a status, content type and body out. The server
// (http_listener/http_session) owns the sockets.

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace switchboard::gateway {

struct http_request {
  std::string method;
  std::string target;         // path and query
  std::string body;
  std::string authorization;  // the Authorization header, if any
  std::string origin;         // the Origin header, if any
  std::string host;           // the Host header, if any
  std::string cookie;         // the Cookie header, if any
  std::string csrf_token;     // the X-CSRF-Token header, if any
  std::string accept_encoding;  // the Accept-Encoding header, if any
  std::string if_none_match;  // the If-None-Match header, if any
  std::string content_type;   // the Content-Type header, if any
  // The providers' webhook signatures (channels/signature.hpp), if any.
  std::string hub_signature;     // X-Hub-Signature-256 (Meta)
  std::string telegram_secret;   // X-Telegram-Bot-Api-Secret-Token
  std::string twilio_signature;  // X-Twilio-Signature
  // The client address: the TCP peer's IP in text ("203.0.113.7", "2001:db8::1"; an IPv4-mapped
  // IPv6 peer as IPv4), for limits per client. X-Forwarded-For and the like are not read: any
  // client can write them. Behind a proxy every client has the proxy's address.
  std::string peer_address;
  // X-Request-Id as the client or a proxy sent it when usable, else one made here
  // (core/log.hpp, request_id_of): on the answer's X-Request-Id and on the log lines about it.
  std::string request_id;
};

struct http_answer {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // any others, e.g. Sec-WebSocket-Version on 426
};

// A JSON error body: {"code": "...", "message": "..."}.
http_answer json_error(int status, std::string_view code, std::string_view message);

// Delivers the answer; may be called from any thread, once.
using http_responder = std::function<void(http_answer)>;

// Called on the connection's strand; must not block: an answer that needs Redis is given to the
// responder later. Thread-safe as the caller makes it.
using http_handler = std::function<void(http_request, http_responder)>;

}  // namespace switchboard::gateway
