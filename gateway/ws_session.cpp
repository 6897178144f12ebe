#include "gateway/ws_session.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <openssl/rand.h>

#include <random>

#include <array>
#include <deque>
#include <vector>

#include "gateway/conversation_service.hpp"

namespace switchboard::gateway {

namespace asio = boost::asio;
using boost::system::error_code;

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

void ws_context::close_revoked(std::string_view what) {
  if (what.size() < 3 || what[1] != ':') return;
  const bool by_session = what[0] == 's';
  const auto id = what.substr(2);
  std::lock_guard lock(mutex_);
  for (auto& w : sessions_) {
    auto s = w.lock();
    if (!s) continue;
    const auto& p = s->who();
    const bool match = by_session ? (!p.web_session.empty() && p.web_session == id)
                                  : (p.who != role::customer && p.subject == id);
    if (match) s->close_signed_out();
  }
}

ws_context::admission ws_context::reserve_connection(const std::string& user, const std::string& address) {
  std::lock_guard lock(mutex_);
  if (connections_ >= static_cast<std::size_t>(max_connections)) {
    count_rejected("server_full");
    return admission::server_full;
  }
  const auto at_address = addresses_.find(address);
  if (at_address != addresses_.end() && at_address->second >= max_connections_per_address) {
    count_rejected("address_full");
    return admission::address_full;
  }
  auto it = users_.try_emplace(user, user_state{0, token_bucket(user_frames_per_second, user_frame_burst)}).first;
  if (it->second.connections >= max_connections_per_user) {
    count_rejected("user_full");
    return admission::user_full;
  }
  ++it->second.connections;
  ++addresses_[address];
  ++connections_;
  return admission::admitted;
}

void ws_context::hold_connection(const ws_session* s, const std::string& user, const std::string& address) {
  std::lock_guard lock(mutex_);
  held_.insert_or_assign(s, held_place{user, address});
}

void ws_context::release_connection(const ws_session* s) {
  std::lock_guard lock(mutex_);
  auto held = held_.find(s);
  if (held == held_.end()) return;
  if (auto it = users_.find(held->second.user); it != users_.end() && --it->second.connections <= 0) users_.erase(it);
  if (auto it = addresses_.find(held->second.address); it != addresses_.end() && --it->second <= 0) addresses_.erase(it);
  --connections_;
  held_.erase(held);
}

bool ws_context::user_take(const std::string& user, std::chrono::steady_clock::time_point now) {
  std::lock_guard lock(mutex_);
  auto it = users_.find(user);
  return it == users_.end() || it->second.bucket.take(now);
}

void ws_context::use_metrics(metrics::registry& r) {
  metrics_registry = &r;
  frames_in = &r.counter_of("switchboard_ws_frames_in_total", "WebSocket frames read.");
  frames_out = &r.counter_of("switchboard_ws_frames_out_total", "WebSocket data frames queued to send.");
  dwell_seconds = &r.histogram_of("switchboard_gateway_dwell_seconds",
                                  "Customer messages: frame read, stored, ack queued on the connection.",
                                  metrics::fast_buckets());
}

void ws_context::count_rejected(std::string_view reason) {
  metrics_registry
      ->counter_of("switchboard_ws_rejected_total", "WebSocket frames and connections refused, by reason.",
                   metrics::labels({{"reason", reason}}))
      .add();
}

std::unordered_map<std::string, std::size_t> ws_context::open_by_role() const {
  static constexpr const char* kNames[] = {"customer", "agent", "lead", "admin"};
  std::unordered_map<std::string, std::size_t> out;
  for (const char* n : kNames) out[n] = 0;
  std::lock_guard lock(mutex_);
  for (const auto& w : sessions_) {
    if (auto s = w.lock()) ++out[kNames[static_cast<int>(s->who().who)]];
  }
  return out;
}

std::size_t ws_context::open() const {
  std::lock_guard lock(mutex_);
  std::erase_if(sessions_, [](const auto& w) { return w.expired(); });
  return sessions_.size();
}

// ---- the session ----

namespace {

// Reads land here, one buffer per I/O thread: an idle connection owns none.
constexpr std::size_t kReadChunk = 64 * 1024;
// Reads per readiness before yielding to other connections on the thread.
constexpr int kReadsPerWake = 4;
// Frames per gathered write: two buffers each (header, payload) within asio's 64-buffer writev.
constexpr std::size_t kFramesPerWrite = 31;

char* read_chunk() {
  thread_local std::array<char, kReadChunk> chunk;
  return chunk.data();
}

// An opaque, unguessable id for the welcome (support quotes it): 128 random bits in hex.
std::string random_session_id() {
  std::array<unsigned char, 16> raw{};
  if (RAND_bytes(raw.data(), static_cast<int>(raw.size())) != 1) {
    thread_local std::mt19937_64 fallback{std::random_device{}()};
    for (auto& b : raw) b = static_cast<unsigned char>(fallback());
  }
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char b : raw) {
    out += hex[b >> 4];
    out += hex[b & 0xF];
  }
  return out;
}

// Refusals are allowed at the frame rate, with a reserve of this many seconds' worth of frames
// (at least kAbuseReserve): a one-off burst (a client pipelining a few hundred frames) gets its
// answers; a client that goes on sending faster than allowed empties it within seconds and is
// closed (4029).
constexpr double kAbuseSeconds = 5;
constexpr double kAbuseReserve = 512;

}  // namespace

