#pragma once
// The routing note as the store writes it: the append script adds one to a group's request stream
// with each change the router must hear of, and the leader's snapshot script returns one per
// unresolved conversation, both as the same flat field list {name, value, ...} (field names:
// proto/routing_note.proto). This is the one place those lists are decoded.

#include <boost/asio/awaitable.hpp>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "proto/routing_note.pb.h"
#include "store/keys.hpp"
#include "store/redis_client.hpp"
#include "store/redis_reply.hpp"

namespace switchboard::store {

// Unknown names are ignored; a missing field is its zero value; a number reads as its leading
// digits; an unknown kind is KIND_UNSPECIFIED; an unknown channel is CHANNEL_UNSPECIFIED. Pure.
v1::RoutingNote decode_routing_note(const reply& fields);

// The value of `name` in a flat field list, or "". Pure.
std::string_view flat_field(const reply& fields, std::string_view name);
// Its leading decimal digits as a number (0 if none). Pure.
std::int64_t flat_int(const reply& fields, std::string_view name);

// Every unresolved conversation of `group`, as SNAPSHOT notes: one script round trip
// (store/lua/router_snapshot.lua). Run on the client's executor.
boost::asio::awaitable<result<std::vector<v1::RoutingNote>>> read_routing_snapshot(redis_client& redis,
                                                                                   const key_layout& keys, int group);

}  // namespace switchboard::store
