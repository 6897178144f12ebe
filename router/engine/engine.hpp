#pragma once
// The routing engine: facts in (conversation queued, agent state, offer answered, conversation
// released, time), decisions out (offer, requeue, overflow, set an agent away), each with its
// reasons. Pure and deterministic: no I/O, no clock, no randomness — the same facts in the same
// order give the same decisions (the simulator and the replay tests rely on it).
//
// Cost per fact grows with the logarithm of agents and waiting conversations: conversations wait
// in "classes" (queue, channel, team, skill requirement of their current bullseye ring), each class
// holding an ordered set of its waiting conversations and an ordered set of the eligible agents
// that can take one now. Eligibility is computed when an agent's state changes or a new class
// appears, never per decision. See docs/ROUTING.md.
//
// Not thread-safe: one engine per router, fed from one thread.

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "proto/routing.pb.h"
#include "router/engine/facts.hpp"

namespace switchboard::router {

using decisions = std::vector<v1::Decision>;

class engine {
 public:
  explicit engine(engine_config cfg);
  ~engine();
  engine(const engine&) = delete;
  engine& operator=(const engine&) = delete;

  // A conversation starts waiting (or waits again after a transfer). Unknown queue, or a channel
  // not in proto/channel.proto (or unspecified): no decision, false through `accepted` if given.
  decisions queue_conversation(const conversation_fact& c, time_ms now, bool* accepted = nullptr);
  // A conversation already offered to or owned by an agent when a router takes over (rebuilt from
  // the store): held by the agent, using their capacity, with no decision. An offer times out at
  // `offer_expires`. Unknown queue or known id: ignored (false).
  bool restore(const conversation_fact& c, const std::string& agent_id, bool offered, time_ms offer_expires);
  // An agent logs in, changes status, skills or capacity.
  decisions update_agent(const agent_fact& a, time_ms now);
  // The agent answered an offer (or it timed out, as the caller's timer saw it).
  decisions answer_offer(const std::string& conversation_id, const std::string& agent_id, offer_answer answer,
                         time_ms now);
  // The conversation leaves the engine: resolved, transferred (queue it again), or abandoned while
  // waiting. Frees the agent's capacity.
  decisions release(const std::string& conversation_id, time_ms now);
  // Time passed: offer timeouts, bullseye steps, preferred-agent waits, maximum waits.
  decisions advance(time_ms now);

  // Introspection (tests, simulator, board).
  std::size_t waiting(const std::string& queue) const;
  std::size_t waiting_total() const;
  // "waiting" | "offered" | "assigned" | "" (unknown).
  std::string conversation_state(const std::string& conversation_id) const;
  std::string conversation_agent(const std::string& conversation_id) const;
  v1::AgentStatus agent_status(const std::string& agent_id) const;
  // When the engine next needs advance() (INT64_MAX if never).
  time_ms next_timer() const;

 private:
  struct agent;
  struct conversation;
  struct klass;
  struct queue_rec;
  using agent_key = std::tuple<std::int64_t, std::int64_t, int>;
  using conv_key = std::tuple<int, time_ms, std::uint64_t, int>;
  enum class timer_kind { offer_timeout, ring_step, pin_expired, max_wait };
  using timer = std::tuple<time_ms, int, int, std::uint64_t>;  // when, kind, conversation, generation

  // classes and eligibility
  int class_for(const conversation& c);
  bool eligible(const agent& a, const klass& k) const;
  bool can_take(const agent& a, v1::Channel ch) const;
  agent_key key_in(const agent& a, const klass& k) const;
  void refresh_agent(int ai);
  void remove_agent_from_classes(int ai);

  // waiting
  bool may_pin(conversation& c, time_ms now);
  void enter_waiting(int ci, time_ms now, decisions& out);
  void leave_waiting(int ci);
  int ring_at(const conversation& c, time_ms now) const;
  void schedule_next_ring(int ci, time_ms now);

  // matching
  void match_conversation(int ci, time_ms now, decisions& out);
  void match_agent(int ai, time_ms now, decisions& out);
  int best_conversation_for(int ai) const;
  void offer(int ci, int ai, time_ms now, decisions& out);
  void overflow(int ci, const std::string& to_queue, time_ms now, const std::string& why, decisions& out);
  void occupy(agent& a, v1::Channel ch, int delta);
  void requeue_after_offer(int ci, int ai, time_ms now, bool missed, decisions& out);
  v1::Decision make_decision(v1::Decision::Kind kind, const conversation& c, time_ms now);
  void explain(v1::Decision& d, const conversation& c, int chosen) const;
  v1::RejectReason why_not(const agent& a, const conversation& c, std::string& detail) const;

  int agent_index(const std::string& id);
  int new_conversation(const conversation_fact& f, time_ms now);
  const queue_rec* queue_of(const conversation& c) const;

  engine_config cfg_;
  std::vector<std::unique_ptr<agent>> agents_;
  std::unordered_map<std::string, int> agent_ids_;
  std::vector<std::unique_ptr<conversation>> convs_;  // slots; freed slots reused
  std::vector<int> free_convs_;
  std::unordered_map<std::string, int> conv_ids_;
  std::vector<std::unique_ptr<klass>> classes_;
  std::unordered_map<std::string, int> class_ids_;
  std::map<std::string, queue_rec> queues_;
  std::set<timer> timers_;
  std::uint64_t seq_ = 0;        // arrival order tie-break and round-robin counter
  std::uint64_t gens_ = 0;       // timer generations, unique over every conversation and slot
  std::uint64_t decisions_ = 0;  // decision id counter
  mutable std::size_t roster_cursor_ = 0;  // where the next explanation starts looking
  std::size_t waiting_total_ = 0;
};

}  // namespace switchboard::router
