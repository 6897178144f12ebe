#pragma once
// A small HTTPS client for the providers' send APIs and media downloads: Beast over
// OpenSSL, certificates verified against the system's store (plus an optional CA file) with the
// host name checked, one connection per request kept alive and reused for the next request to
// the same host, a deadline per request. http:// works too (a local proxy). No Beast in this
// header: net/https_client.cpp is the one file that compiles it (STYLE rule 4).
// Not thread-safe: use it from one executor (a strand).

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace switchboard::net {

struct https_reply {
  int status = 0;           // 0: no answer (`error` says why: refused, TLS, timeout, ...)
  std::string body;
  std::string retry_after;  // the Retry-After header, if any
  std::string location;     // the Location header (a redirect), if any
  std::string content_type; // the Content-Type header, if any
  std::string error;
  bool too_large = false;   // the body was over the request's max_body (status 0; not kept)
};

struct https_request {
  std::string method = "POST";
  std::string url;  // http(s)://host[:port]/path?query
  std::vector<std::pair<std::string, std::string>> headers;
  std::string content_type;
  std::string body;
  std::size_t max_body = 4 * 1024 * 1024;  // a larger answer is not read (too_large)
};

// The request of a call with the same fields (channels::outgoing_call), copied field by field:
// GCC 12 mishandles braced lists of strings in coroutines.
template <class Call>
https_request request_of(const Call& c) {
  https_request r;
  r.method = c.method;
  r.url = c.url;
  r.headers = c.headers;
  r.content_type = c.content_type;
  r.body = c.body;
  return r;
}

class https_client {
 public:
  // `ca_file`: a PEM of authorities trusted besides the system's ("" for none).
  https_client(boost::asio::any_io_executor ex, const std::string& ca_file, std::chrono::milliseconds timeout);
  ~https_client();
  https_client(const https_client&) = delete;
  https_client& operator=(const https_client&) = delete;

  boost::asio::awaitable<https_reply> send(https_request req);
  // Idle connections kept for reuse (for tests and metrics).
  std::size_t idle_connections() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace switchboard::net
