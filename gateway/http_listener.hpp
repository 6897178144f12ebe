#pragma once
// Accepts TCP connections for the HTTP server and hands each to an http_session on its own strand.
// Owns the acceptor and weak references to its sessions: stop() closes the acceptor and asks every
// session to finish the answer it is writing and close. Thread-safe: any function, any thread.

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <memory>
#include <mutex>
#include <vector>

#include "gateway/http_routes.hpp"

namespace switchboard::gateway {

class http_listener : public std::enable_shared_from_this<http_listener> {
 public:
  // Binds at once; throws boost::system::system_error if the address cannot be bound.
  // With `ws`, upgrade requests to /v1/ws become WebSocket sessions.
  http_listener(boost::asio::io_context& ioc, const boost::asio::ip::tcp::endpoint& at, http_handler handler,
                std::shared_ptr<struct ws_context> ws = nullptr);

  void run();
  void stop();
  // Sessions still open (a drain waits for 0).
  std::size_t open_sessions();
  // The bound port (useful when asked for port 0).
  unsigned short port() const;

 private:
  void do_accept();
  void on_accept(boost::system::error_code ec, boost::asio::ip::tcp::socket socket);

  boost::asio::io_context& ioc_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::shared_ptr<const http_handler> handler_;
  std::shared_ptr<ws_context> ws_;
  std::mutex mutex_;
  std::vector<std::weak_ptr<class http_session>> sessions_;
};

}  // namespace switchboard::gateway
