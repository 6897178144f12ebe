#pragma once
// What a lead (or an admin) does to the conversations of their teams (docs/LEADS.md): monitor,
// whisper, barge in, take over, reassign, change priority, review a trainee's draft. Each is one
// append of its event with the audit record (who, what, when, why) in the same script; another
// team's conversation is "not found", a resolved one is refused whole.
//
// Not thread-safe: run on the Redis client's executor.

#include <boost/asio/awaitable.hpp>

#include "conversation/context.hpp"
#include "conversation/outcome.hpp"
#include "conversation/principal.hpp"
#include "proto/wire.pb.h"

namespace switchboard::conversation {

class lead_actions {
 public:
  explicit lead_actions(context& ctx) : ctx_(ctx) {}

  boost::asio::awaitable<outcome> act(const principal& p, const v1::ClientFrame& f);

 private:
  context& ctx_;
};

}  // namespace switchboard::conversation
