#pragma once
// One HTTP/1.1 connection: read a request (the header, its framing checked, then the body, within
// server.handshake_timeout_seconds; a body limit), answer it through the http_handler, keep alive
// until the client closes or idles out (server.idle_timeout_seconds between requests). Beast lives
// in the .cpp only. Not thread-safe: runs on its own strand.

#include <boost/asio/ip/tcp.hpp>
#include <memory>

#include "conversation/principal.hpp"
#include "gateway/http_routes.hpp"
#include "gateway/protocol/frame_codec.hpp"

namespace switchboard::gateway {

class http_session : public std::enable_shared_from_this<http_session> {
 public:
  // Timeouts come from `ws` (handshake_timeout, idle_timeout); without it, the config's defaults.
  http_session(boost::asio::ip::tcp::socket socket, std::shared_ptr<const http_handler> handler,
               std::shared_ptr<struct ws_context> ws);
  ~http_session();
  void run();
  // Finish the answer being written (if any), then close. Thread-safe.
  void close();

 private:
  struct state;
  void do_read();
  void on_next_request(boost::system::error_code ec, std::size_t n);
  void do_read_header();
  void on_header(boost::system::error_code ec, std::size_t n);
  // The 413 message for a body over the limit of `target`'s route.
  std::string too_large_why(std::string_view target) const;
  void on_read(boost::system::error_code ec, std::size_t n);
  void on_write(bool keep_alive, boost::system::error_code ec, std::size_t n);
  void write_answer(http_answer a, bool keep_alive, unsigned version);
  void do_close();
  // An upgrade request: authenticate, then hand the socket to a ws_session, or refuse it.
  bool try_upgrade();
  // The upgrade, once the principal is known (a token's, or a sign-in session's).
  void finish_upgrade(principal who, wire_format format);
  void refuse(int status, std::string_view code, std::string_view message);

  std::unique_ptr<state> s_;
  std::shared_ptr<const http_handler> handler_;
  std::shared_ptr<ws_context> ws_;
};

}  // namespace switchboard::gateway
