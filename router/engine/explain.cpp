// Explanations: why this agent, why not up to K others. Part of the engine (router/engine/engine.hpp).

#include "router/engine/engine.hpp"
#include "router/engine/engine_state.hpp"

namespace switchboard::router {

namespace {

const char* strategy_name(v1::Strategy s) {
  switch (s) {
    case v1::LEAST_OCCUPIED: return "least_occupied";
    case v1::BEST_SKILL_MATCH: return "best_skill_match";
    case v1::ROUND_ROBIN: return "round_robin";
    default: return "longest_idle";
  }
}

void add_score(v1::Decision& d, const char* name, double v) {
  auto* p = d.add_score();
  p->set_name(name);
  p->set_value(v);
}

}  // namespace


v1::RejectReason engine::why_not(const agent& a, const conversation& c, std::string& detail) const {
  const int ai = a.index;
  if (a.status != v1::AVAILABLE) return v1::NOT_AVAILABLE;
  if (c.cls >= 0) {
    const auto& k = *classes_[static_cast<std::size_t>(c.cls)];
    if (!k.team.empty() && std::find(a.teams.begin(), a.teams.end(), k.team) == a.teams.end()) {
      detail = "not in team " + k.team;
      return v1::WRONG_TEAM;
    }
    for (const auto& n : k.need) {
      auto it = a.skills.find(n.name);
      if (it == a.skills.end()) {
        detail = n.name;
        return v1::SKILL_MISSING;
      }
      if (it->second < n.min_proficiency) {
        detail = n.name + " " + std::to_string(it->second) + " < " + std::to_string(n.min_proficiency);
        return v1::PROFICIENCY_TOO_LOW;
      }
    }
  }
  if (c.excludes(ai)) return v1::DECLINED_BEFORE;
  if (!can_take(a, c.channel)) return v1::NO_CAPACITY;
  return v1::LOWER_SCORE;
}

void engine::explain(v1::Decision& d, const conversation& c, int chosen) const {
  const auto& a = *agents_[static_cast<std::size_t>(chosen)];
  const int limit = cfg_.explain_rejections;
  if (c.cls < 0) {
    d.set_candidates_considered(1);
    d.set_reason("preferred agent " + a.id + " is free");
    add_score(d, "preferred", 1);
    return;
  }
  const auto& k = *classes_[static_cast<std::size_t>(c.cls)];
  d.set_candidates_considered(static_cast<int>(k.agents.size()));
  d.set_reason(std::string("best by ") + strategy_name(k.strategy) + " among " + std::to_string(k.agents.size()) +
               " eligible agents with room");
  add_score(d, "idle_ms", static_cast<double>(d.at_ms() - a.idle_since));
  add_score(d, "conversations", a.total);
  add_score(d, "load", a.weight_used);
  std::int64_t skill = 0;
  for (const auto& n : k.need) skill += a.skills.at(n.name);
  add_score(d, "skill_match", static_cast<double>(skill));
  add_score(d, "last_offer_seq", static_cast<double>(a.last_offer_seq));

  // Why not the others: first the next agents in this class's order, then agents outside it, from
  // a rotating place in the roster so that every decision costs O(K).
  auto reject = [&](const agent& other, v1::RejectReason r, const std::string& detail) {
    auto* x = d.add_rejected();
    x->set_agent_id(other.id);
    x->set_reason(r);
    x->set_detail(detail);
  };
  for (const auto& key : k.agents) {
    if (d.rejected_size() >= (limit + 1) / 2) break;
    const int ai = std::get<2>(key);
    if (ai == chosen) continue;
    reject(*agents_[static_cast<std::size_t>(ai)], c.excludes(ai) ? v1::DECLINED_BEFORE : v1::LOWER_SCORE, "");
  }
  auto& cursor = roster_cursor_;
  for (std::size_t looked = 0; looked < agents_.size() && looked < static_cast<std::size_t>(4 * limit) &&
                               d.rejected_size() < limit;
       ++looked) {
    cursor = (cursor + 1) % agents_.size();
    const auto& other = *agents_[cursor];
    if (static_cast<int>(cursor) == chosen || k.key_of.count(static_cast<int>(cursor))) continue;
    std::string detail;
    const auto r = why_not(other, c, detail);
    reject(other, r, detail);
  }
}

}  // namespace switchboard::router
