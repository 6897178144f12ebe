// The reconciler's other half (router/reconciler.hpp): a new leader's rebuild, what is watched
// as time passes (grace periods, customers who left or went silent, queue positions), and the
// outcomes of the router's own writes. Pure, like the rest of it.
#include <algorithm>
#include <cmath>
#include <functional>
#include <string>
#include <tuple>

#include "router/reconciler.hpp"

namespace switchboard::router {

namespace {

// A policy's seconds as milliseconds; a negative value turns the rule off (0).
time_ms limit_ms(int seconds) { return seconds < 0 ? 0 : time_ms{seconds} * 1000; }

}  // namespace

// Held conversations first (they use capacity), then agents, then the waiting ones in their order
// of arrival.
actions reconciler::take_over(const std::vector<v1::RoutingNote>& snapshot, const std::vector<agent_presence>& agents,
                              time_ms now) {
  std::vector<const v1::RoutingNote*> waiting;
  for (const auto& n : snapshot) restore(n, now, waiting);
  decisions ds;
  for (const auto& a : agents) {
    auto& info = agents_[a.profile.id()];
    info.profile = a.profile;
    info.status = a.profile.status();
    info.connections = a.connections;
    info.offline_since = a.connections == 0 ? now : 0;  // the earliest this leader can know of
    // Nobody connected: they get the grace period from now (their drop may predate this leader).
    if (a.connections == 0) grace_[a.profile.id()] = now + settings_.agent_grace_ms;
    auto more = engine_.update_agent(agent_fact_of(a.profile.id()), now);
    ds.insert(ds.end(), more.begin(), more.end());
  }
  std::stable_sort(waiting.begin(), waiting.end(), [&](const auto* a, const auto* b) {
    return convs_[a->conversation_id()].queued_at < convs_[b->conversation_id()].queued_at;
  });
  for (const auto* n : waiting) {
    conversation_fact f = fact_of(*n);
    f.last_agent = n->last_owner();
    auto more = engine_.queue_conversation(f, now);
    ds.insert(ds.end(), more.begin(), more.end());
  }
  // The agents' index of what they hold, from what the engine now knows; then the decisions.
  actions out;
  std::vector<std::pair<std::string, const conv_view*>> owned;
  for (const auto& [id, c] : convs_) {
    if (!c.owner.empty()) owned.emplace_back(id, &c);
  }
  std::sort(owned.begin(), owned.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& [id, c] : owned) {
    const bool offered = engine_.conversation_state(id) == "offered";
    action index;
    index.what = action::kind::index;
    index.agent = c->owner;
    index.conversation = id;
    index.entry = entry_of(id, offered ? v1::OFFERED : v1::ASSIGNED, 0);
    out.push_back(std::move(index));
  }
  out.push_back(decide(std::move(ds)));
  return out;
}

// One conversation of a new leader's snapshot.
void reconciler::restore(const v1::RoutingNote& n, time_ms now, std::vector<const v1::RoutingNote*>& waiting) {
  const std::string& id = n.conversation_id();
  conv_view c;
  c.customer = n.customer_id();
  c.queue = n.queue();
  c.channel = n.channel();
  c.priority = n.priority();
  c.preview = n.preview();
  c.queued_at = n.created_at_ms();
  c.created_at = n.created_at_ms();
  c.seq = n.seq();
  c.awaiting_since = n.awaiting_reply_since_ms();
  c.gone_since = n.customer_gone_at_ms();
  if (c.awaiting_since == 0) c.customer_turn_since = now;  // unknown since when: from now
  // The board's arrival rate counts what arrived in the last 15 minutes, also before this leader.
  if (now - c.created_at <= 900'000) arrivals_[c.queue].push_back(c.created_at);
  auto& stored = convs_[id] = std::move(c);
  const auto st = n.state();
  if (st == v1::QUEUED || st == v1::ESCALATED) {
    waiting.push_back(&n);
  } else if (st == v1::OFFERED && !n.offer_agent().empty()) {
    engine_.restore(fact_of(n), n.offer_agent(), true, n.offer_expires_at_ms());
    stored.owner = n.offer_agent();
  } else if ((st == v1::ASSIGNED || st == v1::WAITING_CUSTOMER || st == v1::WRAP_UP) && !n.owner_id().empty()) {
    engine_.restore(fact_of(n), n.owner_id(), false, 0);
    stored.owner = n.owner_id();
    stored.assigned_at = now;
  }
}

// ---- grace ----

std::optional<std::pair<std::string, std::vector<std::string>>> reconciler::next_grace_over(time_ms now) {
  auto it = std::find_if(grace_.begin(), grace_.end(), [&](const auto& g) { return g.second <= now; });
  if (it == grace_.end()) return std::nullopt;
  std::pair<std::string, std::vector<std::string>> out{it->first, {}};
  grace_.erase(it);
  for (const auto& [id, c] : convs_) {
    if (c.owner == out.first && engine_.conversation_state(id) == "assigned") out.second.push_back(id);
  }
  std::sort(out.second.begin(), out.second.end());
  return out;
}

actions reconciler::requeued_after_grace(const std::string& id, const std::string& agent, time_ms now) {
  actions out;
  decisions ds = engine_.release(id, now);
  out.push_back(unindex(agent, id));
  auto& c = convs_[id];
  c.owner.clear();
  c.assigned_at = 0;
  conversation_fact f = fact_of(id);
  f.last_agent = agent;
  auto more = engine_.queue_conversation(f, now);
  ds.insert(ds.end(), more.begin(), more.end());
  out.push_back(decide(std::move(ds)));
  return out;
}

// ---- customers ----

std::vector<reconciler::customer_due> reconciler::customers_due(time_ms now) const {
  std::vector<customer_due> out;
  for (const auto& [id, c] : convs_) {
    const auto* q = queue(c.queue);
    if (!q) continue;
    const time_ms abandon_after = limit_ms(q->policy().abandon_after_seconds());
    const time_ms inactive_after = limit_ms(q->policy().inactivity_timeout_seconds());
    const time_ms warn_before = std::min(limit_ms(q->policy().inactivity_warning_seconds()), inactive_after);
    const std::string st = engine_.conversation_state(id);
    if (st == "waiting" && c.gone_since > 0 && abandon_after > 0 && now - c.gone_since >= abandon_after) {
      out.push_back({id, customer_due::abandon, c.gone_since, 0, c.owner});
    } else if (st == "assigned" && c.awaiting_since == 0 && c.customer_turn_since > 0 && inactive_after > 0) {
      const time_ms silent = now - c.customer_turn_since;
      const time_ms resolves_at = c.customer_turn_since + inactive_after;
      if (silent >= inactive_after) {
        out.push_back({id, customer_due::inactive, c.customer_turn_since, resolves_at, c.owner});
      } else if (!c.warned && silent >= inactive_after - warn_before) {
        out.push_back({id, customer_due::warn, c.customer_turn_since, resolves_at, c.owner});
      }
    }
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  return out;
}

void reconciler::warned(const std::string& id) {
  if (auto it = convs_.find(id); it != convs_.end()) it->second.warned = true;
}

// ---- the router's own writes ----

void reconciler::wrote(const std::string& id, std::int64_t seq) {
  if (auto it = convs_.find(id); it != convs_.end()) it->second.seq = std::max(it->second.seq, seq);
}

actions reconciler::refused(const std::string& id, time_ms now) {
  actions out;
  out.push_back(decide(engine_.release(id, now)));
  forget(id, now);
  return out;
}

void reconciler::offered(const std::string& id, const std::string& agent) {
  auto& c = convs_[id];
  c.owner = agent;
  c.published_position = 0;
}

void reconciler::offer_ended(const std::string& id) {
  if (auto it = convs_.find(id); it != convs_.end()) it->second.owner.clear();
}

void reconciler::overflowed(const std::string& id, const std::string& queue) {
  if (auto it = convs_.find(id); it != convs_.end()) it->second.queue = queue;
}

void reconciler::set_away(const std::string& agent) { agents_[agent].status = v1::AWAY; }

// ---- positions ----

namespace {

int estimate(int place, double handle_seconds, int serving) {
  return static_cast<int>(std::ceil(place * handle_seconds / std::max(1, serving)));
}

}  // namespace

int reconciler::available_for(const std::string& queue_name) const {
  const auto* q = queue(queue_name);
  const std::string team = q ? q->team() : std::string();
  int serving = 0;
  for (const auto& [aid, a] : agents_) {
    if (a.connections <= 0 || a.status != v1::AVAILABLE) continue;
    const auto& teams = a.profile.teams();
    if (team.empty() || std::find(teams.begin(), teams.end(), team) != teams.end()) ++serving;
  }
  return serving;
}

// Every waiting conversation's place in its queue and an estimate of the wait, when the place
// changed: estimate = place × average handle time ÷ agents available for the queue's team.
std::vector<v1::QueuePosition> reconciler::positions_changed(time_ms) {
  std::map<std::string, std::vector<std::tuple<int, time_ms, std::string>>> by_queue;
  for (const auto& [id, c] : convs_) {
    if (engine_.conversation_state(id) == "waiting") by_queue[c.queue].emplace_back(-c.priority, c.queued_at, id);
  }
  std::vector<v1::QueuePosition> out;
  for (auto& [name, list] : by_queue) {
    std::sort(list.begin(), list.end());
    const int serving = available_for(name);
    const double h = handle_seconds(name);
    int place = 0;
    for (const auto& [neg_priority, queued_at, id] : list) {
      auto& c = convs_[id];
      if (c.published_position == ++place) continue;
      c.published_position = place;
      auto& p = out.emplace_back();
      p.set_conversation_id(id);
      p.set_position(place);
      p.set_estimated_wait_seconds(estimate(place, h, serving));
    }
  }
  return out;
}

// Counted, not sorted: one conversation's place costs a pass over what the router holds, and is
// asked once per customer message on a messaging channel while it waits.
int reconciler::place_of(const std::string& id) const {
  const auto* me = find(id);
  if (!me || engine_.conversation_state(id) != "waiting") return 0;
  const auto mine = std::make_tuple(-me->priority, me->queued_at, std::cref(id));
  int place = 1;
  for (const auto& [other, c] : convs_) {
    if (other == id || c.queue != me->queue) continue;
    if (std::make_tuple(-c.priority, c.queued_at, std::cref(other)) < mine &&
        engine_.conversation_state(other) == "waiting") {
      ++place;
    }
  }
  return place;
}

int reconciler::wait_estimate_seconds(const std::string& queue_name, int place) const {
  return estimate(place, handle_seconds(queue_name), available_for(queue_name));
}

// Not on the channel it was opened on (the widget has its queuePosition frames; a conversation
// opened on WhatsApp is not "another channel"), nor the place the customer was told there last.
actions reconciler::tell_place(const std::string& id, v1::Channel on) {
  auto it = convs_.find(id);
  if (it == convs_.end() || on == it->second.channel) return {};
  auto& c = it->second;
  const int place = place_of(id);
  if (place == 0 || (c.told_channel == on && c.told_position == place)) return {};
  c.told_channel = on;
  c.told_position = place;
  action a;
  a.what = action::kind::tell;
  a.conversation = id;
  a.channel = on;
  a.text = place_notice(place, wait_estimate_seconds(c.queue, place));
  actions out;
  out.push_back(std::move(a));
  return out;
}

std::string place_notice(int place, int wait_seconds) {
  std::string out = "You're still in the queue: you are number " + std::to_string(place) + ".";
  if (wait_seconds <= 0) return out;
  // Rounded as the widget rounds it (Math.round), at least a minute.
  const int minutes = std::max(1, static_cast<int>(std::floor(wait_seconds / 60.0 + 0.5)));
  out += " About " + std::to_string(minutes);
  if (minutes == 1) {
    out += " minute to wait.";
  } else {
    out += " minutes to wait.";
  }
  return out;
}

void reconciler::prune(time_ms now) {
  for (auto& [queue, arr] : arrivals_) std::erase_if(arr, [&](time_ms t) { return now - t > 900'000; });
  std::erase_if(low_ratings_, [&](const auto& r) { return now - r.second.at > 3'600'000; });
}

}  // namespace switchboard::router
