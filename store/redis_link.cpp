#include "store/redis_link.hpp"

#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>

#include "store/hiredis_asio.hpp"
#include "store/sentinel_lookup.hpp"

namespace switchboard::store {

namespace asio = boost::asio;
using boost::system::error_code;

namespace {

// Tick granularity for command deadlines: an eighth of the timeout, at least a millisecond.
std::chrono::milliseconds tick_period(std::chrono::milliseconds timeout) {
  return std::max(std::chrono::milliseconds(1), timeout / 8);
}

const char* state_name(redis_link::state s) {
  switch (s) {
    case redis_link::state::idle: return "idle";
    case redis_link::state::connecting: return "connecting";
    case redis_link::state::handshaking: return "handshaking";
    case redis_link::state::ready: return "ready";
    case redis_link::state::stopped: return "stopped";
  }
  return "?";
}

// Counts the depth of hiredis callbacks so that frees are deferred out of them.
struct in_callback {
  explicit in_callback(int& d) : depth(d) { ++depth; }
  ~in_callback() { --depth; }
  int& depth;
};

}  // namespace

redis_link::redis_link(asio::any_io_executor ex, redis_options opts, const clock& clk, std::string name)
    : clock_(clk),
      opts_(std::move(opts)),
      name_(std::move(name)),
      ex_(std::move(ex)),
      reconnect_timer_(ex_),
      connect_timer_(ex_),
      tick_(ex_),
      sentinel_timer_(ex_),
      rng_(std::random_device{}()),
      metrics_(opts_.metrics ? *opts_.metrics : metrics::registry::discard()),
      round_trip_(metrics_.histogram_of("switchboard_redis_round_trip_seconds",
                                        "Redis commands: sent to reply, by connection.", metrics::fast_buckets(),
                                        metrics::labels({{"client", name_}}))),
      reconnect_count_(metrics_.counter_of("switchboard_redis_reconnects_total",
                                           "Redis connections made again after one was lost.",
                                           metrics::labels({{"client", name_}}))) {}

redis_link::~redis_link() = default;

void redis_link::start() {
  if (state_ != state::idle) return;
  connect();
}

void redis_link::stop() {
  if (state_ == state::stopped) return;
  set_state(state::stopped, errc::shutting_down);
  reconnect_timer_.cancel();
  connect_timer_.cancel();
  tick_.cancel();
  sentinel_timer_.cancel();
  fail_in_flight(errc::shutting_down);
  if (ctx_ == nullptr) return;
  if (callback_depth_ == 0) {
    free_context();
  } else {
    asio::post(ex_, [self = shared_from_this()] { self->free_context(); });
  }
}

void redis_link::set_state(state s, error_code ec) {
  if (s == state_) return;
  state_ = s;
  spdlog::debug("redis link={} state={} reason=\"{}\"", name_, state_name(s), ec ? ec.message() : "");
  if (state_handler_) state_handler_(s, ec);
}

std::string redis_link::address() const {
  std::lock_guard lock(address_mutex_);
  return address_;
}

void redis_link::connect() {
  set_state(state::connecting);
  if (!opts_.sentinels.empty()) return discover();
  connect_to(opts_.host, opts_.port);
}

void redis_link::discover() {
  ask_sentinels(ex_, opts_, clock_, sentinel_turn_, [self = shared_from_this()](error_code ec, redis_endpoint at, std::size_t by) {
    if (self->state_ != state::connecting || self->ctx_ != nullptr) return;  // stopped meanwhile
    self->sentinel_turn_ = by;
    if (ec) {
      spdlog::warn("redis link={} no sentinel named the primary of '{}'", self->name_, self->opts_.master_name);
      self->last_error_ = errc::not_connected;
      return self->schedule_reconnect();
    }
    self->connect_to(at.host, at.port);
  });
}

void redis_link::watch_primary() {
  if (opts_.sentinels.empty() || watching_primary_ || state_ != state::ready) return;
  watching_primary_ = true;
  sentinel_timer_.expires_after(opts_.sentinel_check);
  sentinel_timer_.async_wait([self = shared_from_this()](error_code ec) {
    if (ec || self->state_ != state::ready) {
      self->watching_primary_ = false;  // stopped, or lost: the next ready starts it again
      return;
    }
    auto* used = self->ctx_;
    ask_sentinels(self->ex_, self->opts_, self->clock_, self->sentinel_turn_,
                  [self, used](error_code ec, redis_endpoint at, std::size_t by) {
      self->watching_primary_ = false;
      if (self->state_ != state::ready || self->ctx_ != used) return self->watch_primary();
      const std::string named = at.host + ":" + std::to_string(at.port);
      if (!ec && named != self->address()) {
        self->sentinel_turn_ = by;
        spdlog::warn("redis link={} {} is no longer the primary the sentinels name ({}): leaving it", self->name_,
                     self->address(), named);
        return self->drop(errc::disconnected);  // the commands in flight fail: none is acknowledged
      }
      self->watch_primary();  // no sentinel answered: the server in use is kept
    });
  });
}

void redis_link::connect_to(const std::string& host, int port) {
  {
    std::lock_guard lock(address_mutex_);
    address_ = host + ":" + std::to_string(port);
  }
  redisAsyncContext* c = redisAsyncConnect(host.c_str(), port);
  if (c == nullptr || c->err) {
    if (c != nullptr) {
      spdlog::debug("redis link={} connect error=\"{}\"", name_, c->errstr);
      redisAsyncFree(c);
    }
    last_error_ = errc::not_connected;
    schedule_reconnect();
    return;
  }
  // Hooks first: hiredis 0.14 registers its first write wait inside SetConnectCallback.
  if (!attach_to_asio(c, ex_)) {
    redisAsyncFree(c);
    schedule_reconnect();
    return;
  }
  ctx_ = c;
  c->data = this;
  self_ = shared_from_this();
  redisAsyncSetConnectCallback(c, &redis_link::on_connect_cb);
  redisAsyncSetDisconnectCallback(c, &redis_link::on_disconnect_cb);
  connect_timer_.expires_after(opts_.connect_timeout);
  connect_timer_.async_wait([self = shared_from_this(), c](error_code ec) {
    if (ec || self->ctx_ != c || self->state_ != state::connecting) return;
    spdlog::debug("redis link={} connect timed out", self->name_);
    self->last_error_ = errc::timeout;
    self->free_context();
  });
}

void redis_link::on_connect_cb(const redisAsyncContext* c, int status) noexcept {
  auto* self = static_cast<redis_link*>(c->data);
  if (self == nullptr) return;
  in_callback guard(self->callback_depth_);
  try {
    self->connect_timer_.cancel();
    if (status != REDIS_OK) {
      // hiredis frees the context after this returns and calls no disconnect callback.
      spdlog::debug("redis link={} connect failed error=\"{}\"", self->name_, c->errstr);
      self->connection_lost(errc::not_connected);
      return;
    }
    self->set_state(state::handshaking);
    auto ok_or_drop = [self](error_code ec, reply r) {
      if (ec) return;  // the link is already being replaced
      if (r.is_error()) {
        spdlog::error("redis link={} handshake refused: {}", self->name_, r.str);
        self->drop(errc::server_error);
      }
    };
    if (!self->opts_.password.empty()) {
      std::array<std::string_view, 2> auth{"AUTH", self->opts_.password};
      self->send(auth, ok_or_drop, true);
    }
    if (self->opts_.db != 0) {
      std::string db = std::to_string(self->opts_.db);
      std::array<std::string_view, 2> select{"SELECT", db};
      self->send(select, ok_or_drop, true);
    }
    if (!self->opts_.sentinels.empty()) {
      // What the sentinels named may have been demoted since: only a primary will do.
      std::array<std::string_view, 1> role{"ROLE"};
      self->send(role, [self](error_code ec, reply r) {
        if (ec || (r.is_array() && !r.elements.empty() && r.elements[0].str == "master")) return;
        spdlog::warn("redis link={} {} is not a primary now: asking the sentinels again", self->name_, self->address());
        self->drop(errc::not_connected);
      }, true);
    }
    self->on_handshake();
  } catch (const std::exception& e) {
    spdlog::error("redis link={} connect callback threw: {}", self->name_, e.what());
  }
}

void redis_link::handshake_done() {
  if (state_ != state::handshaking) return;
  // Everything queued so far (AUTH, SELECT, the subclass's setup) is in the FIFO ahead of any
  // user command: a PING marks the end, and its reply makes the link ready.
  std::array<std::string_view, 1> ping{"PING"};
  send(ping, [this](error_code ec, reply r) {
    if (ec || r.is_error() || state_ != state::handshaking) return;
    attempt_ = 0;
    if (ever_ready_) {
      ++reconnects_;
      reconnect_count_.add();
    }
    ever_ready_ = true;
    spdlog::info("redis link={} ready at {}", name_, address());
    set_state(state::ready);
    watch_primary();
  }, true);
}

void redis_link::on_disconnect_cb(const redisAsyncContext* c, int status) noexcept {
  auto* self = static_cast<redis_link*>(c->data);
  if (self == nullptr) return;
  in_callback guard(self->callback_depth_);
  try {
    spdlog::debug("redis link={} disconnected status={} error=\"{}\"", self->name_, status, c->errstr);
    self->connection_lost(self->last_error_ ? self->last_error_ : error_code(errc::disconnected));
  } catch (...) {
  }
}

void redis_link::connection_lost(error_code why) {
  if (ctx_ == nullptr) return;
  ctx_->data = nullptr;
  ctx_ = nullptr;
  context_gone(why);
}

void redis_link::context_gone(error_code why) {
  auto keep = std::move(self_);  // we may be the last owner; live to the end of this call
  connect_timer_.cancel();
  fail_in_flight(why);
  on_lost();
  last_error_ = {};
  if (state_ == state::stopped) return;
  last_error_ = why;
  set_state(state::connecting, why);
  schedule_reconnect();
}

void redis_link::free_context() {
  redisAsyncContext* c = ctx_;
  if (c == nullptr) return;
  in_callback guard(callback_depth_);
  // Pending replies come back as null (failing the FIFO); a connected context also calls the
  // disconnect callback, which runs connection_lost().
  redisAsyncFree(c);
  if (ctx_ != c) return;
  // Never connected: no disconnect callback ran, and c is freed memory now.
  ctx_ = nullptr;
  context_gone(last_error_ ? last_error_ : error_code(errc::disconnected));
}

void redis_link::drop(error_code why) {
  if (ctx_ == nullptr) return;
  last_error_ = why;
  asio::post(ex_, [self = shared_from_this(), c = ctx_] {
    if (self->ctx_ == c) self->free_context();
  });
}

void redis_link::schedule_reconnect() {
  if (state_ == state::stopped) return;
  // Exponential from reconnect_min, capped at reconnect_max, with "equal jitter": half fixed,
  // half random, so that many clients do not reconnect in step.
  auto base = opts_.reconnect_min.count() << std::min(attempt_, 20);
  auto capped = std::min<std::int64_t>(base, opts_.reconnect_max.count());
  std::uniform_int_distribution<std::int64_t> jitter(capped / 2, capped);
  ++attempt_;
  reconnect_timer_.expires_after(std::chrono::milliseconds(jitter(rng_)));
  reconnect_timer_.async_wait([self = shared_from_this()](error_code ec) {
    if (ec || self->state_ == state::stopped || self->ctx_ != nullptr) return;
    self->connect();
  });
}

void redis_link::send(std::span<const std::string_view> args, reply_handler h, bool handshake) {
  const bool usable = ctx_ != nullptr && (state_ == state::ready || (handshake && state_ == state::handshaking));
  if (!usable) {
    count_error("not_connected");
    asio::post(ex_, [h = std::move(h)] { h(errc::not_connected, reply{}); });
    return;
  }
  constexpr std::size_t kInline = 32;
  std::array<const char*, kInline> argv_small;
  std::array<std::size_t, kInline> len_small;
  std::vector<const char*> argv_big;
  std::vector<std::size_t> len_big;
  const char** argv = argv_small.data();
  std::size_t* lens = len_small.data();
  if (args.size() > kInline) {
    argv_big.resize(args.size());
    len_big.resize(args.size());
    argv = argv_big.data();
    lens = len_big.data();
  }
  for (std::size_t i = 0; i < args.size(); ++i) {
    argv[i] = args[i].data();
    lens[i] = args[i].size();
  }
  if (redisAsyncCommandArgv(ctx_, &redis_link::on_reply_cb, nullptr, static_cast<int>(args.size()), argv, lens) !=
      REDIS_OK) {
    asio::post(ex_, [h = std::move(h)] { h(errc::not_connected, reply{}); });
    return;
  }
  const auto now = clock_.steady();
  in_flight_.push_back({std::move(h), now + opts_.command_timeout, now, false});
  arm_tick();
}

void redis_link::on_reply_cb(redisAsyncContext* c, void* r, void*) noexcept {
  auto* self = static_cast<redis_link*>(c->data);
  if (self == nullptr || self->in_flight_.empty()) return;
  in_callback guard(self->callback_depth_);
  in_flight entry = std::move(self->in_flight_.front());
  self->in_flight_.pop_front();
  if (entry.done) return;
  try {
    if (r == nullptr) {
      entry.handler(self->last_error_ ? self->last_error_ : error_code(errc::disconnected), reply{});
      return;
    }
    reply out = reply::from_hiredis(static_cast<redisReply*>(r));
    self->round_trip_.observe(self->clock_.steady() - entry.sent);
    error_code ec = out.is_error() ? error_code(errc::server_error) : error_code();
    if (ec) self->count_error(out.error_code());
    // A primary demoted under us (Sentinel): the write was refused, not stored; find the new one.
    if (ec && !self->opts_.sentinels.empty() && out.error_code() == "READONLY") self->drop(errc::not_connected);
    entry.handler(ec, std::move(out));
  } catch (const std::exception& e) {
    spdlog::error("redis link={} reply handler threw: {}", self->name_, e.what());
  }
}

void redis_link::fail_in_flight(error_code why) {
  // Handlers may send new commands (which fail fast while we are down): take the queue first.
  auto pending = std::move(in_flight_);
  in_flight_.clear();
  for (auto& e : pending) {
    if (e.done) continue;
    if (why != errc::shutting_down) count_error(why == errc::timeout ? "timeout" : "disconnected");
    e.handler(why, reply{});
  }
  // hiredis will still call back once per command it had; keep placeholders so that the FIFO
  // stays aligned with its callbacks if the context is still alive.
  if (ctx_ != nullptr) {
    for (std::size_t i = 0; i < pending.size(); ++i) in_flight_.push_back({{}, {}, {}, true});
  }
}

// The kind is bounded: our three failures, or an error reply's code when it is a short word in
// capitals (Redis's and our scripts' codes); anything else counts as "other".
void redis_link::count_error(std::string_view kind) {
  const bool code = !kind.empty() && kind.size() <= 16 &&
                    std::all_of(kind.begin(), kind.end(), [](char c) { return (c >= 'A' && c <= 'Z') || c == '_'; });
  const bool ours = kind == "timeout" || kind == "disconnected" || kind == "not_connected";
  metrics_
      .counter_of("switchboard_redis_errors_total", "Redis commands that failed, by connection and kind.",
                  metrics::labels({{"client", name_}, {"kind", code || ours ? kind : "other"}}))
      .add();
}

void redis_link::arm_tick() {
  if (tick_armed_) return;
  tick_armed_ = true;
  tick_.expires_after(tick_period(opts_.command_timeout));
  tick_.async_wait([self = shared_from_this()](error_code ec) { self->on_tick(ec); });
}

void redis_link::on_tick(error_code ec) {
  tick_armed_ = false;
  if (ec || state_ == state::stopped) return;
  const auto now = clock_.steady();
  auto first_live = std::find_if(in_flight_.begin(), in_flight_.end(), [](const in_flight& e) { return !e.done; });
  bool overdue = first_live != in_flight_.end() && first_live->deadline <= now;
  overdue = subclass_overdue(now) || overdue;
  if (overdue && ctx_ != nullptr) {
    spdlog::warn("redis link={} reply overdue after {} ms: replacing the connection", name_,
                 opts_.command_timeout.count());
    // Fail every live command as timed out now; hiredis's null callbacks will find them done.
    for (auto& e : in_flight_) {
      if (!e.done) {
        e.done = true;
        e.handler(errc::timeout, reply{});
      }
    }
    drop(errc::timeout);
    return;
  }
  if (first_live != in_flight_.end() || subclass_waiting()) arm_tick();
}

}  // namespace switchboard::store