struct ws_session::state {
  state(asio::ip::tcp::socket s, double rate, double burst, std::size_t max_message)
      : socket(std::move(s)),
        timer(socket.get_executor()),
        bucket(rate, burst),
        abuse(rate, std::max(kAbuseReserve, rate * kAbuseSeconds)),
        reader(max_message) {}

  struct out_frame {
    std::shared_ptr<const std::string> bytes;
    ws::frame_header header;  // size 0: raw bytes (the 101 answer)
    bool close = false;
    bool pushed = false;      // not an answer: counts against max_queued_frames
  };
  // Exists only while something waits to be written (an idle connection has none).
  struct write_queue {
    std::deque<out_frame> frames;  // the first `in_flight` are being written
    std::vector<asio::const_buffer> gather;
    std::size_t in_flight = 0;
    std::size_t pushed = 0;        // frames in `frames` that are pushed, not answers
  };
  using time_point = std::chrono::steady_clock::time_point;

  asio::ip::tcp::socket socket;
  // The handshake deadline; then the next of: the keep-alive ping, the idle close, the token's
  // expiry; then the closing deadline.
  asio::steady_timer timer;
  token_bucket bucket;
  token_bucket abuse;           // refusals allowed before a sustained abuser is closed (4029)
  ws::frame_reader reader;
  std::unique_ptr<write_queue> out;
  phase at = phase::handshake;
  time_point last_heard{};      // the last bytes read (or a write the client took while reading paused)
  time_point pinged_at{};       // when the unanswered keep-alive ping went out
  time_point expires_at = time_point::max();  // the token's expiry (with the leeway)
  bool pinged = false;          // a keep-alive ping is unanswered
  bool read_paused = false;     // too much waits to be written: the next frames wait in the socket
  bool close_queued = false;    // our close frame is queued or written
  bool close_written = false;
  bool close_received = false;  // the peer's close frame arrived (or it broke the protocol)
};

ws_session::ws_session(asio::ip::tcp::socket socket, std::shared_ptr<ws_context> ctx, principal who,
                       wire_format format, bool board_changes)
    : s_(std::make_unique<state>(std::move(socket), ctx->frames_per_second, ctx->frame_burst,
                                 2 * ctx->max_frame_bytes)),
      ctx_(std::move(ctx)),
      who_(std::move(who)),
      format_(format),
      board_changes_(board_changes) {}

// The connection's place was reserved at the handshake (http_session::try_upgrade).
ws_session::~ws_session() { ctx_->release_connection(this); }

