#pragma once
// The router's pure core (ARCHITECTURE §2, router/): it turns what the router hears — routing
// notes (proto/routing_note.proto), agent records, the snapshot a new leader reads, time passing,
// and the outcomes of the router's own writes — into engine facts, and returns what the service
// must then do, in order (actions: decisions to carry out, the agents' conversation index to
// update, conversations to count in today's figures). It holds what a leader knows: the engine,
// each conversation's routing view, each agent's profile and desks, grace periods, arrivals, handle
// times and low ratings. No Asio, no Redis, no clock (time is a parameter), no logging: unit-tested
// with plain inputs (tests/unit/reconciler_test.cpp). Not thread-safe.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "proto/routing_note.pb.h"
#include "proto/wire.pb.h"
#include "router/engine/engine.hpp"

namespace switchboard::router {

// What the router knows of one conversation it routes or watches.
struct conv_view {
  std::string customer;
  std::string queue;
  v1::Channel channel = v1::CHANNEL_UNSPECIFIED;
  int priority = 0;
  std::string preview;
  std::string owner;            // agent holding or offered it
  time_ms queued_at = 0;
  time_ms assigned_at = 0;
  int published_position = 0;   // last QueuePosition sent
  std::int64_t seq = 0;         // the conversation's seq this router has accounted for
  time_ms created_at = 0;       // when the customer opened it (KPIs count it in that day)
  bool answered = false;        // accepted at least once
  int transfers = 0;            // transfers by people
  time_ms awaiting_since = 0;   // the customer's first unanswered message (0: not waiting for a reply)
  time_ms customer_turn_since = 0;  // staff answered; the customer's turn since (0: not their turn)
  bool warned = false;          // the customer was warned of inactivity this turn
  time_ms gone_since = 0;       // the customer left or disconnected (0: here)
  // While it waits: the messaging channel the customer was last told their place on by an
  // automatic message, and that place (told again only on another channel or at another place).
  v1::Channel told_channel = v1::CHANNEL_UNSPECIFIED;
  int told_position = 0;
};

struct agent_view {
  v1::Agent profile;
  v1::AgentStatus status = v1::OFFLINE;  // as the agent set it
  int connections = 0;                   // desks open
  time_ms offline_since = 0;             // their last desk closed (0: one is open)
};

struct low_rating {
  time_ms at = 0;
  int score = 0;
  std::string queue, agent;
};

// One thing for the service to do, in the order given; it stops when it is no longer the leader.
struct action {
  enum class kind {
    decide,           // carry out `ds` (a REQUEUE is a timeout when `timeouts`, else a decline)
    index,            // put `entry` in `agent`'s conversation index
    unindex,          // take `conversation` out of `agent`'s index
    count_answered,   // count `conversation` answered today (`in_time`: within its queue's target)
    count_abandoned,  // count `conversation` abandoned today
    warn,             // log `text` as a warning
    tell,             // write `text` to the customer of `conversation` on `channel` (an automatic message)
  };
  kind what = kind::decide;
  decisions ds;
  bool timeouts = false;
  std::string agent, conversation, queue, text;
  v1::Channel channel = v1::CHANNEL_UNSPECIFIED;
  v1::AgentConversation entry;
  time_ms created_at = 0;
  bool in_time = false;
};
using actions = std::vector<action>;

// An agent as the registry holds them: profile and desks open.
struct agent_presence {
  v1::Agent profile;
  int connections = 0;
};

// The router's settings, with every default already applied (core/config.cpp).
struct reconciler_settings {
  std::vector<v1::Queue> queues;
  time_ms agent_grace_ms = 60'000;
  double default_handle_seconds = 300;
};

class reconciler {
 public:
  explicit reconciler(reconciler_settings s);
  ~reconciler();

  // A new leader's state: the snapshot's notes (every unresolved conversation, any order) and
  // every agent record. Returns the index entries of what is held or offered, then the decisions.
  actions take_over(const std::vector<v1::RoutingNote>& snapshot, const std::vector<agent_presence>& agents,
                    time_ms now);
  // A note from a request stream. One at or below the seq already accounted for does nothing.
  // A customer's message on a messaging channel (message_channel) that reaches a conversation
  // waiting in the queue, opened on another channel, is answered with their place there (`tell`)
  // unless they were told that place on that channel last: once per message at most, never on a
  // change of place alone.
  actions on_note(const v1::RoutingNote& n, time_ms now);
  // An agent's record changed; `dropped`: a desk of theirs dropped.
  actions on_agent(const v1::Agent& profile, int connections, bool dropped, time_ms now);
  // Time passed: the engine's timers (offer timeouts, bullseye steps, waits).
  actions advance(time_ms now);
  time_ms next_timer() const { return engine_.next_timer(); }

