#pragma once
// What the hub and the conversation service see of a WebSocket session: a place to deliver frames
// and who is on the other end. Keeps the Beast session out of the core (no Beast here).

#include <memory>
#include <string>
#include <vector>

#include "gateway/protocol/frame_codec.hpp"
#include "proto/wire.pb.h"

namespace switchboard::gateway {

// Who is connected, from their token.
struct principal {
  role who = role::customer;
  std::string subject;             // visitor id or agent id (the token's sub)
  std::vector<std::string> teams;  // for staff
};

class session_sink {
 public:
  virtual ~session_sink() = default;
  // Queues a frame for the client. Thread-safe: called from the core strand; the session hops to
  // its own. Frames are shared: one encoding per format serves every session.
  virtual void deliver(std::shared_ptr<const v1::ServerFrame> frame) = 0;
  virtual const principal& who() const = 0;
};

}  // namespace switchboard::gateway