void ws_session::run(ws_handshake hs) {
  asio::dispatch(s_->socket.get_executor(), [self = shared_from_this(), hs = std::move(hs)] {
    auto& s = *self->s_;
    error_code ec;
    s.socket.non_blocking(true, ec);
    if (ec) return self->shut();
    self->ctx_->add(self);
    // The 101 and the welcome leave in one write.
    self->send_raw(ws::handshake_response(hs.client_key, subprotocol_name(self->format_)));
    v1::ServerFrame welcome;
    auto* w = welcome.mutable_welcome();
    w->set_session_id(random_session_id());
    w->set_role(self->who_.who == role::customer ? "customer"
                : self->who_.who == role::agent  ? "agent"
                : self->who_.who == role::lead   ? "lead"
                                                 : "admin");
    w->set_subject(self->who_.subject);
    w->set_heartbeat_seconds(static_cast<int>(self->ctx_->idle_timeout.count() / 2));
    self->send_local(welcome);
    const auto now = self->ctx_->clk->steady();
    s.last_heard = now;
    if (self->who_.expires_at_s > 0) {
      s.expires_at = now + std::chrono::milliseconds(self->who_.expires_at_s * 1000 - self->ctx_->clk->unix_ms());
    }
    self->arm_timer(self->ctx_->handshake_timeout);
    self->ctx_->service->opened(self);
    if (!hs.leftover.empty()) {
      s.reader.feed(hs.leftover, *self);
      if (s.at == phase::done) return;
    }
    self->wait_readable();
  });
}

// ---- reading ----

void ws_session::wait_readable() {
  if (s_->at == phase::done) return;
  s_->socket.async_wait(asio::socket_base::wait_read,
                        [self = shared_from_this()](error_code ec) { self->on_readable(ec); });
}

void ws_session::on_readable(error_code ec) {
  if (s_->at == phase::done) return;
  if (ec) return shut();
  if (s_->at != phase::closing && s_->out && s_->out->frames.size() >= ctx_->max_queued_frames) {
    // Backpressure: the client reads its answers slower than it sends requests. Its next frames
    // wait in the socket until the queue has drained (on_write resumes).
    s_->read_paused = true;
    return;
  }
  char* chunk = read_chunk();
  for (int i = 0; i < kReadsPerWake; ++i) {
    const std::size_t n = s_->socket.read_some(asio::buffer(chunk, kReadChunk), ec);
    if (ec == asio::error::would_block || ec == asio::error::try_again) break;
    if (ec) return shut();  // the peer went away (end of file or reset)
    s_->last_heard = ctx_->clk->steady();
    s_->pinged = false;  // anything the client sends shows it is alive
    if (!s_->reader.stopped()) s_->reader.feed(std::string_view(chunk, n), *this);
    if (s_->at == phase::done) return;
    if (n < kReadChunk) break;
  }
  wait_readable();
}

void ws_session::on_message(bool binary, std::string&& payload) {
  if (s_->at == phase::closing) return;  // after our close frame, data is ignored (RFC 6455 §5.5.1)
  const auto now = ctx_->clk->steady();
  auto d = decode_client_frame(format_, binary, payload, ctx_->max_frame_bytes);
  ctx_->frames_in->add();
  if (!s_->bucket.take(now) || !ctx_->user_take(who_.subject, now)) {
    ctx_->count_rejected("rate_limited");
    auto refusal = error_frame(d.frame.request_id(), "rate_limited", "too many frames; slow down and send again", true);
    refusal.mutable_error()->set_retry_after_ms(
        static_cast<std::int32_t>(std::max<std::int64_t>(1, s_->bucket.wait().count())));
    send_local(refusal);
    return refused(now);
  }
  if (!d.ok) {
    ctx_->count_rejected(d.error_code);
    send_local(error_frame(d.frame.request_id(), d.error_code, d.error_message));
  } else if (!frame_allowed(who_.who, d.frame.kind_case())) {
    ctx_->count_rejected("forbidden");
    send_local(error_frame(d.frame.request_id(), "forbidden", "this role may not send that request"));
  } else {
    ctx_->service->handle(shared_from_this(), std::move(d.frame), now);
  }
}

void ws_session::on_ping(std::string_view payload) {
  if (s_->at == phase::closing) return;
  const auto now = ctx_->clk->steady();
  if (!s_->bucket.take(now)) return refused(now);  // a protocol ping counts like any frame; no pong
  enqueue(ws::opcode::pong, std::make_shared<const std::string>(payload), false);
}

void ws_session::on_pong(std::string_view) {}  // any bytes read already count as a sign of life

void ws_session::refused(std::chrono::steady_clock::time_point now) {
  // See kAbuseSeconds.
  if (!s_->abuse.take(now)) start_close(ws::close_code::rate_limit_abuse, "rate limit exceeded: slow down");
}

void ws_session::on_close(std::uint16_t code, std::string_view) {
  s_->close_received = true;
  if (s_->close_written) return shut();  // the answer to ours: the handshake is complete
  // Echo the peer's code (none if it sent none), then close the TCP connection (§5.5.1, §7.1.1).
  start_close(code == 1005 ? 0 : code, "");
}

