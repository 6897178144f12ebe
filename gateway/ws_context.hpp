#pragma once
// What WebSocket sessions share: the auth policy, the limits, the conversation service, and the
// registry of open sessions (for the drain on SIGTERM). No Beast here.

#include <chrono>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/clock.hpp"
#include "core/latency_histogram.hpp"
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
  std::chrono::seconds idle_timeout{60};
  std::chrono::seconds handshake_timeout{10};
  conversation_service* service = nullptr;
  const clock* clk = nullptr;
  double frames_per_second = 20, user_frames_per_second = 50;
  int frame_burst = 40, user_frame_burst = 100;
  int max_connections_per_user = 10;
  // Gateway dwell of messages: frame read → stored → its ack queued on the connection (GET /metrics).
  latency_histogram dwell;

  // Reserves one of the user's connections; false when they have max_connections_per_user.
  // Every true must be matched by release_connection. Thread-safe.
  bool reserve_connection(const std::string& user);
  void release_connection(const std::string& user);
  // Takes a token from the user's bucket (shared by their connections). Thread-safe.
  bool user_take(const std::string& user, std::chrono::steady_clock::time_point now);

  // Open sessions, for the drain. Thread-safe.
  void add(const std::shared_ptr<ws_session>& s);
  // Tells every open session to close with 1012 (service restart: reconnect). Thread-safe.
  void close_all();
  std::size_t open() const;

 private:
  mutable std::mutex mutex_;
  mutable std::vector<std::weak_ptr<ws_session>> sessions_;
  struct user_state {
    int connections = 0;
    token_bucket bucket;
  };
  std::unordered_map<std::string, user_state> users_;  // users with a connection
};

}  // namespace switchboard::gateway
