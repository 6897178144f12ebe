#include "router/reconciler.hpp"

#include <algorithm>
#include <cmath>

#include "core/defaults.hpp"

namespace switchboard::router {

namespace {

bool waiting_state(v1::ConversationState s) { return s == v1::QUEUED || s == v1::ESCALATED; }

std::vector<skill_need> needs_of(const v1::RoutingNote& n) {
  std::vector<skill_need> out;
  for (const auto& s : n.required_skills()) out.push_back({s.name(), s.proficiency()});
  return out;
}

}  // namespace

action decide(decisions ds, bool timeouts) {
  action a;
  a.what = action::kind::decide;
  a.ds = std::move(ds);
  a.timeouts = timeouts;
  return a;
}

action unindex(std::string agent, std::string conversation) {
  action a;
  a.what = action::kind::unindex;
  a.agent = std::move(agent);
  a.conversation = std::move(conversation);
  return a;
}

reconciler::reconciler(reconciler_settings s)
    : settings_(std::move(s)), engine_(engine_config{settings_.queues, 5}) {
  for (auto& q : settings_.queues) q = with_defaults(std::move(q));  // 0 in a policy: the schema's default
}

reconciler::~reconciler() = default;

const v1::Queue* reconciler::queue(const std::string& name) const {
  for (const auto& q : settings_.queues) {
    if (q.name() == name) return &q;
  }
  return nullptr;
}

double reconciler::handle_seconds(const std::string& queue) const {
  auto it = handle_seconds_.find(queue);
  return it == handle_seconds_.end() ? settings_.default_handle_seconds : it->second;
}

const conv_view* reconciler::find(const std::string& id) const {
  auto it = convs_.find(id);
  return it == convs_.end() ? nullptr : &it->second;
}

conversation_fact reconciler::fact_of(const std::string& id) const {
  conversation_fact f;
  f.id = id;
  auto it = convs_.find(id);
  if (it == convs_.end()) return f;
  f.queue = it->second.queue;
  f.channel = it->second.channel;
  f.priority = it->second.priority;
  f.queued_at = it->second.queued_at;
  return f;
}

conversation_fact reconciler::fact_of(const v1::RoutingNote& n) const {
  conversation_fact f = fact_of(n.conversation_id());
  f.required = needs_of(n);
  f.excluded.assign(n.excluded().begin(), n.excluded().end());
  return f;
}

agent_fact reconciler::agent_fact_of(const std::string& agent_id) const {
  agent_fact f;
  f.id = agent_id;
  auto it = agents_.find(agent_id);
  if (it == agents_.end()) {
    f.status = v1::OFFLINE;
    return f;
  }
  const auto& p = it->second.profile;
  f.skills.assign(p.skills().begin(), p.skills().end());
  f.teams.assign(p.teams().begin(), p.teams().end());
  f.capacity.assign(p.capacity().begin(), p.capacity().end());
  // No desk open: no offers (their held conversations wait out the grace period).
  f.status = it->second.connections > 0 ? it->second.status : v1::OFFLINE;
  f.status_since = p.status_since_ms();
  return f;
}

v1::AgentConversation reconciler::entry_of(const std::string& id, v1::ConversationState state,
                                           time_ms offer_expires) const {
  v1::AgentConversation ac;
  ac.set_conversation_id(id);
  ac.set_state(state);
  if (const auto* c = find(id)) {
    ac.set_customer_id(c->customer);
    ac.set_queue(c->queue);
    ac.set_channel(c->channel);
  }
  ac.set_offer_expires_at_ms(offer_expires);
  return ac;
}

void reconciler::forget(const std::string& id, time_ms now) {
  auto it = convs_.find(id);
  if (it == convs_.end()) return;
  if (it->second.assigned_at > 0) {
    // Handle time feeds the wait estimate: a moving average per queue.
    const double seconds = static_cast<double>(now - it->second.assigned_at) / 1000.0;
    auto [h, fresh] = handle_seconds_.try_emplace(it->second.queue, settings_.default_handle_seconds);
    h->second = 0.8 * h->second + 0.2 * std::max(1.0, seconds);
  }
  convs_.erase(it);
}

// ---- notes ----

// The conversation's view brought up to the note.
conv_view& reconciler::track(const v1::RoutingNote& n, bool fresh, time_ms now) {
  auto& c = convs_[n.conversation_id()];
  c.seq = n.seq();
  c.customer = n.customer_id();
  c.queue = n.queue();
  c.channel = n.channel();
  c.priority = n.priority();
  if (!n.preview().empty()) c.preview = n.preview();
  if (c.queued_at == 0) c.queued_at = n.created_at_ms();
  if (c.created_at == 0) c.created_at = n.created_at_ms();
  if (fresh && n.kind() == v1::RoutingNote::QUEUED && n.state() == v1::QUEUED && now - c.created_at < 60'000) {
    arrivals_[c.queue].push_back(now);
  }
  if (n.kind() == v1::RoutingNote::TRANSFER) ++c.transfers;
  c.awaiting_since = n.awaiting_reply_since_ms();
  c.gone_since = n.customer_gone_at_ms();
  if (c.awaiting_since > 0) {
    c.customer_turn_since = 0;  // the customer wrote: the agent's turn
    c.warned = false;
  } else if (c.customer_turn_since == 0 || n.kind() == v1::RoutingNote::ACCEPTED ||
             n.kind() == v1::RoutingNote::ASSIGNED || n.kind() == v1::RoutingNote::TAKEOVER) {
    // The customer's turn: since staff answered, or since someone new took it.
    c.customer_turn_since = n.at_ms() > 0 ? n.at_ms() : now;
  }
  return c;
}

actions reconciler::on_note(const v1::RoutingNote& n, time_ms now) {
  const std::string& id = n.conversation_id();
  if (id.empty()) return {};
  // A note at or below the sequence number already accounted for is stale (re-claimed after a
  // takeover whose snapshot already holds its effect, or superseded by the router's own write).
  auto known = convs_.find(id);
  if (known != convs_.end() && n.seq() <= known->second.seq) return {};
  const bool fresh = known == convs_.end();
  if (!fresh && n.message_channel() != v1::CHANNEL_UNSPECIFIED) {
    if (auto only = on_message_only(n, now)) return std::move(*only);
  }
  auto& c = track(n, fresh, now);
  // The customer's turn began or ended, nothing else changed: the board reads it.
  if (n.kind() == v1::RoutingNote::TURN && !fresh) return {};
  if (n.kind() == v1::RoutingNote::LOW_CSAT) {
    // A resolved conversation rated 1 or 2: on its team's board for an hour, to follow up.
    low_ratings_[id] = low_rating{now, n.csat(), c.queue, n.owner_id()};
    if (n.state() == v1::RESOLVED) forget(id, now);  // known for this note only
    return {};
  }
  if (n.kind() == v1::RoutingNote::PRIORITY) return on_priority(n, now);
  if (n.state() == v1::RESOLVED) return ended(id, now);
  if (n.kind() == v1::RoutingNote::DECLINED && n.state() == v1::QUEUED &&
      engine_.conversation_state(id) == "offered" && engine_.conversation_agent(id) == n.offer_agent()) {
    c.owner.clear();
    actions out;
    out.push_back(decide(engine_.answer_offer(id, n.offer_agent(), offer_answer::declined, now)));
    return out;
  }
  if (waiting_state(n.state())) return on_waiting(n, now);
  const bool held = n.state() == v1::ASSIGNED || n.state() == v1::WAITING_CUSTOMER;
  if (held && !n.owner_id().empty()) return on_held(n, now);
  return {};
}

std::optional<actions> reconciler::on_message_only(const v1::RoutingNote& n, time_ms now) {
  const std::string& id = n.conversation_id();
  const std::string engine_state = engine_.conversation_state(id);
  const bool held = n.state() == v1::ASSIGNED || n.state() == v1::WAITING_CUSTOMER;
  const bool still_waiting = waiting_state(n.state()) && (engine_state == "waiting" || engine_state == "offered");
  const bool still_held = held && engine_state == "assigned" && engine_.conversation_agent(id) == n.owner_id();
  if (!still_waiting && !still_held) return std::nullopt;
  track(n, false, now);
  // Offered: an agent is looking at it now; held: someone is answering.
  if (engine_state != "waiting") return actions{};
  return tell_place(id, n.message_channel());
}

// A new priority re-orders a waiting conversation (its place by arrival is kept).
actions reconciler::on_priority(const v1::RoutingNote& n, time_ms now) {
  const std::string& id = n.conversation_id();
  if (engine_.conversation_state(id) != "waiting") return {};
  decisions ds = engine_.release(id, now);
  auto more = engine_.queue_conversation(fact_of(n), now);
  ds.insert(ds.end(), more.begin(), more.end());
  convs_[id].published_position = 0;
  actions out;
  out.push_back(decide(std::move(ds)));
  return out;
}

// Queued again (transfer, requeue, reopen, escalation): out of the engine, then waiting once
// more, preferring the agent named.
actions reconciler::on_waiting(const v1::RoutingNote& n, time_ms now) {
  const std::string& id = n.conversation_id();
  const std::string engine_state = engine_.conversation_state(id);
  const auto kind = n.kind();
  // Already waiting or held as the engine sees it: nothing new.
  if ((kind == v1::RoutingNote::QUEUED || kind == v1::RoutingNote::DECLINED) && !engine_state.empty()) return {};
  actions out;
  decisions ds;
  if (!engine_state.empty()) {
    const std::string held_by = engine_.conversation_agent(id);
    ds = engine_.release(id, now);
    if (!held_by.empty()) out.push_back(unindex(held_by, id));
  }
  auto& c = convs_[id];
  c.owner.clear();
  c.assigned_at = 0;
  c.published_position = 0;
  c.told_channel = v1::CHANNEL_UNSPECIFIED;  // a new wait: a message is told its place again
  c.told_position = 0;
  if (kind == v1::RoutingNote::TRANSFER || kind == v1::RoutingNote::ESCALATED) c.queued_at = now;
  conversation_fact f = fact_of(n);
  f.preferred_agent = n.preferred_agent();
  // A transfer names its agent or none: its maker is not waited for as the last agent.
  if (kind != v1::RoutingNote::TRANSFER) f.last_agent = n.last_owner();
  if (const auto* q = queue(f.queue); q && !f.preferred_agent.empty()) {
    // Transferred to an agent: they get it first, for at least one offer's time.
    f.preferred_wait_seconds =
        std::max(q->policy().preferred_agent_wait_seconds(), q->policy().offer_timeout_seconds() + 5);
  }
  bool accepted = false;
  auto more = engine_.queue_conversation(f, now, &accepted);
  if (!accepted) {
    action w;
    w.what = action::kind::warn;
    w.conversation = id;
    w.text = "conversation " + id + " cannot be routed: queue '" + c.queue + "' or its channel is unknown";
    out.push_back(std::move(w));
  }
  ds.insert(ds.end(), more.begin(), more.end());
  out.push_back(decide(std::move(ds)));
  return out;
}

// Held by `owner`: an accepted offer, an assignment or a takeover.
actions reconciler::on_held(const v1::RoutingNote& n, time_ms now) {
  const std::string& id = n.conversation_id();
  const std::string& owner = n.owner_id();
  const std::string engine_state = engine_.conversation_state(id);
  actions out;
  if (engine_state == "offered" && engine_.conversation_agent(id) == owner) {
    out.push_back(decide(engine_.answer_offer(id, owner, offer_answer::accepted, now)));
  } else if (engine_state != "assigned" || engine_.conversation_agent(id) != owner) {
    // Held by someone the engine did not expect (an accept racing a timeout, a takeover): the
    // store is the truth.
    const std::string held_by = engine_.conversation_agent(id);
    decisions ds = engine_.release(id, now);
    if (!held_by.empty() && held_by != owner) out.push_back(unindex(held_by, id));
    engine_.restore(fact_of(id), owner, false, 0);
    out.push_back(decide(std::move(ds)));
  }
  auto& c = convs_[id];
  if (!c.answered) {
    // First answer: today's service level, counted like the reports (by the day it was opened).
    c.answered = true;
    const auto* q = queue(c.queue);
    const int target = q ? q->policy().service_level_seconds() : 0;
    action count;
    count.what = action::kind::count_answered;
    count.conversation = id;
    count.queue = c.queue;
    count.created_at = c.created_at;
    count.in_time = now - c.created_at <= time_ms{target} * 1000;
    out.push_back(std::move(count));
  }
  c.owner = owner;
  c.assigned_at = now;
  action index;
  index.what = action::kind::index;
  index.agent = owner;
  index.conversation = id;
  index.entry = entry_of(id, v1::ASSIGNED, 0);
  out.push_back(std::move(index));
  return out;
}

actions reconciler::ended(const std::string& id, time_ms now) {
  auto it = convs_.find(id);
  if (it == convs_.end()) return {};
  actions out;
  if (!it->second.answered) {
    action count;
    count.what = action::kind::count_abandoned;
    count.conversation = id;
    count.queue = it->second.queue;
    count.created_at = it->second.created_at;
    out.push_back(std::move(count));
  }
  const std::string held_by = engine_.conversation_agent(id);
  auto ds = engine_.release(id, now);
  if (!held_by.empty()) out.push_back(unindex(held_by, id));
  forget(id, now);
  out.push_back(decide(std::move(ds)));
  return out;
}

// ---- agents and time ----

actions reconciler::on_agent(const v1::Agent& profile, int connections, bool dropped, time_ms now) {
  const std::string& id = profile.id();
  if (id.empty()) return {};
  auto& info = agents_[id];
  info.profile = profile;
  info.status = profile.status();
  if (connections == 0 && (info.connections > 0 || info.offline_since == 0)) info.offline_since = now;
  if (connections > 0) info.offline_since = 0;
  info.connections = connections;
  if (connections > 0) {
    grace_.erase(id);
  } else if (dropped && !grace_.count(id)) {
    grace_[id] = now + settings_.agent_grace_ms;
  }
  actions out;
  out.push_back(decide(engine_.update_agent(agent_fact_of(id), now)));
  return out;
}

actions reconciler::advance(time_ms now) {
  actions out;
  out.push_back(decide(engine_.advance(now), true));
  return out;
}

}  // namespace switchboard::router
