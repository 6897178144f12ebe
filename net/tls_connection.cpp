#include "net/tls_connection.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <optional>

namespace switchboard::net {

namespace asio = boost::asio;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

namespace {
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
}  // namespace

struct tls_connection::impl {
  impl(asio::any_io_executor e, std::chrono::milliseconds d) : ex(e), socket(e), timer(e), deadline(d) {}
  asio::any_io_executor ex;
  ssl::context ctx{ssl::context::tls_client};
  tcp::socket socket;
  std::optional<ssl::stream<tcp::socket&>> tls;
  asio::steady_timer timer;
  std::chrono::milliseconds deadline;
  std::string host;
  bool expired = false;

  std::string failed(const char* what, const boost::system::error_code& ec) const {
    return expired ? std::string("no answer within ") + std::to_string(deadline.count()) + " ms" : std::string(what) + ": " + ec.message();
  }
  void arm(std::chrono::milliseconds d) {
    deadline = d;
    timer.expires_after(d);  // a wait pending is cancelled: its handler sees operation_aborted
    timer.async_wait([this](boost::system::error_code ec) {
      if (ec) return;
      expired = true;
      boost::system::error_code ignored;
      socket.close(ignored);
    });
  }
};

tls_connection::tls_connection(asio::any_io_executor ex, const std::string& ca_file, bool verify, std::chrono::milliseconds deadline)
    : impl_(std::make_unique<impl>(std::move(ex), deadline)) {
  impl_->ctx.set_default_verify_paths();
  if (!ca_file.empty()) impl_->ctx.load_verify_file(ca_file);
  impl_->ctx.set_verify_mode(verify ? ssl::verify_peer : ssl::verify_none);
  impl_->ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                         ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
}

tls_connection::~tls_connection() { close(); }

bool tls_connection::tls() const { return impl_->tls.has_value(); }

bool tls_connection::timed_out() const { return impl_->expired; }

void tls_connection::rearm(std::chrono::milliseconds from_now) {
  if (!impl_->expired) impl_->arm(from_now);
}

void tls_connection::close() {
  boost::system::error_code ignored;
  impl_->timer.cancel();
  impl_->socket.shutdown(tcp::socket::shutdown_both, ignored);
  impl_->socket.close(ignored);
}

asio::awaitable<std::string> tls_connection::connect(std::string host, std::string port, bool tls_at_once) {
  auto& i = *impl_;
  i.host = host;
  i.arm(i.deadline);
  tcp::resolver resolver(i.ex);
  auto [rec, endpoints] = co_await resolver.async_resolve(host, port, use_tuple);
  if (rec) co_return "cannot resolve " + host + ": " + rec.message();
  auto [cec, ep] = co_await asio::async_connect(i.socket, endpoints, use_tuple);
  if (cec) co_return i.failed(("cannot connect to " + host + ":" + port).c_str(), cec);
  if (tls_at_once) co_return co_await start_tls();
  co_return std::string();
}

asio::awaitable<std::string> tls_connection::start_tls() {
  auto& i = *impl_;
  i.tls.emplace(i.socket, i.ctx);
  if (!SSL_set_tlsext_host_name(i.tls->native_handle(), i.host.c_str())) co_return "TLS: cannot set the server name";
  i.tls->set_verify_callback(ssl::host_name_verification(i.host));
  auto [ec] = co_await i.tls->async_handshake(ssl::stream_base::client, use_tuple);
  if (ec) co_return i.failed(("TLS handshake with " + i.host).c_str(), ec);
  co_return std::string();
}

asio::awaitable<std::string> tls_connection::write(std::string bytes) {
  auto& i = *impl_;
  boost::system::error_code ec;
  if (i.tls) {
    std::tie(ec, std::ignore) = co_await asio::async_write(*i.tls, asio::buffer(bytes), use_tuple);
  } else {
    std::tie(ec, std::ignore) = co_await asio::async_write(i.socket, asio::buffer(bytes), use_tuple);
  }
  co_return ec ? i.failed("writing", ec) : std::string();
}

asio::awaitable<std::string> tls_connection::read(std::string& into) {
  auto& i = *impl_;
  char buf[4096];
  boost::system::error_code ec;
  std::size_t n = 0;
  if (i.tls) {
    std::tie(ec, n) = co_await i.tls->async_read_some(asio::buffer(buf), use_tuple);
  } else {
    std::tie(ec, n) = co_await i.socket.async_read_some(asio::buffer(buf), use_tuple);
  }
  if (ec == asio::error::eof || ec == ssl::error::stream_truncated) co_return "closed";
  if (ec) co_return i.failed("reading", ec);
  into.append(buf, n);
  co_return std::string();
}

}  // namespace switchboard::net
