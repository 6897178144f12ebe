#include "gateway/smtp_listener.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <spdlog/spdlog.h>

#include "gateway/mail_receiver.hpp"

namespace switchboard::gateway {

namespace asio = boost::asio;
namespace ssl = asio::ssl;
namespace email = channels::email;
using tcp = asio::ip::tcp;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t kReadChunk = 64 * 1024;
constexpr std::string_view kBusy = "421 4.7.0 Too many connections, try again later\r\n";

std::unique_ptr<ssl::context> tls_context(const v1::EmailConfig& cfg) {
  if (cfg.tls_certificate_file().empty()) return nullptr;
  auto ctx = std::make_unique<ssl::context>(ssl::context::tls_server);
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                   ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::single_dh_use);
  boost::system::error_code ec;
  ctx->use_certificate_chain_file(cfg.tls_certificate_file(), ec);
  if (ec) throw std::runtime_error("channels.email.tls_certificate_file '" + cfg.tls_certificate_file() + "': " + ec.message());
  ctx->use_private_key_file(cfg.tls_key_file(), ssl::context::pem, ec);
  if (ec) throw std::runtime_error("channels.email.tls_key_file '" + cfg.tls_key_file() + "': " + ec.message());
  return ctx;
}

}  // namespace

// One client: its socket, the TLS layer once STARTTLS succeeded, the protocol's state, the timer
// that closes a silent connection.
struct smtp_listener::connection {
  connection(tcp::socket s, email::smtp_options o) : socket(std::move(s)), session(std::move(o)), timer(socket.get_executor()) {}
  tcp::socket socket;
  std::unique_ptr<ssl::stream<tcp::socket&>> tls;
  email::smtp_session session;
  asio::steady_timer timer;
  std::string peer;
  bool timed_out = false;

  asio::awaitable<std::size_t> read(std::string& buf) {
    buf.resize(kReadChunk);
    boost::system::error_code ec;
    std::size_t n = 0;
    if (tls) {
      std::tie(ec, n) = co_await tls->async_read_some(asio::buffer(buf), use_tuple);
    } else {
      std::tie(ec, n) = co_await socket.async_read_some(asio::buffer(buf), use_tuple);
    }
    buf.resize(ec ? 0 : n);
    co_return ec ? 0 : n;
  }
  asio::awaitable<bool> write(std::string_view bytes) {
    if (bytes.empty()) co_return true;
    boost::system::error_code ec;
    if (tls) {
      std::tie(ec, std::ignore) = co_await asio::async_write(*tls, asio::buffer(bytes), use_tuple);
    } else {
      std::tie(ec, std::ignore) = co_await asio::async_write(socket, asio::buffer(bytes), use_tuple);
    }
    co_return !ec;
  }
  void close() {
    boost::system::error_code ignored;
    socket.shutdown(tcp::socket::shutdown_both, ignored);
    socket.close(ignored);
  }
};

smtp_listener::smtp_listener(asio::io_context& ioc, const tcp::endpoint& at, const v1::EmailConfig& cfg, mail_receiver& receiver)
    : ioc_(ioc),
      acceptor_(asio::make_strand(ioc)),
      max_connections_(static_cast<std::size_t>(cfg.max_connections())),
      command_timeout_(cfg.command_timeout_seconds()),
      tls_(tls_context(cfg)),
      receiver_(receiver) {
  options_.hostname = cfg.hostname();
  options_.tls_available = tls_ != nullptr;
  options_.tls_required = cfg.tls_required();
  options_.accepts = [&receiver](std::string_view address) { return receiver.accepts(address); };
  options_.limits.max_message_bytes = static_cast<std::size_t>(cfg.max_message_bytes());
  options_.limits.max_recipients = static_cast<std::size_t>(cfg.max_recipients());
  acceptor_.open(at.protocol());
  acceptor_.set_option(asio::socket_base::reuse_address(true));
  acceptor_.bind(at);
  acceptor_.listen(asio::socket_base::max_listen_connections);
}

smtp_listener::~smtp_listener() = default;

void smtp_listener::run() {
  asio::post(acceptor_.get_executor(), [self = shared_from_this()] { self->do_accept(); });
}

unsigned short smtp_listener::port() const { return acceptor_.local_endpoint().port(); }

