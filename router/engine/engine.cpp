#include "router/engine/engine.hpp"

#include "core/defaults.hpp"

#include "router/engine/engine_state.hpp"

#include <algorithm>
#include <array>
#include <climits>

namespace switchboard::router {

namespace {

constexpr int kScanLimit = 16;          // waiting conversations looked at per class for one agent

}  // namespace

engine::engine(engine_config cfg) : cfg_(std::move(cfg)) {
  for (auto& q : cfg_.queues) {
    q = with_defaults(std::move(q));  // 0 in a policy: the schema's default
    auto* relax = q.mutable_policy()->mutable_relax();
    std::stable_sort(relax->begin(), relax->end(),
                     [](const v1::RelaxStep& a, const v1::RelaxStep& b) { return a.after_seconds() < b.after_seconds(); });
    queues_[q.name()].q = q;
  }
}

engine::~engine() = default;

const engine::queue_rec* engine::queue_of(const conversation& c) const {
  auto it = queues_.find(c.queue);
  return it == queues_.end() ? nullptr : &it->second;
}

int engine::agent_index(const std::string& id) {
  auto [it, inserted] = agent_ids_.try_emplace(id, static_cast<int>(agents_.size()));
  if (inserted) {
    agents_.push_back(std::make_unique<agent>());
    agents_.back()->id = id;
    agents_.back()->index = it->second;
  }
  return it->second;
}

// ---- eligibility and classes ----

bool engine::can_take(const agent& a, v1::Channel ch) const {
  const auto i = ch_index(ch);
  const auto& c = a.caps[i];
  if (a.status != v1::AVAILABLE || !c.listed || c.max <= 0) return false;
  if (a.exclusive_busy > 0) return false;            // an exclusive channel uses the whole agent
  if (c.exclusive && a.total > 0) return false;      // and needs the whole agent
  if (a.count[i] >= c.max) return false;
  return c.weight <= 0 || a.weight_used + c.weight <= 100;
}

bool engine::eligible(const agent& a, const klass& k) const {
  if (!a.caps[ch_index(k.channel)].listed) return false;
  if (!k.team.empty() && std::find(a.teams.begin(), a.teams.end(), k.team) == a.teams.end()) return false;
  for (const auto& n : k.need) {
    auto it = a.skills.find(n.name);
    if (it == a.skills.end() || it->second < n.min_proficiency) return false;
  }
  return true;
}

engine::agent_key engine::key_in(const agent& a, const klass& k) const {
  const int ai = a.index;
  switch (k.strategy) {
    case v1::LEAST_OCCUPIED: return {a.weight_used, a.idle_since, ai};
    case v1::ROUND_ROBIN: return {static_cast<std::int64_t>(a.last_offer_seq), 0, ai};
    case v1::BEST_SKILL_MATCH: {
      std::int64_t sum = 0;
      for (const auto& n : k.need) sum += a.skills.at(n.name);
      return {-sum, a.idle_since, ai};
    }
    default: return {a.total, a.idle_since, ai};  // longest idle among the least busy
  }
}

int engine::class_for(const conversation& c) {
  const auto* q = queue_of(c);
  // The requirement of the conversation's current bullseye ring.
  bool drop_optional = false, any_team = false;
  int lower = 0;
  for (int i = 0; i < c.ring && i < q->q.policy().relax_size(); ++i) {
    const auto& step = q->q.policy().relax(i);
    drop_optional = drop_optional || step.drop_optional_skills();
    any_team = any_team || step.any_team();
    lower += step.lower_proficiency_by();
  }
  std::map<std::string, int> need;
  auto add = [&](const std::string& name, int min) { need[name] = std::max(need[name], std::max(1, min - lower)); };
  for (const auto& s : q->q.required_skills()) add(s.name(), s.proficiency());
  for (const auto& s : c.required) add(s.name, s.min_proficiency);
  if (!drop_optional) {
    for (const auto& s : c.optional) add(s.name, s.min_proficiency);
  }
  const std::string team = any_team ? "" : (c.team.empty() ? q->q.team() : c.team);

  std::string sig = c.queue + "|" + std::to_string(c.channel) + "|" + team;
  for (const auto& [n, m] : need) sig += "|" + n + ":" + std::to_string(m);
  auto [it, inserted] = class_ids_.try_emplace(sig, static_cast<int>(classes_.size()));
  if (!inserted) return it->second;

  auto k = std::make_unique<klass>();
  k->queue = c.queue;
  k->channel = c.channel;
  k->team = team;
  for (const auto& [n, m] : need) k->need.push_back({n, m});
  k->strategy = q->q.policy().strategy();
  classes_.push_back(std::move(k));
  // A new class: the one time its eligible agents are found by looking at every agent.
  const int cid = it->second;
  for (std::size_t ai = 0; ai < agents_.size(); ++ai) {
    auto& a = *agents_[ai];
    if (!eligible(a, *classes_[static_cast<std::size_t>(cid)])) continue;
    a.classes.push_back(cid);
    refresh_agent(static_cast<int>(ai));
  }
  return cid;
}

void engine::remove_agent_from_classes(int ai) {
  for (int cid : agents_[static_cast<std::size_t>(ai)]->classes) {
    auto& k = *classes_[static_cast<std::size_t>(cid)];
    auto it = k.key_of.find(ai);
    if (it == k.key_of.end()) continue;
    k.agents.erase(it->second);
    k.key_of.erase(it);
  }
}

// Re-files the agent in every class it is eligible for, by its current key and capacity.
void engine::refresh_agent(int ai) {
  auto& a = *agents_[static_cast<std::size_t>(ai)];
  for (int cid : a.classes) {
    auto& k = *classes_[static_cast<std::size_t>(cid)];
    auto it = k.key_of.find(ai);
    if (it != k.key_of.end()) {
      k.agents.erase(it->second);
      k.key_of.erase(it);
    }
    if (can_take(a, k.channel)) {
      auto key = key_in(a, k);
      k.agents.insert(key);
      k.key_of.emplace(ai, key);
    }
  }
}

// ---- waiting ----

int engine::ring_at(const conversation& c, time_ms now) const {
  const auto& relax = queue_of(c)->q.policy().relax();
  int r = 0;
  while (r < relax.size() && c.entered_queue_at + time_ms{relax[r].after_seconds()} * 1000 <= now) ++r;
  return r;
}

void engine::schedule_next_ring(int ci, time_ms now) {
  auto& c = *convs_[static_cast<std::size_t>(ci)];
  const auto& p = queue_of(c)->q.policy();
  if (c.ring < p.relax_size()) {
    timers_.insert({c.entered_queue_at + time_ms{p.relax(c.ring).after_seconds()} * 1000,
                    static_cast<int>(timer_kind::ring_step), ci, c.gen});
  }
  if (p.max_wait_seconds() > 0 && !p.overflow_queue().empty()) {
    timers_.insert({c.entered_queue_at + time_ms{p.max_wait_seconds()} * 1000, static_cast<int>(timer_kind::max_wait),
                    ci, c.gen});
  }
}

// A preferred or last agent is waited for only if they could be offered it in the queue: the
// queue's team and required skills (of the conversation's current ring) apply to them too.
bool engine::may_pin(conversation& c, time_ms now) {
  c.ring = ring_at(c, now);
  const int cls = class_for(c);
  return eligible(*agents_[static_cast<std::size_t>(c.pinned_agent)], *classes_[static_cast<std::size_t>(cls)]);
}

void engine::enter_waiting(int ci, time_ms now, decisions& out) {
  auto& c = *convs_[static_cast<std::size_t>(ci)];
  auto& q = queues_.at(c.queue);
  c.eff_start = c.queued_at - time_ms{q.q.policy().priority_boost_seconds()} * 1000;
  c.agent = -1;
  c.state = conversation::st::none;
  if (c.pinned_agent >= 0 && now < c.pin_until && !c.excludes(c.pinned_agent) && may_pin(c, now)) {
    auto& pinned = *agents_[static_cast<std::size_t>(c.pinned_agent)];
    c.state = conversation::st::pinned;
    c.cls = -1;
    ++q.waiting;
    ++waiting_total_;
    pinned.pinned.insert(c.key());
    timers_.insert({c.pin_until, static_cast<int>(timer_kind::pin_expired), ci, c.gen});
    if (can_take(pinned, c.channel)) offer(ci, c.pinned_agent, now, out);
    return;
  }
  c.ring = ring_at(c, now);
  const auto& relax = q.q.policy().relax();
  for (int i = 0; i < c.ring; ++i) {
    const auto& to = relax[i].overflow_queue();
    if (!to.empty() && to != c.queue && queues_.count(to)) {
      overflow(ci, to, now, "bullseye step " + std::to_string(i + 1), out);
      return;
    }
  }
  c.state = conversation::st::waiting;
  ++q.waiting;
  ++waiting_total_;
  c.cls = class_for(c);
  classes_[static_cast<std::size_t>(c.cls)]->waiting.insert(c.key());
  schedule_next_ring(ci, now);
  match_conversation(ci, now, out);
}

void engine::leave_waiting(int ci) {
  auto& c = *convs_[static_cast<std::size_t>(ci)];
  if (c.state == conversation::st::waiting) {
    classes_[static_cast<std::size_t>(c.cls)]->waiting.erase(c.key());
  } else if (c.state == conversation::st::pinned) {
    agents_[static_cast<std::size_t>(c.pinned_agent)]->pinned.erase(c.key());
  } else {
    return;
  }
  --queues_.at(c.queue).waiting;
  --waiting_total_;
  c.cls = -1;
  c.gen = ++gens_;
}

// ---- matching ----

void engine::match_conversation(int ci, time_ms now, decisions& out) {
  auto& c = *convs_[static_cast<std::size_t>(ci)];
  const auto& k = *classes_[static_cast<std::size_t>(c.cls)];
  // The best eligible agent with room who has not declined it: at most |excluded| + 1 steps.
  for (const auto& key : k.agents) {
    const int ai = std::get<2>(key);
    if (c.excludes(ai)) continue;
    offer(ci, ai, now, out);
    return;
  }
}

int engine::best_conversation_for(int ai) const {
  const auto& a = *agents_[static_cast<std::size_t>(ai)];
  int best = -1;
  conv_key best_key{};
  auto consider = [&](const conv_key& key) {
    if (best < 0 || key < best_key) {
      best = std::get<3>(key);
      best_key = key;
    }
  };
  for (const auto& key : a.pinned) {
    const auto& c = *convs_[static_cast<std::size_t>(std::get<3>(key))];
    if (can_take(a, c.channel) && !c.excludes(ai)) {
      consider(key);
      break;
    }
  }
  for (int cid : a.classes) {
    const auto& k = *classes_[static_cast<std::size_t>(cid)];
    if (k.waiting.empty() || !can_take(a, k.channel)) continue;
    int looked = 0;
    for (const auto& key : k.waiting) {
      if (++looked > kScanLimit) break;
      if (!convs_[static_cast<std::size_t>(std::get<3>(key))]->excludes(ai)) {
        consider(key);
        break;
      }
    }
  }
  return best;
}

void engine::match_agent(int ai, time_ms now, decisions& out) {
  // One offer per free slot; bounded by the agent's capacity.
  for (int guard = 0; guard < 64; ++guard) {
    const int ci = best_conversation_for(ai);
    if (ci < 0) return;
    offer(ci, ai, now, out);
  }
}

void engine::occupy(agent& a, v1::Channel ch, int delta) {
  const auto i = ch_index(ch);
  a.count[i] += delta;
  a.total += delta;
  a.weight_used += delta * std::max(0, a.caps[i].weight);
  if (a.caps[i].exclusive) a.exclusive_busy += delta;
}

v1::Decision engine::make_decision(v1::Decision::Kind kind, const conversation& c, time_ms now) {
  v1::Decision d;
  d.set_decision_id("d" + std::to_string(++decisions_));
  d.set_kind(kind);
  d.set_conversation_id(c.id);
  d.set_at_ms(now);
  d.set_relax_step(c.ring);
  return d;
}

void engine::offer(int ci, int ai, time_ms now, decisions& out) {
  auto& c = *convs_[static_cast<std::size_t>(ci)];
  auto& a = *agents_[static_cast<std::size_t>(ai)];
  v1::Decision d = make_decision(v1::Decision::OFFER, c, now);
  d.set_agent_id(a.id);
  d.set_queue(c.queue);
  explain(d, c, ai);
  const auto timeout_s = queue_of(c)->q.policy().offer_timeout_seconds();
  const time_ms expires = now + time_ms{timeout_s} * 1000;
  d.set_offer_expires_at_ms(expires);
  out.push_back(std::move(d));

  leave_waiting(ci);
  c.state = conversation::st::offered;
  c.agent = ai;
  occupy(a, c.channel, +1);
  a.last_offer_seq = ++seq_;
  refresh_agent(ai);
  timers_.insert({expires, static_cast<int>(timer_kind::offer_timeout), ci, c.gen});
}

void engine::overflow(int ci, const std::string& to, time_ms now, const std::string& why, decisions& out) {
  auto& c = *convs_[static_cast<std::size_t>(ci)];
  leave_waiting(ci);
  v1::Decision d = make_decision(v1::Decision::OVERFLOW, c, now);
  d.set_queue(to);
  d.set_reason("overflow from " + c.queue + " to " + to + ": " + why);
  out.push_back(std::move(d));
  c.queue = to;
  c.entered_queue_at = now;
  c.ring = 0;
  c.pinned_agent = -1;
  enter_waiting(ci, now, out);
}

void engine::requeue_after_offer(int ci, int ai, time_ms now, bool missed, decisions& out) {
  auto& c = *convs_[static_cast<std::size_t>(ci)];
  auto& a = *agents_[static_cast<std::size_t>(ai)];
  occupy(a, c.channel, -1);
  c.excluded.push_back(ai);
  c.gen = ++gens_;
  v1::Decision d = make_decision(v1::Decision::REQUEUE, c, now);
  d.set_agent_id(a.id);
  d.set_queue(c.queue);
  d.set_reason(std::string(missed ? "offer timed out" : "offer declined") + " by " + a.id +
               "; it will not be offered to them again");
  out.push_back(std::move(d));
  if (missed) {
    const int limit = queue_of(c)->q.policy().max_missed_offers();
    if (limit > 0 && ++a.missed >= limit && a.status == v1::AVAILABLE) {
      a.status = v1::AWAY;
      v1::Decision away = make_decision(v1::Decision::SET_AGENT_AWAY, c, now);
      away.set_agent_id(a.id);
      away.set_reason(a.id + " missed " + std::to_string(a.missed) + " offers in a row");
      out.push_back(std::move(away));
    }
  }
  refresh_agent(ai);
  enter_waiting(ci, now, out);
  match_agent(ai, now, out);
}

// ---- facts ----

int engine::new_conversation(const conversation_fact& f, time_ms now) {
  int ci;
  if (!free_convs_.empty()) {
    ci = free_convs_.back();
    free_convs_.pop_back();
    convs_[static_cast<std::size_t>(ci)] = std::make_unique<conversation>();
  } else {
    ci = static_cast<int>(convs_.size());
    convs_.push_back(std::make_unique<conversation>());
  }
  conv_ids_[f.id] = ci;
  auto& c = *convs_[static_cast<std::size_t>(ci)];
  c.index = ci;
  c.id = f.id;
  c.queue = f.queue;
  c.channel = f.channel;
  c.required = f.required;
  c.optional = f.optional;
  c.priority = f.priority;
  c.team = f.team;
  c.queued_at = f.queued_at != 0 ? f.queued_at : now;
  c.entered_queue_at = now;
  c.seq = ++seq_;
  c.gen = ++gens_;  // never a generation an earlier occupant of the slot had: its timers stay dead
  for (const auto& a : f.excluded) c.excluded.push_back(agent_index(a));
  return ci;
}

bool engine::restore(const conversation_fact& f, const std::string& agent_id, bool offered, time_ms offer_expires) {
  if (!queues_.count(f.queue) || conv_ids_.count(f.id) || f.id.empty() || agent_id.empty() || !routable(f.channel)) {
    return false;
  }
  const int ci = new_conversation(f, f.queued_at);
  const int ai = agent_index(agent_id);
  auto& c = *convs_[static_cast<std::size_t>(ci)];
  auto& a = *agents_[static_cast<std::size_t>(ai)];
  c.state = offered ? conversation::st::offered : conversation::st::assigned;
  c.agent = ai;
  occupy(a, c.channel, +1);
  refresh_agent(ai);
  if (offered) {
    timers_.insert({offer_expires, static_cast<int>(timer_kind::offer_timeout), ci, c.gen});
  }
  return true;
}

decisions engine::queue_conversation(const conversation_fact& f, time_ms now, bool* accepted) {
  decisions out;
  if (accepted) *accepted = false;
  if (!queues_.count(f.queue) || conv_ids_.count(f.id) || f.id.empty() || !routable(f.channel)) return out;
  if (accepted) *accepted = true;
  const int ci = new_conversation(f, now);
  auto& c = *convs_[static_cast<std::size_t>(ci)];
  const auto& q = queues_.at(f.queue);
  const std::string& pref = !f.preferred_agent.empty() ? f.preferred_agent : f.last_agent;
  const int pin_s = f.preferred_wait_seconds > 0 ? f.preferred_wait_seconds : q.q.policy().preferred_agent_wait_seconds();
  if (!pref.empty() && agent_ids_.count(pref) && pin_s > 0) {
    c.pinned_agent = agent_ids_.at(pref);
    c.pin_until = now + time_ms{pin_s} * 1000;
  }
  const auto& p = q.q.policy();
  if (p.max_queue_length() > 0 && q.waiting >= static_cast<std::size_t>(p.max_queue_length()) &&
      queues_.count(p.overflow_queue()) && p.overflow_queue() != f.queue) {
    v1::Decision d = make_decision(v1::Decision::OVERFLOW, c, now);
    d.set_queue(p.overflow_queue());
    d.set_reason("queue " + f.queue + " is full (" + std::to_string(q.waiting) + " waiting)");
    out.push_back(std::move(d));
    c.queue = p.overflow_queue();
    c.pinned_agent = -1;
  }
  enter_waiting(ci, now, out);
  return out;
}

decisions engine::update_agent(const agent_fact& f, time_ms now) {
  decisions out;
  const bool known = agent_ids_.count(f.id) > 0;
  const int ai = agent_index(f.id);
  auto& a = *agents_[static_cast<std::size_t>(ai)];
  remove_agent_from_classes(ai);
  if (!known || (a.status != v1::AVAILABLE && f.status == v1::AVAILABLE)) {
    a.idle_since = f.status_since != 0 ? f.status_since : now;
    a.missed = 0;
  }
  a.status = f.status;
  a.skills.clear();
  for (const auto& s : f.skills) a.skills[s.name()] = s.proficiency();
  a.teams = f.teams;
  // Capacity: keep the counts of conversations held, replace the limits.
  for (auto& c : a.caps) c = {};
  for (const auto& c : f.capacity) {
    if (!routable(c.channel())) continue;  // config validation names such an entry
    auto& cap = a.caps[ch_index(c.channel())];
    cap = {c.max_concurrent(), c.weight(), c.exclusive(), true};
  }
  a.weight_used = 0;
  a.exclusive_busy = 0;
  for (std::size_t i = 0; i < kChannels; ++i) {
    a.weight_used += a.count[i] * std::max(0, a.caps[i].weight);
    if (a.caps[i].exclusive) a.exclusive_busy += a.count[i];
  }
  a.classes.clear();
  for (std::size_t cid = 0; cid < classes_.size(); ++cid) {
    if (eligible(a, *classes_[cid])) a.classes.push_back(static_cast<int>(cid));
  }
  refresh_agent(ai);
  match_agent(ai, now, out);
  return out;
}

decisions engine::answer_offer(const std::string& conversation_id, const std::string& agent_id, offer_answer answer,
                               time_ms now) {
  decisions out;
  auto it = conv_ids_.find(conversation_id);
  auto at = agent_ids_.find(agent_id);
  if (it == conv_ids_.end() || at == agent_ids_.end()) return out;
  auto& c = *convs_[static_cast<std::size_t>(it->second)];
  if (c.state != conversation::st::offered || c.agent != at->second) return out;  // stale answer
  if (answer == offer_answer::accepted) {
    c.state = conversation::st::assigned;
    c.gen = ++gens_;
    agents_[static_cast<std::size_t>(at->second)]->missed = 0;
    return out;
  }
  requeue_after_offer(it->second, at->second, now, answer == offer_answer::timed_out, out);
  return out;
}

decisions engine::release(const std::string& conversation_id, time_ms now) {
  decisions out;
  auto it = conv_ids_.find(conversation_id);
  if (it == conv_ids_.end()) return out;
  const int ci = it->second;
  auto& c = *convs_[static_cast<std::size_t>(ci)];
  const int ai = (c.state == conversation::st::offered || c.state == conversation::st::assigned) ? c.agent : -1;
  leave_waiting(ci);
  conv_ids_.erase(it);
  if (ai >= 0) {
    auto& a = *agents_[static_cast<std::size_t>(ai)];
    occupy(a, c.channel, -1);
    a.idle_since = now;
  }
  convs_[static_cast<std::size_t>(ci)].reset();
  free_convs_.push_back(ci);
  if (ai >= 0) {
    refresh_agent(ai);
    match_agent(ai, now, out);
  }
  return out;
}

decisions engine::advance(time_ms now) {
  decisions out;
  while (!timers_.empty() && std::get<0>(*timers_.begin()) <= now) {
    const auto [when, kind, ci, gen] = *timers_.begin();
    timers_.erase(timers_.begin());
    if (static_cast<std::size_t>(ci) >= convs_.size() || !convs_[static_cast<std::size_t>(ci)]) continue;
    auto& c = *convs_[static_cast<std::size_t>(ci)];
    if (c.gen != gen) continue;  // cancelled
    switch (static_cast<timer_kind>(kind)) {
      case timer_kind::offer_timeout:
        if (c.state == conversation::st::offered) requeue_after_offer(ci, c.agent, when, true, out);
        break;
      case timer_kind::ring_step:
      case timer_kind::pin_expired:
        if (c.state == conversation::st::waiting || c.state == conversation::st::pinned) {
          leave_waiting(ci);
          if (static_cast<timer_kind>(kind) == timer_kind::pin_expired) c.pinned_agent = -1;
          enter_waiting(ci, when, out);
        }
        break;
      case timer_kind::max_wait:
        if (c.state == conversation::st::waiting || c.state == conversation::st::pinned) {
          const auto& p = queue_of(c)->q.policy();
          if (queues_.count(p.overflow_queue()) && p.overflow_queue() != c.queue) {
            overflow(ci, p.overflow_queue(), when, "waited over " + std::to_string(p.max_wait_seconds()) + " s", out);
          }
        }
        break;
    }
  }
  return out;
}

// ---- introspection ----

std::size_t engine::waiting(const std::string& queue) const {
  auto it = queues_.find(queue);
  return it == queues_.end() ? 0 : it->second.waiting;
}

std::size_t engine::waiting_total() const { return waiting_total_; }

std::string engine::conversation_state(const std::string& id) const {
  auto it = conv_ids_.find(id);
  if (it == conv_ids_.end()) return "";
  switch (convs_[static_cast<std::size_t>(it->second)]->state) {
    case conversation::st::waiting:
    case conversation::st::pinned: return "waiting";
    case conversation::st::offered: return "offered";
    case conversation::st::assigned: return "assigned";
    case conversation::st::none: return "";
  }
  return "";
}

std::string engine::conversation_agent(const std::string& id) const {
  auto it = conv_ids_.find(id);
  if (it == conv_ids_.end()) return "";
  const int ai = convs_[static_cast<std::size_t>(it->second)]->agent;
  return ai < 0 ? "" : agents_[static_cast<std::size_t>(ai)]->id;
}

v1::AgentStatus engine::agent_status(const std::string& id) const {
  auto it = agent_ids_.find(id);
  return it == agent_ids_.end() ? v1::OFFLINE : agents_[static_cast<std::size_t>(it->second)]->status;
}

time_ms engine::next_timer() const { return timers_.empty() ? INT64_MAX : std::get<0>(*timers_.begin()); }

}  // namespace switchboard::router