void ws_session::on_violation(std::uint16_t code, std::string_view why) {
  s_->close_received = true;  // we will not wait for its close: the TCP connection goes after ours
  if (s_->close_written) return shut();
  start_close(code, why);
}

// ---- writing ----

void ws_session::deliver(std::shared_ptr<const outbound_frame> frame) {
  asio::post(s_->socket.get_executor(), [self = shared_from_this(), frame = std::move(frame)] {
    // The bytes live inside the shared frame: the aliasing pointer keeps it alive while queued.
    const std::string& bytes = frame->encoded(self->format_);
    if (bytes.empty()) return;  // relayed bytes that are not a frame (outbound_frame::from_proto)
    // An ack of a message: recorded as it goes to the socket (the write starts at once unless one
    // is in flight), before it can reach the client.
    if (frame->received() != std::chrono::steady_clock::time_point{}) {
      const auto took = self->ctx_->clk->steady() - frame->received();
      self->ctx_->dwell.record(took);
      self->ctx_->dwell_seconds->observe(took);
    }
    self->enqueue(is_binary(self->format_) ? ws::opcode::binary : ws::opcode::text,
                  std::shared_ptr<const std::string>(frame, &bytes), !frame->answer());
  });
}

void ws_session::send_local(const v1::ServerFrame& f) {
  enqueue(is_binary(format_) ? ws::opcode::binary : ws::opcode::text,
          std::make_shared<const std::string>(encode_server_frame(format_, f)), false);
}

void ws_session::send_raw(std::string bytes) {
  if (!s_->out) s_->out = std::make_unique<state::write_queue>();
  s_->out->frames.push_back({std::make_shared<const std::string>(std::move(bytes)), {}, false});
  // Written with the next frame (the welcome): one write for both.
}

void ws_session::enqueue(ws::opcode op, std::shared_ptr<const std::string> bytes, bool pushed) {
  if (s_->at == phase::done || s_->close_queued) return;
  if (!s_->out) s_->out = std::make_unique<state::write_queue>();
  // Only what the server pushes can make a slow reader: answers are bounded by the requests read,
  // and reading pauses while the queue is long (on_readable).
  if (pushed && s_->out->pushed >= ctx_->max_queued_frames) {
    ctx_->count_rejected("slow_reader");
    return start_close(ws::close_code::policy_error, "slow reader");
  }
  const auto header = ws::make_header(op, bytes->size());
  if (op == ws::opcode::text || op == ws::opcode::binary) ctx_->frames_out->add();
  s_->out->frames.push_back({std::move(bytes), header, false, pushed});
  if (pushed) ++s_->out->pushed;
  if (s_->out->in_flight == 0) do_write();
}

void ws_session::do_write() {
  auto& q = *s_->out;
  q.gather.clear();
  std::size_t n = 0;
  for (auto& f : q.frames) {
    if (n == kFramesPerWrite) break;
    if (f.header.size > 0) q.gather.emplace_back(f.header.bytes.data(), f.header.size);
    q.gather.emplace_back(f.bytes->data(), f.bytes->size());
    ++n;
  }
  q.in_flight = n;
  asio::async_write(s_->socket, q.gather, [self = shared_from_this()](error_code ec, std::size_t) { self->on_write(ec); });
}

void ws_session::on_write(error_code ec) {
  if (s_->at == phase::done) return;
  if (ec) return shut();
  auto& q = *s_->out;
  for (std::size_t i = 0; i < q.in_flight; ++i) {
    if (q.frames.front().close) s_->close_written = true;
    if (q.frames.front().pushed) --q.pushed;
    q.frames.pop_front();
  }
  q.in_flight = 0;
  if (s_->at == phase::handshake) {
    s_->at = phase::open;
    arm_keep_alive();
  }
  if (s_->close_written && s_->close_received) return shut();
  if (s_->at == phase::closing) {
    arm_timer(std::chrono::duration_cast<std::chrono::milliseconds>(s_->close_written ? ctx_->handshake_timeout
                                                                                      : ctx_->idle_timeout));
  }
  if (s_->read_paused && q.frames.size() < ctx_->max_queued_frames / 2 + 1) {
    s_->read_paused = false;
    s_->last_heard = ctx_->clk->steady();  // it was reading what we wrote: alive
    wait_readable();
  }
  if (q.frames.empty()) {
    s_->out.reset();  // idle: give the queue back
    return;
  }
  do_write();
}

