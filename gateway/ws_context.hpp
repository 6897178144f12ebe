#pragma once
// What WebSocket sessions share: the auth policy, the limits, the conversation service, and the
// registry of open sessions (for the drain on SIGTERM). No Beast here.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "conversation/principal.hpp"
#include "core/clock.hpp"
#include "core/latency_histogram.hpp"
#include "core/metrics.hpp"
#include "gateway/auth/jwt.hpp"
#include "gateway/protocol/rate_limiter.hpp"

namespace switchboard::gateway {

class conversation_service;
class ws_session;

struct ws_context {
  jwt_policy auth;
  std::vector<std::string> allowed_origins;  // empty: any
  std::size_t max_frame_bytes = 64 * 1024;
  std::size_t max_queued_frames = 256;
  // The body limit of /v1/webhooks/ requests (channels.max_webhook_bytes); others have 64 KB.
  std::size_t max_webhook_bytes = 256 * 1024;
  // The body limit of POST /v1/blobs (a file an agent uploads: media.max_bytes).
  std::size_t max_upload_bytes = 20 * 1024 * 1024;
  std::chrono::seconds idle_timeout{60};
  std::chrono::seconds handshake_timeout{10};
  conversation_service* service = nullptr;
  const clock* clk = nullptr;
  double frames_per_second = 20, user_frames_per_second = 50;
  int frame_burst = 40, user_frame_burst = 100;
  int max_connections_per_user = 10;
  int max_connections_per_address = 200;  // the client address: the TCP peer's
  int max_connections = 20000;            // on this process
  // The signed-in person of a Cookie header (a sign-in session), for upgrades without a token;
  // `then` gets nothing when there is none. Runs `then` on any thread. Unset: cookies are ignored.
  std::function<void(std::string cookie_header, std::function<void(std::optional<principal>)> then)> find_session;
  // Gateway dwell of messages: frame read → stored → its ack queued on the connection (GET /metrics).
  latency_histogram dwell;
  // Figures for GET /metrics (app/metrics.cpp), in the registry given to use_metrics(); until
  // then in metrics::registry::discard() (tests).
  ws_context() { use_metrics(metrics::registry::discard()); }
  void use_metrics(metrics::registry& r);
  metrics::registry* metrics_registry = nullptr;
  metrics::counter* frames_in = nullptr;   // WebSocket frames read
  metrics::counter* frames_out = nullptr;  // data frames queued to send
  metrics::histogram* dwell_seconds = nullptr;  // as `dwell`, in a few buckets
  // A frame or a connection refused: switchboard_ws_rejected_total{reason}. Thread-safe.
  void count_rejected(std::string_view reason);
  // Open sessions by role ("customer", "agent", "lead", "admin"). Thread-safe.
  std::unordered_map<std::string, std::size_t> open_by_role() const;

  // Whether a connection was given a place, or which cap refused it.
  enum class admission { admitted, server_full, address_full, user_full };
  // Reserves a place for a connection of `user` from `address` under max_connections,
  // max_connections_per_address and max_connections_per_user, all or nothing. An admitted place
  // must be handed at once to the session that holds it (hold_connection); the session's
  // destructor gives it back (release_connection). Thread-safe.
  admission reserve_connection(const std::string& user, const std::string& address);
  // The place just reserved for `user` from `address` is now `s`'s. Thread-safe.
  void hold_connection(const ws_session* s, const std::string& user, const std::string& address);
  // Gives `s`'s place back: once, whatever the number of calls; nothing if it held none.
  // Thread-safe.
  void release_connection(const ws_session* s);
  // Takes a token from the user's bucket (shared by their connections). Thread-safe.
  bool user_take(const std::string& user, std::chrono::steady_clock::time_point now);

  // Open sessions, for the drain. Thread-safe.
  void add(const std::shared_ptr<ws_session>& s);
  // Tells every open session to close with 1012 (service restart: reconnect). Thread-safe.
  void close_all();
  // A revocation heard on the Redis channel: "s:<session hash>" closes the sockets of that
  // sign-in session, "u:<user>" every staff socket of that person; with 4003. Thread-safe.
  void close_revoked(std::string_view what);
  std::size_t open() const;

 private:
  mutable std::mutex mutex_;
  mutable std::vector<std::weak_ptr<ws_session>> sessions_;
  struct user_state {
    int connections = 0;
    token_bucket bucket;
  };
  std::unordered_map<std::string, user_state> users_;  // users with a connection
  std::unordered_map<std::string, int> addresses_;     // connections by client address (> 0)
  std::size_t connections_ = 0;                        // places reserved in all
  struct held_place {
    std::string user, address;
  };
  std::unordered_map<const ws_session*, held_place> held_;  // sessions holding a place
};

}  // namespace switchboard::gateway
