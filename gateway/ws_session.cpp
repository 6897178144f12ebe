#include "gateway/ws_session.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <deque>

#include "core/ids.hpp"
#include "gateway/conversation_service.hpp"
#include "gateway/ws_upgrade.hpp"

namespace switchboard::gateway {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace http = beast::http;

// ---- the registry of open sessions ----

void ws_context::add(const std::shared_ptr<ws_session>& s) {
  std::lock_guard lock(mutex_);
  std::erase_if(sessions_, [](const auto& w) { return w.expired(); });
  sessions_.push_back(s);
}

void ws_context::close_all() {
  std::lock_guard lock(mutex_);
  for (auto& w : sessions_) {
    if (auto s = w.lock()) s->close_for_restart();
  }
}

bool ws_context::reserve_connection(const std::string& user) {
  std::lock_guard lock(mutex_);
  auto it = users_.try_emplace(user, user_state{0, token_bucket(user_frames_per_second, user_frame_burst)}).first;
  if (it->second.connections >= max_connections_per_user) return false;
  ++it->second.connections;
  return true;
}

void ws_context::release_connection(const std::string& user) {
  std::lock_guard lock(mutex_);
  auto it = users_.find(user);
  if (it != users_.end() && --it->second.connections <= 0) users_.erase(it);
}

bool ws_context::user_take(const std::string& user, std::chrono::steady_clock::time_point now) {
  std::lock_guard lock(mutex_);
  auto it = users_.find(user);
  return it == users_.end() || it->second.bucket.take(now);
}

std::size_t ws_context::open() const {
  std::lock_guard lock(mutex_);
  std::erase_if(sessions_, [](const auto& w) { return w.expired(); });
  return sessions_.size();
}

// ---- the session ----

struct ws_session::state {
  state(asio::ip::tcp::socket s, double rate, double burst) : ws(std::move(s)), bucket(rate, burst) {}
  websocket::stream<beast::tcp_stream> ws;
  token_bucket bucket;
  beast::flat_buffer buffer;
  std::deque<std::shared_ptr<const std::string>> queue;
  bool writing = false;
  bool closing = false;
  unsigned short close_code = 1000;
  std::string close_reason;
  std::string id;
};

ws_session::ws_session(asio::ip::tcp::socket socket, std::shared_ptr<ws_context> ctx, principal who,
                       wire_format format)
    : s_(std::make_unique<state>(std::move(socket), ctx->frames_per_second, ctx->frame_burst)),
      ctx_(std::move(ctx)),
      who_(std::move(who)),
      format_(format) {}

// The connection was reserved at the handshake (http_session::try_upgrade).
ws_session::~ws_session() { ctx_->release_connection(who_.subject); }

void ws_session::run(std::unique_ptr<upgrade_request> up) {
  auto& ws = s_->ws;
  beast::get_lowest_layer(ws).expires_never();  // the websocket timeouts below take over
  websocket::stream_base::timeout t{};
  t.handshake_timeout = ctx_->handshake_timeout;
  t.idle_timeout = ctx_->idle_timeout;
  t.keep_alive_pings = true;  // a ping at half the idle timeout; no pong by the end: closed
  ws.set_option(t);
  // Up to twice the limit is read and answered with an error frame (frame_too_large) on a usable
  // connection; beyond that Beast closes it with 1009 without reading further.
  ws.read_message_max(2 * ctx_->max_frame_bytes);
  ws.binary(is_binary(format_));
  const std::string proto(subprotocol_name(format_));
  ws.set_option(websocket::stream_base::decorator([proto](websocket::response_type& res) {
    res.set(http::field::sec_websocket_protocol, proto);
    res.set(http::field::server, "switchboard");
  }));
  auto req = std::make_shared<upgrade_request>(std::move(*up));
  asio::dispatch(ws.get_executor(), [self = shared_from_this(), req] {
    self->s_->ws.async_accept(req->req, [self, req](beast::error_code ec) { self->on_accept(ec); });
  });
}

void ws_session::on_accept(beast::error_code ec) {
  if (ec) return;
  ctx_->add(shared_from_this());
  s_->id = std::to_string(reinterpret_cast<std::uintptr_t>(this));
  v1::ServerFrame welcome;
  auto* w = welcome.mutable_welcome();
  w->set_session_id(s_->id);
  w->set_role(who_.who == role::customer ? "customer"
              : who_.who == role::agent  ? "agent"
              : who_.who == role::lead   ? "lead"
                                         : "admin");
  w->set_subject(who_.subject);
  w->set_heartbeat_seconds(static_cast<int>(ctx_->idle_timeout.count() / 2));
  send_local(welcome);
  ctx_->service->opened(shared_from_this());
  do_read();
}

void ws_session::do_read() {
  s_->ws.async_read(s_->buffer,
                    [self = shared_from_this()](beast::error_code ec, std::size_t n) { self->on_read(ec, n); });
}

void ws_session::on_read(beast::error_code ec, std::size_t) {
  if (ec) {
    ctx_->service->closed(this);
    return;
  }
  const std::string payload = beast::buffers_to_string(s_->buffer.data());
  s_->buffer.consume(s_->buffer.size());
  const auto now = ctx_->clk->steady();
  if (!s_->bucket.take(now) || !ctx_->user_take(who_.subject, now)) {
    send_local(error_frame("", "rate_limited", "too many frames; slow down and send again", true));
    return do_read();
  }
  auto d = decode_client_frame(format_, s_->ws.got_binary(), payload, ctx_->max_frame_bytes);
  if (!d.ok) {
    send_local(error_frame("", d.error_code, d.error_message));
  } else if (!frame_allowed(who_.who, d.frame.kind_case())) {
    send_local(error_frame(d.frame.request_id(), "forbidden", "this role may not send that request"));
  } else {
    ctx_->service->handle(shared_from_this(), std::move(d.frame));
  }
  do_read();
}

void ws_session::deliver(std::shared_ptr<const outbound_frame> frame) {
  asio::post(s_->ws.get_executor(), [self = shared_from_this(), frame = std::move(frame)] {
    // The bytes live inside the shared frame: the aliasing pointer keeps it alive while queued.
    const std::string& bytes = frame->encoded(self->format_);
    self->enqueue(std::shared_ptr<const std::string>(frame, &bytes));
  });
}

void ws_session::send_local(const v1::ServerFrame& f) {
  enqueue(std::make_shared<const std::string>(encode_server_frame(format_, f)));
}

void ws_session::enqueue(std::shared_ptr<const std::string> bytes) {
  if (s_->closing) return;
  if (s_->queue.size() >= ctx_->max_queued_frames) {
    return close_with(websocket::close_code::policy_error, "slow reader");
  }
  s_->queue.push_back(std::move(bytes));
  if (!s_->writing) do_write();
}

void ws_session::do_write() {
  s_->writing = true;
  s_->ws.async_write(asio::buffer(*s_->queue.front()),
                     [self = shared_from_this()](beast::error_code ec, std::size_t n) { self->on_write(ec, n); });
}

void ws_session::on_write(beast::error_code ec, std::size_t) {
  s_->writing = false;
  if (ec) return;
  s_->queue.pop_front();
  if (s_->closing) return start_close();
  if (!s_->queue.empty()) do_write();
}

void ws_session::close_with(unsigned short code, const char* reason) {
  if (s_->closing) return;
  s_->closing = true;
  s_->close_code = code;
  s_->close_reason = reason;
  // Drop what waits; a write in flight finishes first (Beast allows one write at a time, and the
  // close frame is a write).
  while (s_->queue.size() > (s_->writing ? 1u : 0u)) s_->queue.pop_back();
  if (!s_->writing) start_close();
}

void ws_session::start_close() {
  websocket::close_reason why;
  why.code = s_->close_code;
  why.reason = s_->close_reason;
  s_->ws.async_close(why,
                     [self = shared_from_this()](beast::error_code) {});
}

void ws_session::close_for_restart() {
  asio::post(s_->ws.get_executor(), [self = shared_from_this()] {
    self->close_with(websocket::close_code::service_restart, "server restarting: reconnect");
  });
}

}  // namespace switchboard::gateway
