#pragma once
// The conversation state machine (ARCHITECTURE §3), as data the append script applies atomically:
// for each kind of event, which state a new conversation starts in, which transitions it causes,
// when it needs routing, and which KPI timestamps it sets once. Pure; thread-safe.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "proto/model.pb.h"
#include "store/append_request.hpp"

namespace switchboard::store {

append_effects effects_of(const v1::Event& e);

// "queued", "offered", ... as stored in the conversation hash.
std::string_view state_name(v1::ConversationState s) noexcept;
v1::ConversationState state_from_name(std::string_view name) noexcept;

// Whether a message to the customer on channel `c` is sent by the outbox (a messaging provider),
// not written live to a socket (the widget).
bool sent_by_outbox(v1::Channel c) noexcept;

}  // namespace switchboard::store