// ---- closing ----

void ws_session::start_close(std::uint16_t code, std::string_view reason) {
  if (s_->close_queued || s_->at == phase::done) return;
  if (!s_->out) s_->out = std::make_unique<state::write_queue>();
  auto& q = *s_->out;
  // Drop what waits; frames already being written finish first.
  q.frames.resize(q.in_flight);
  s_->at = phase::closing;
  s_->close_queued = true;
  auto payload = std::make_shared<const std::string>(code == 0 ? std::string() : ws::close_payload(code, reason));
  q.frames.push_back({payload, ws::make_header(ws::opcode::close, payload->size()), true});
  // Our close frame may wait behind a write a slow reader has not taken yet: the client gets the
  // idle timeout to read its way to it (each write it takes starts that again, on_write); then the
  // handshake timeout to answer it.
  arm_timer(std::chrono::duration_cast<std::chrono::milliseconds>(q.in_flight == 0 ? ctx_->handshake_timeout
                                                                                  : ctx_->idle_timeout));
  if (s_->read_paused) {  // read on, for the peer's close frame (what else comes is ignored)
    s_->read_paused = false;
    wait_readable();
  }
  if (q.in_flight == 0) do_write();
}

void ws_session::close_for_restart() {
  asio::post(s_->socket.get_executor(), [self = shared_from_this()] {
    self->start_close(ws::close_code::service_restart, "server restarting: reconnect");
  });
}

void ws_session::close_signed_out() {
  asio::post(s_->socket.get_executor(), [self = shared_from_this()] {
    self->start_close(ws::close_code::signed_out, "signed out: sign in again");
  });
}

void ws_session::shut() {
  if (s_->at == phase::done) return;
  s_->at = phase::done;
  error_code ignored;
  s_->timer.cancel();
  // Unread bytes would make close() reset the connection, and a reset destroys what the client
  // has not read yet — our close frame (a slow reader's 1008) among it. Read them away first.
  for (int i = 0; i < kReadsPerWake; ++i) {
    error_code ec;
    s_->socket.read_some(asio::buffer(read_chunk(), kReadChunk), ec);
    if (ec) break;
  }
  s_->socket.shutdown(asio::socket_base::shutdown_both, ignored);
  s_->socket.close(ignored);
  ctx_->service->closed(shared_from_this());
}

// ---- deadlines ----

void ws_session::arm_timer(std::chrono::milliseconds d) {
  s_->timer.expires_after(d);
  s_->timer.async_wait([self = shared_from_this()](error_code ec) {
    if (!ec) self->on_timer();
  });
}

void ws_session::on_timer() {
  switch (s_->at) {
    case phase::done: return;
    case phase::handshake:  // the 101 was not taken in time
    case phase::closing:    // the peer did not answer our close in time
      return shut();
    case phase::open: break;
  }
  const auto now = ctx_->clk->steady();
  if (now >= s_->expires_at) return start_close(ws::close_code::token_expired, "token expired: reconnect with a new one");
  // Keep-alive: silent for half the idle timeout gets a ping; still silent a half later (the whole
  // idle timeout), closed.
  const auto half = std::chrono::duration_cast<std::chrono::steady_clock::duration>(ctx_->idle_timeout) / 2;
  if (!s_->pinged && now - s_->last_heard >= half) {
    s_->pinged = true;
    s_->pinged_at = now;
    enqueue(ws::opcode::ping, std::make_shared<const std::string>(), false);
  } else if (s_->pinged && now - s_->pinged_at >= half) {
    return shut();
  }
  arm_keep_alive();
}

// The next instant something is due: the ping, the idle close, or the token's expiry.
void ws_session::arm_keep_alive() {
  const auto half = std::chrono::duration_cast<std::chrono::steady_clock::duration>(ctx_->idle_timeout) / 2;
  const auto due = std::min(s_->pinged ? s_->pinged_at + half : s_->last_heard + half, s_->expires_at);
  const auto wait = due - ctx_->clk->steady();
  arm_timer(std::max(std::chrono::milliseconds(1), std::chrono::ceil<std::chrono::milliseconds>(wait)));
}

}  // namespace switchboard::gateway
