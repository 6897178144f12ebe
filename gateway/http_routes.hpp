#pragma once
// What the HTTP server answers, without Beast in sight: a request's method and target in, a
// status, content type and body out. The server (http_listener/http_session) owns the sockets.

#include <functional>
#include <string>
#include <string_view>

namespace switchboard::gateway {

struct http_answer {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
};

// Called on the connection's strand; must not block. Thread-safe as the caller makes it.
using http_handler = std::function<http_answer(std::string_view method, std::string_view target)>;

}  // namespace switchboard::gateway
