#pragma once
// What the conversation layer answers a request with: the answer frame (an Ack, an Error with a
// code, an AgentState), frames to send before it, and what the asking session should do with the
// conversation's live events (follow them from a seq, or stop). The adapter writes the frames; the
// WebSocket gateway also joins or leaves the room.

#include <cstdint>
#include <string>
#include <vector>

#include "proto/wire.pb.h"

namespace switchboard::conversation {

struct outcome {
  enum class room { stay, join, leave };
  v1::ServerFrame answer;               // with the request id
  std::vector<v1::ServerFrame> before;  // sent first, in order (an accept's timeline pages)
  room live = room::stay;
  std::string conversation_id;          // of the room to join or leave
  std::int64_t after_seq = 0;           // join: the stored events after this seq are sent once live
  std::string customer_id;              // ingest: whose it is (an adapter may remember it)
  // ingest of a message: the customer whose conversation it landed in (customer_id's own, or that
  // of a customer merged into them: conversation/inbox.cpp)
  std::string conversation_customer_id;

  bool failed() const { return answer.has_error(); }
};

// An outcome that is only its answer.
inline outcome answer_with(v1::ServerFrame f) {
  outcome o;
  o.answer = std::move(f);
  return o;
}

}  // namespace switchboard::conversation
