#pragma once
// The command client: one pipelined connection (many commands in flight, replies in order), a
// timeout on every command, reconnect with backoff (redis_link), and Lua scripts run by SHA with a
// transparent reload on NOSCRIPT. Scripts registered before start() are loaded on every connect,
// so `ready()` means "reachable and scripts loaded". Errors come as codes (core/error.hpp); an
// error reply gives server_error with the reply's text in `reply::str`.
//
// With redis_options::cluster_seeds it speaks to a Redis Cluster instead (store/redis_cluster.hpp):
// a connection per primary, each command sent to the primary of its key's slot, MOVED and ASK
// followed. Callers do not change, as long as no command spans two slots (the key layout's hash
// tags, store/keys.hpp).
//
// Not thread-safe: call it, and receive its callbacks, on its executor only. Callbacks run inline
// from the reply; they may send more commands.

#include <boost/asio/async_result.hpp>
#include <boost/asio/dispatch.hpp>
#include <initializer_list>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "store/redis_link.hpp"
#include "store/redis_script.hpp"

namespace switchboard::store {
class redis_cluster;
class script_link;
}

namespace switchboard::store {

// Builds a command's arguments: cmd("SET", key, value). (GCC 12 miscompiles braced lists of
// string literals inside coroutines, so coroutine code builds its vectors with this.)
template <class... Args>
std::vector<std::string> cmd(Args&&... args) {
  std::vector<std::string> v;
  v.reserve(sizeof...(Args));
  (v.emplace_back(std::forward<Args>(args)), ...);
  return v;
}

class redis_client {
 public:
  redis_client(boost::asio::any_io_executor ex, redis_options opts, const clock& clk, std::string name = "cmd");
  ~redis_client();
  redis_client(const redis_client&) = delete;
  redis_client& operator=(const redis_client&) = delete;

  // Registers a script to load on every connect. Call before start().
  void add_script(const redis_script& s);
  void start();
  void stop();
  bool ready() const noexcept;
  // Whether this client speaks to a Redis Cluster.
  bool clustered() const noexcept { return cluster_ != nullptr; }
  // The single server's connection. Throws std::logic_error with a Cluster (see below).
  redis_link& link();
  // Readiness changes (state::ready, state::connecting with the reason, state::stopped). One observer.
  void on_state_change(redis_link::state_handler h);
  // "host:port" of the server in use; with a Cluster "cluster host:port,...". Thread-safe.
  std::string address() const;
  // The primaries in use: the one server, or each primary of the Cluster.
  std::vector<redis_endpoint> primaries() const;
  const boost::asio::any_io_executor& get_executor() const noexcept;
  // The options it was made with (to open another connection to the same Redis).
  const redis_options& options() const noexcept { return opts_; }
  // redis_options::wait_replicas and wait_timeout.
  int wait_replicas() const noexcept;
  std::chrono::milliseconds wait_timeout() const noexcept;

  // Sends a command: exec({"SET", key, value}, handler).
  void exec(std::span<const std::string_view> args, reply_handler h);
  void exec(std::initializer_list<std::string_view> args, reply_handler h) {
    exec(std::span<const std::string_view>(args.begin(), args.size()), std::move(h));
  }
  // Sends a command without a key of its own (WAIT, INFO) where `key` lives: with a Cluster, to
  // the primary of key's slot; else as exec().
  void exec_near(std::string_view key, std::span<const std::string_view> args, reply_handler h);
  void exec_at(const redis_endpoint& server, std::vector<std::string> args, reply_handler h);
  // EVALSHA script keys... args...; on NOSCRIPT, EVAL once with the body (which caches it).
  void eval(const redis_script& s, std::span<const std::string_view> keys, std::span<const std::string_view> args,
            reply_handler h);
  // The same, taking ownership of the arguments (no copy of large values such as event bytes).
  void eval(const redis_script& s, std::vector<std::string>&& keys, std::vector<std::string>&& args, reply_handler h);

  // Completion-token forms (use_awaitable, a callback, ...): signature void(error_code, reply).
  template <class Token>
  auto async_exec(std::vector<std::string> args, Token&& token) {
    return boost::asio::async_initiate<Token, void(boost::system::error_code, reply)>(
        [this](auto handler, std::vector<std::string> owned) {
          std::vector<std::string_view> views(owned.begin(), owned.end());
          exec(views, wrap(std::move(handler)));
        },
        token, std::move(args));
  }
  // Sends a command to one server as it is (with a Cluster, one of primaries(); else the server).
  template <class Token>
  auto async_exec_at(redis_endpoint server, std::vector<std::string> args, Token&& token) {
    return boost::asio::async_initiate<Token, void(boost::system::error_code, reply)>(
        [this](auto handler, redis_endpoint at, std::vector<std::string> owned) {
          exec_at(at, std::move(owned), wrap(std::move(handler)));
        },
        token, std::move(server), std::move(args));
  }
  template <class Token>
  auto async_exec_near(std::string key, std::vector<std::string> args, Token&& token) {
    return boost::asio::async_initiate<Token, void(boost::system::error_code, reply)>(
        [this](auto handler, std::string k, std::vector<std::string> owned) {
          std::vector<std::string_view> views(owned.begin(), owned.end());
          exec_near(k, views, wrap(std::move(handler)));
        },
        token, std::move(key), std::move(args));
  }
  template <class Token>
  auto async_eval(const redis_script& s, std::vector<std::string> keys, std::vector<std::string> args, Token&& token) {
    return boost::asio::async_initiate<Token, void(boost::system::error_code, reply)>(
        [this, &s](auto handler, std::vector<std::string> k, std::vector<std::string> a) {
          eval(s, std::move(k), std::move(a), wrap(std::move(handler)));
        },
        token, std::move(keys), std::move(args));
  }

 private:
  // Sends argv to the server, or to the Cluster primary of `slot` (any when nullopt).
  void send(std::span<const std::string_view> args, std::optional<int> slot, reply_handler h);
  // Sends argv (EVALSHA sha numkeys ...) and retries once with EVAL on NOSCRIPT.
  void eval_argv(const redis_script& s, std::shared_ptr<std::vector<std::string>> argv, reply_handler h);

  // Completion handlers are move-only; reply_handler is a std::function: share the handler.
  template <class Handler>
  static reply_handler wrap(Handler handler) {
    auto h = std::make_shared<Handler>(std::move(handler));
    return [h](boost::system::error_code ec, reply r) {
      auto ex = boost::asio::get_associated_executor(*h);
      boost::asio::dispatch(ex, [h, ec, r = std::move(r)]() mutable { (*h)(ec, std::move(r)); });
    };
  }

  std::shared_ptr<script_link> single_;     // one server (or the primary Sentinel names)
  std::shared_ptr<redis_cluster> cluster_;  // or a Redis Cluster
  redis_options opts_;
};

}  // namespace switchboard::store
