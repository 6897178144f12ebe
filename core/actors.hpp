#pragma once
// Events nobody typed: the router's own writes carry the actor "router". Owns the one test of an
// automatic message (a waiting customer told their place on the channel they wrote from,
// docs/CHANNELS.md), which the state rules, the customer's view and the KPIs each ask. Pure.

#include <string_view>

#include "proto/model.pb.h"

namespace switchboard {

inline constexpr std::string_view kRouterActor = "router";

// An outbound message the router wrote itself: it leaves through the outbox like a reply, but no
// one answered: not a first response, not the end of the customer's turn, not a widget's line.
inline bool automatic_message(const v1::Event& e) {
  return e.has_message() && e.message().direction() == v1::DIRECTION_OUTBOUND && e.actor() == kRouterActor;
}

}  // namespace switchboard
