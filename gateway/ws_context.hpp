#pragma once
// What WebSocket sessions share: the auth policy, the limits, the conversation service, and the
// registry of open sessions (for the drain on SIGTERM). No Beast here.

#include <chrono>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "gateway/auth/jwt.hpp"

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

  // Open sessions, for the drain. Thread-safe.
  void add(const std::shared_ptr<ws_session>& s);
  // Tells every open session to close with 1012 (service restart: reconnect). Thread-safe.
  void close_all();
  std::size_t open() const;

 private:
  mutable std::mutex mutex_;
  mutable std::vector<std::weak_ptr<ws_session>> sessions_;
};

}  // namespace switchboard::gateway
