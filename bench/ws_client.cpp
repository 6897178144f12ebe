#include "bench/ws_client.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/websocket.hpp>

#include <deque>
#include <stdexcept>

#include "core/clock.hpp"
#include "gateway/auth/jwt.hpp"

namespace bench {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace http = beast::http;
using tcp = asio::ip::tcp;

struct ws_client::impl : std::enable_shared_from_this<impl> {
  explicit impl(asio::io_context& ioc) : ws(ioc) {}
  websocket::stream<beast::tcp_stream> ws;
  beast::flat_buffer buf;
  std::deque<std::string> out;
  bool writing = false;
  bool open = false;
  std::function<void(std::string_view)> on_message;

  void read() {
    ws.async_read(buf, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) {
        self->open = false;
        return;
      }
      const auto data = self->buf.cdata();
      if (self->on_message) self->on_message(std::string_view(static_cast<const char*>(data.data()), data.size()));
      self->buf.consume(self->buf.size());
      self->read();
    });
  }
  void write() {
    writing = true;
    ws.async_write(asio::buffer(out.front()), [self = shared_from_this()](beast::error_code ec, std::size_t) {
      self->writing = false;
      if (ec) return;
      self->out.pop_front();
      if (!self->out.empty()) self->write();
    });
  }
};

ws_client::ws_client(asio::io_context& ioc) : impl_(std::make_shared<impl>(ioc)) {}

ws_client::~ws_client() = default;

void ws_client::on_message(std::function<void(std::string_view)> f) { impl_->on_message = std::move(f); }

void ws_client::start(int port, const std::string& target, const std::string& subprotocol, const std::string& token,
                      std::function<void()> on_open) {
  auto self = impl_;
  beast::get_lowest_layer(self->ws).async_connect(
      tcp::endpoint(asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)),
      [self, target, subprotocol, token, on_open](beast::error_code ec) {
        if (ec) throw std::runtime_error("connect: " + ec.message());
        self->ws.next_layer().socket().set_option(tcp::no_delay(true));
        self->ws.set_option(websocket::stream_base::decorator([subprotocol, token](websocket::request_type& r) {
          if (!subprotocol.empty()) r.set(http::field::sec_websocket_protocol, subprotocol);
          if (!token.empty()) r.set(http::field::authorization, "Bearer " + token);
        }));
        self->ws.binary(subprotocol == "switchboard.v1.proto");
        self->ws.async_handshake("127.0.0.1", target, [self, on_open](beast::error_code ec2) {
          if (ec2) throw std::runtime_error("handshake: " + ec2.message());
          self->open = true;
          on_open();
          self->read();
        });
      });
}

void ws_client::send(std::string bytes) {
  impl_->out.push_back(std::move(bytes));
  if (!impl_->writing) impl_->write();
}

void ws_client::close() {
  if (impl_->open) impl_->ws.async_close(websocket::close_code::normal, [self = impl_](beast::error_code) {});
}

std::string sign_token(const std::string& role, const std::string& sub, std::vector<std::string> teams,
                       const std::string& kid, const std::string& secret) {
  switchboard::gateway::jwt_claims c;
  c.sub = sub;
  c.role = role;
  c.teams = std::move(teams);
  c.iss = "switchboard";
  c.aud = "switchboard";
  c.iat = switchboard::system_clock_source::instance().unix_ms() / 1000;
  c.exp = c.iat + 3600;
  return switchboard::gateway::sign_jwt(c, {kid, secret});
}

void run_until(asio::io_context& ioc, const std::function<bool()>& done, std::chrono::seconds limit,
               const std::string& what) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) throw std::runtime_error("timed out: " + what);
    ioc.restart();
    ioc.run_for(std::chrono::milliseconds(5));
  }
}

}  // namespace bench
