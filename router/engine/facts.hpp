#pragma once
// What the routing engine is told (facts) and how it is configured (queues with policies). Plain
// data; the engine turns facts into v1::Decision messages. Times are Unix milliseconds passed in by
// the caller: the engine never reads a clock.

#include <cstdint>
#include <string>
#include <vector>

#include "proto/routing.pb.h"

namespace switchboard::router {

using time_ms = std::int64_t;

struct skill_need {
  std::string name;
  int min_proficiency = 1;  // 1..5
};

// A conversation that needs an agent.
struct conversation_fact {
  std::string id;
  std::string queue;                   // must name a configured queue
  v1::Channel channel = v1::CHANNEL_UNSPECIFIED;  // must be set: one of proto/channel.proto
  std::vector<skill_need> required;    // besides the queue's own required skills
  std::vector<skill_need> optional;    // wanted until the first relax step drops them
  int priority = 0;                    // higher first
  std::string team;                    // empty: the queue's team
  std::string preferred_agent;         // wait for this agent first (policy.preferred_agent_wait_seconds)
  std::string last_agent;              // used as preferred when no preferred agent is given
  int preferred_wait_seconds = 0;      // how long to wait for the preferred agent; 0: the queue's policy
  time_ms queued_at = 0;               // when it started waiting (its place in the queue)
  std::vector<std::string> excluded;   // agents who declined or missed it: never offered it again
};

// An agent's current state. Sending it again replaces the previous one.
struct agent_fact {
  std::string id;
  std::vector<v1::Skill> skills;       // name + proficiency 1..5
  std::vector<std::string> teams;
  std::vector<v1::ChannelCapacity> capacity;  // per channel; a channel not listed cannot be taken
  v1::AgentStatus status = v1::AVAILABLE;
  time_ms status_since = 0;            // when the status began (0: now); starts the idle time
};

enum class offer_answer { accepted, declined, timed_out };

struct engine_config {
  std::vector<v1::Queue> queues;
  int explain_rejections = 5;          // K: how many other agents a decision explains
};

}  // namespace switchboard::router
