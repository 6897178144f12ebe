#pragma once
// One hiredis connection on an Asio executor, kept alive: connect with a deadline, AUTH/SELECT,
// a subclass's own handshake, then `ready`; on loss, reconnect after a capped, jittered,
// exponential backoff until stop(). Owns the FIFO of commands in flight and their deadlines: if the
// oldest reply is overdue, every command in flight fails and the connection is replaced (replies
// come back in order, so a stuck reply blocks all behind it).
//
// Not thread-safe: every call, and every callback, runs on the executor given at construction
// (a strand or a single-threaded io_context).

#include <hiredis/async.h>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <mutex>
#include <functional>
#include <memory>
#include <random>
#include <span>
#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/metrics.hpp"
#include "store/redis_options.hpp"
#include "store/redis_reply.hpp"

namespace switchboard::store {

using reply_handler = std::function<void(boost::system::error_code, reply)>;

class redis_link : public std::enable_shared_from_this<redis_link> {
 public:
  enum class state { idle, connecting, handshaking, ready, stopped };
  using state_handler = std::function<void(state, boost::system::error_code)>;

  redis_link(boost::asio::any_io_executor ex, redis_options opts, const clock& clk, std::string name);
  virtual ~redis_link();
  redis_link(const redis_link&) = delete;
  redis_link& operator=(const redis_link&) = delete;

  // Starts connecting; keeps reconnecting until stop().
  void start();
  // Fails everything in flight with shutting_down, closes the connection, never reconnects.
  void stop();

  state current_state() const noexcept { return state_; }
  bool ready() const noexcept { return state_ == state::ready; }
  // Called on every state change, with the reason for a drop. One observer.
  void on_state_change(state_handler h) { state_handler_ = std::move(h); }
  // Reconnects made so far (for tests and metrics).
  std::uint64_t reconnects() const noexcept { return reconnects_; }
  const boost::asio::any_io_executor& get_executor() const noexcept { return ex_; }
  // "host:port" of the server this link connects to (with Sentinel: the primary the sentinels
  // named last; empty before they named one). Thread-safe.
  std::string address() const;

 protected:
  // Sends one command in the FIFO; `h` gets the reply, or an error. While not ready (and not in
  // the handshake), fails at once with not_connected, posted.
  void send(std::span<const std::string_view> args, reply_handler h, bool handshake = false);
  // The connection is authenticated; send the subclass's setup with send(..., true) and call
  // handshake_done() when it is complete.
  virtual void on_handshake() { handshake_done(); }
  void handshake_done();
  // The connection is gone (the FIFO was already failed); the subclass drops its own state.
  virtual void on_lost() {}
  // Further deadlines a subclass tracks; return true if one has passed.
  virtual bool subclass_overdue(std::chrono::steady_clock::time_point) { return false; }
  virtual bool subclass_waiting() const { return false; }
  // Drop the connection (deferred to a safe point) and reconnect.
  void drop(boost::system::error_code why);
  void arm_tick();

  redisAsyncContext* ctx_ = nullptr;
  const clock& clock_;
  redis_options opts_;
  std::string name_;
  int callback_depth_ = 0;  // > 0 while inside a hiredis callback

 private:
  struct in_flight {
    reply_handler handler;
    std::chrono::steady_clock::time_point deadline;
    std::chrono::steady_clock::time_point sent;
    bool done = false;  // already failed by a timeout
  };

  void connect();
  // With Sentinel: asks the sentinels where the primary is, then connects there.
  void discover();
  void connect_to(const std::string& host, int port);
  // With Sentinel, while ready: asks the sentinels every sentinel_check and drops the connection
  // when they name another server than this one.
  void watch_primary();
  void set_state(state s, boost::system::error_code ec = {});
  void connection_lost(boost::system::error_code why);
  void context_gone(boost::system::error_code why);  // ctx_ already cleared
  void free_context();
  void schedule_reconnect();
  void on_tick(boost::system::error_code ec);
  void fail_in_flight(boost::system::error_code why);
  // switchboard_redis_errors_total{client, kind}: a failure (timeout, disconnected, not_connected)
  // or an error reply's code (NOSCRIPT, READONLY, STATE, ...).
  void count_error(std::string_view kind);

  static void on_connect_cb(const redisAsyncContext* c, int status) noexcept;
  static void on_disconnect_cb(const redisAsyncContext* c, int status) noexcept;
  static void on_reply_cb(redisAsyncContext* c, void* r, void* priv) noexcept;

  boost::asio::any_io_executor ex_;
  boost::asio::steady_timer reconnect_timer_;
  boost::asio::steady_timer connect_timer_;
  boost::asio::steady_timer tick_;
  boost::asio::steady_timer sentinel_timer_;
  bool watching_primary_ = false;
  bool tick_armed_ = false;
  state state_ = state::idle;
  state_handler state_handler_;
  std::deque<in_flight> in_flight_;
  std::shared_ptr<redis_link> self_;  // keeps us alive while hiredis holds our pointer
  std::mt19937_64 rng_;
  int attempt_ = 0;
  std::uint64_t reconnects_ = 0;
  bool ever_ready_ = false;
  boost::system::error_code last_error_;
  std::size_t sentinel_turn_ = 0;  // the sentinel asked first: the one that answered last
  mutable std::mutex address_mutex_;
  std::string address_;
  metrics::registry& metrics_;
  metrics::histogram& round_trip_;
  metrics::counter& reconnect_count_;
};

}  // namespace switchboard::store
