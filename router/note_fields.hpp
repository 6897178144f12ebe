#pragma once
// The router's reading of a routing note (the flat field list the append script adds to a group's
// request stream, store/lua/append.lua) and of the snapshot's text fields. Pure; shared by the
// router service's files.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "router/engine/facts.hpp"
#include "store/redis_reply.hpp"

namespace switchboard::router {

// The consumer group every router reads the request streams with.
inline constexpr const char* kConsumerGroup = "router";

// Field `name` of a stream entry's flat field list, or "".
std::string field(const store::reply& fields, std::string_view name);
// The leading decimal digits of `s` (0 if none).
std::int64_t to_int(const std::string& s);
// "a,b" → {a, b}.
std::vector<std::string> split(const std::string& s);
// "name:min,name:min" → skill needs (proficiency clamped to 1..5).
std::vector<skill_need> parse_skills(const std::string& s);

}  // namespace switchboard::router