void smtp_listener::stop() {
  asio::post(acceptor_.get_executor(), [self = shared_from_this()] {
    boost::system::error_code ignored;
    self->acceptor_.close(ignored);
  });
  std::lock_guard lock(mutex_);
  for (auto& w : connections_) {
    if (auto c = w.lock()) asio::post(c->socket.get_executor(), [c] { c->close(); });
  }
}

void smtp_listener::do_accept() {
  acceptor_.async_accept(asio::make_strand(ioc_), [self = shared_from_this()](boost::system::error_code ec, tcp::socket s) {
    if (ec == asio::error::operation_aborted || !self->acceptor_.is_open()) return;
    if (ec) {
      spdlog::warn("smtp accept error=\"{}\"", ec.message());
    } else {
      boost::system::error_code ignored;
      s.set_option(tcp::no_delay(true), ignored);
      auto c = std::make_shared<connection>(std::move(s), self->options_);
      const auto ep = c->socket.remote_endpoint(ignored);
      c->peer = ignored ? std::string("?") : ep.address().to_string();
      {
        std::lock_guard lock(self->mutex_);
        std::erase_if(self->connections_, [](const auto& w) { return w.expired(); });
        self->connections_.push_back(c);
      }
      auto ex = c->socket.get_executor();
      asio::co_spawn(ex, self->serve(std::move(c)), asio::detached);
    }
    self->do_accept();
  });
}

asio::awaitable<void> smtp_listener::serve(std::shared_ptr<connection> c) {
  auto self = shared_from_this();
  const bool over = ++open_ > max_connections_;
  struct leave {
    std::atomic<std::size_t>& n;
    ~leave() { --n; }
  } counted{open_};
  if (over) {
    spdlog::warn("smtp: {} connections open; {} told to come back later", max_connections_, c->peer);
    co_await c->write(kBusy);
    c->close();
    co_return;
  }
  bool open = co_await c->write(c->session.greeting());
  std::string buf;
  while (open) {
    c->timer.expires_after(command_timeout_);
    c->timer.async_wait([c](boost::system::error_code ec) {
      if (ec) return;
      c->timed_out = true;
      boost::system::error_code ignored;
      c->socket.cancel(ignored);
    });
    const std::size_t n = co_await c->read(buf);
    c->timer.cancel();
    if (c->timed_out) {
      c->timed_out = false;
      c->timer.expires_after(std::chrono::seconds(5));  // the goodbye may not wait long either
      c->timer.async_wait([c](boost::system::error_code ec) {
        if (!ec) c->close();
      });
      co_await c->write(c->session.timed_out().reply);
      c->timer.cancel();
      break;
    }
    if (n == 0) break;  // closed, reset, or stopped
    open = co_await carry_out(*c, c->session.feed(buf));
  }
  c->close();
}

// Does what a step asks, in order: the replies, each message stored and answered (which may
// release pipelined input, hence the loop), the TLS handshake, the close. False: the connection ends.
asio::awaitable<bool> smtp_listener::carry_out(connection& c, email::smtp_step step) {
  for (;;) {
    if (!co_await c.write(step.reply)) co_return false;
    if (!step.message) break;
    received_mail mail;
    mail.mail_from = std::move(step.message->mail_from);
    mail.recipients = std::move(step.message->recipients);
    mail.data = std::move(step.message->data);
    const auto r = co_await receiver_.receive(std::move(mail));
    using v = mail_receipt::verdict;
    if (r.what == v::retry) spdlog::warn("smtp: a mail from {} not stored: {} (451: its server tries again)", c.peer, r.text);
    const std::string said = r.what == v::dropped ? "nothing (" + r.text + ")" : r.text;
    step = c.session.stored(r.what == v::stored || r.what == v::dropped, r.what == v::retry, said);
  }
  if (step.start_tls && tls_) {
    c.tls = std::make_unique<ssl::stream<tcp::socket&>>(c.socket, *tls_);
    c.timer.expires_after(command_timeout_);
    c.timer.async_wait([&c](boost::system::error_code ec) {
      if (!ec) c.close();
    });
    auto [ec] = co_await c.tls->async_handshake(ssl::stream_base::server, use_tuple);
    c.timer.cancel();
    if (ec) {
      spdlog::info("smtp: TLS handshake with {} failed: {}", c.peer, ec.message());
      co_return false;
    }
    c.session.tls_started();
  }
  co_return !step.close;
}

}  // namespace switchboard::gateway