  // An agent whose grace period ended, with the conversations they still hold (taken out of
  // the grace list); none when no period ended by `now`.
  std::optional<std::pair<std::string, std::vector<std::string>>> next_grace_over(time_ms now);
  // The router requeued `id` after `agent`'s grace period: they are waited for first.
  actions requeued_after_grace(const std::string& id, const std::string& agent, time_ms now);

  // Customers who left a waiting conversation too long, or stay silent in a held one.
  struct customer_due {
    std::string id;
    enum { abandon, warn, inactive } what;
    time_ms since = 0;          // gone since, or silent since
    time_ms resolves_at = 0;    // warn: when it will be resolved as inactive
    std::string owner;
  };
  std::vector<customer_due> customers_due(time_ms now) const;
  void warned(const std::string& id);
  // Resolved: out of the engine and the agent's index (counted abandoned if never answered).
  actions ended(const std::string& id, time_ms now);

  // The outcomes of the router's own writes.
  void wrote(const std::string& id, std::int64_t seq);
  actions refused(const std::string& id, time_ms now);  // it is resolved or taken: out of the engine
  void offered(const std::string& id, const std::string& agent);
  void offer_ended(const std::string& id);
  void overflowed(const std::string& id, const std::string& queue);
  void set_away(const std::string& agent);

  // Queue positions that changed since last published (marked published). Pure.
  std::vector<v1::QueuePosition> positions_changed(time_ms now);
  // A waiting conversation's place in its queue as positions_changed orders it (1: next; 0: not
  // waiting), and the estimate it publishes for a place: place × average handle time ÷ agents
  // available for the queue's team.
  int place_of(const std::string& id) const;
  int wait_estimate_seconds(const std::string& queue, int place) const;
  // Drops arrivals older than 15 minutes and low ratings older than an hour.
  void prune(time_ms now);

  // Read-only views (boards, the service's writes, tests).
  const engine& routing() const { return engine_; }
  const conv_view* find(const std::string& id) const;
  const std::unordered_map<std::string, conv_view>& conversations() const { return convs_; }
  const std::unordered_map<std::string, agent_view>& agents() const { return agents_; }
  const std::map<std::string, std::vector<time_ms>>& arrivals() const { return arrivals_; }
  const std::map<std::string, low_rating>& low_ratings() const { return low_ratings_; }
  double handle_seconds(const std::string& queue) const;
  const v1::Queue* queue(const std::string& name) const;
  const reconciler_settings& settings() const { return settings_; }

 private:
  conv_view& track(const v1::RoutingNote& n, bool fresh, time_ms now);
  actions on_priority(const v1::RoutingNote& n, time_ms now);
  actions on_waiting(const v1::RoutingNote& n, time_ms now);
  actions on_held(const v1::RoutingNote& n, time_ms now);
  // A message on a messaging channel that changed nothing the engine routes by: the customer's
  // turn is tracked, and a waiting customer may be told their place (on_note). nullopt: the
  // message changed something (opened, reopened, answered a wait): an ordinary note.
  std::optional<actions> on_message_only(const v1::RoutingNote& n, time_ms now);
  actions tell_place(const std::string& id, v1::Channel on);
  int available_for(const std::string& queue) const;
  void restore(const v1::RoutingNote& n, time_ms now, std::vector<const v1::RoutingNote*>& waiting);
  conversation_fact fact_of(const std::string& id) const;
  conversation_fact fact_of(const v1::RoutingNote& n) const;
  agent_fact agent_fact_of(const std::string& agent_id) const;
  v1::AgentConversation entry_of(const std::string& id, v1::ConversationState state, time_ms offer_expires) const;
  void forget(const std::string& id, time_ms now);

  reconciler_settings settings_;
  engine engine_;
  std::unordered_map<std::string, conv_view> convs_;
  std::unordered_map<std::string, agent_view> agents_;
  std::map<std::string, time_ms> grace_;                  // agent → when their conversations are requeued
  std::map<std::string, double> handle_seconds_;          // queue → moving average of handle time
  std::map<std::string, std::vector<time_ms>> arrivals_;  // queue → arrivals of the last 15 minutes
  std::map<std::string, low_rating> low_ratings_;         // conversation → a low CSAT of the last hour
};

// The action helpers (also used by tests to build expectations).
action decide(decisions ds, bool timeouts = false);
action unindex(std::string agent, std::string conversation);

// What a waiting customer is told of their place on a messaging channel, worded as the widget
// shows it: "You're still in the queue: you are number 2. About 8 minutes to wait." (the wait in
// whole minutes, at least 1; left out when the estimate is 0).
std::string place_notice(int place, int wait_seconds);

}  // namespace switchboard::router
