#pragma once
// The engine's private state: agents, classes, conversations and queues. Included only by the
// engine's own .cpp files (engine.cpp, explain.cpp).

#include <algorithm>
#include <array>

#include "router/engine/engine.hpp"

namespace switchboard::router {

// One slot per channel of proto/channel.proto (slot 0, CHANNEL_UNSPECIFIED, is never listed in a
// capacity: a conversation of no known channel is refused by queue_conversation and restore).
inline constexpr std::size_t kChannels = static_cast<std::size_t>(v1::Channel_ARRAYSIZE);

inline bool routable(v1::Channel c) { return v1::Channel_IsValid(c) && c != v1::CHANNEL_UNSPECIFIED; }

inline std::size_t ch_index(v1::Channel c) { return routable(c) ? static_cast<std::size_t>(c) : 0; }

struct engine::queue_rec {
  v1::Queue q;
  std::size_t waiting = 0;
};

struct engine::agent {
  struct cap {
    int max = 0;
    int weight = 0;
    bool exclusive = false;
    bool listed = false;
  };
  int index = 0;
  std::string id;
  std::unordered_map<std::string, int> skills;
  std::vector<std::string> teams;
  std::array<cap, kChannels> caps{};
  std::array<int, kChannels> count{};
  int weight_used = 0;
  int total = 0;
  int exclusive_busy = 0;
  v1::AgentStatus status = v1::OFFLINE;
  time_ms idle_since = 0;
  std::uint64_t last_offer_seq = 0;
  int missed = 0;
  std::vector<int> classes;    // classes it is eligible for
  std::set<conv_key> pinned;   // conversations waiting for this agent in particular
};

struct engine::klass {
  std::string queue;
  v1::Channel channel = v1::CHANNEL_UNSPECIFIED;
  std::string team;               // empty: any team
  std::vector<skill_need> need;   // sorted by name
  v1::Strategy strategy = v1::LONGEST_IDLE;
  std::set<agent_key> agents;     // eligible agents able to take one now, best first
  std::unordered_map<int, agent_key> key_of;
  std::set<conv_key> waiting;     // best first
};

struct engine::conversation {
  // none: between queues (an overflow in progress); waiting: in a class; pinned: waiting for a
  // preferred agent; offered / assigned: held by `agent`.
  enum class st { none, waiting, pinned, offered, assigned };
  int index = 0;
  std::string id;
  std::string queue;
  v1::Channel channel = v1::CHANNEL_UNSPECIFIED;
  std::vector<skill_need> required, optional;
  int priority = 0;
  std::string team;
  int pinned_agent = -1;
  time_ms pin_until = 0;
  time_ms queued_at = 0;          // its place: kept across requeues and overflows
  time_ms entered_queue_at = 0;   // for bullseye steps and maximum wait in the current queue
  time_ms eff_start = 0;          // queued_at minus the queue's priority boost
  std::uint64_t seq = 0;
  st state = st::waiting;
  int cls = -1;
  int ring = 0;
  int agent = -1;
  std::vector<int> excluded;      // declined or missed: never offered to them again
  std::uint64_t gen = 0;          // set anew from the engine-wide counter to cancel its timers

  conv_key key() const { return {-priority, eff_start, seq, index}; }
  bool excludes(int ai) const { return std::find(excluded.begin(), excluded.end(), ai) != excluded.end(); }
};

}  // namespace switchboard::router
