#include "gateway/http_listener.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <spdlog/spdlog.h>

#include "gateway/http_session.hpp"
#include "gateway/ws_context.hpp"

namespace switchboard::gateway {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

http_listener::http_listener(asio::io_context& ioc, const tcp::endpoint& at, http_handler handler,
                             std::shared_ptr<ws_context> ws)
    : ioc_(ioc),
      acceptor_(asio::make_strand(ioc)),
      handler_(std::make_shared<const http_handler>(std::move(handler))),
      ws_(std::move(ws)) {
  acceptor_.open(at.protocol());
  acceptor_.set_option(asio::socket_base::reuse_address(true));
  acceptor_.bind(at);
  acceptor_.listen(asio::socket_base::max_listen_connections);
}

void http_listener::run() {
  asio::post(acceptor_.get_executor(), [self = shared_from_this()] { self->do_accept(); });
}

void http_listener::stop() {
  asio::post(acceptor_.get_executor(), [self = shared_from_this()] {
    boost::system::error_code ignored;
    self->acceptor_.close(ignored);
  });
  std::lock_guard lock(mutex_);
  for (auto& w : sessions_) {
    if (auto s = w.lock()) s->close();
  }
  if (ws_) ws_->close_all();
}

std::size_t http_listener::open_sessions() {
  std::lock_guard lock(mutex_);
  std::erase_if(sessions_, [](const auto& w) { return w.expired(); });
  return sessions_.size() + (ws_ ? ws_->open() : 0);
}

unsigned short http_listener::port() const { return acceptor_.local_endpoint().port(); }

void http_listener::do_accept() {
  // Each connection gets its own strand.
  acceptor_.async_accept(asio::make_strand(ioc_), [self = shared_from_this()](boost::system::error_code ec,
                                                                              tcp::socket s) {
    self->on_accept(ec, std::move(s));
  });
}

void http_listener::on_accept(boost::system::error_code ec, tcp::socket socket) {
  if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
  if (ec) {
    spdlog::warn("http accept error=\"{}\"", ec.message());
  } else {
    // Small frames go out at once: Nagle's algorithm with delayed acks would hold a chat message
    // back by up to 40 ms.
    boost::system::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    auto session = std::make_shared<http_session>(std::move(socket), handler_, ws_);
    {
      std::lock_guard lock(mutex_);
      std::erase_if(sessions_, [](const auto& w) { return w.expired(); });
      sessions_.push_back(session);
    }
    session->run();
  }
  do_accept();
}

}  // namespace switchboard::gateway
