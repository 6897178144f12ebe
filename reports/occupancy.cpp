// Occupancy: handling time ÷ staffed time, per agent, team or all, split over report intervals
// (kpi.hpp has the definition). Intervals are merged per agent before they are measured, so two
// conversations held at once count their overlap once.

#include <algorithm>
#include <tuple>

#include "reports/kpi.hpp"

namespace switchboard::reports {

namespace {

using span = std::pair<std::int64_t, std::int64_t>;  // [begin, end) in ms

std::vector<span> merge_spans(std::vector<span> v) {
  std::sort(v.begin(), v.end());
  std::vector<span> out;
  for (const auto& s : v) {
    if (s.second <= s.first) continue;
    if (!out.empty() && s.first <= out.back().second) {
      out.back().second = std::max(out.back().second, s.second);
    } else {
      out.push_back(s);
    }
  }
  return out;
}

// When the agent was available with a desk open, clipped to [from, to).
std::vector<span> available(const agent_presence& a, std::int64_t from, std::int64_t to) {
  std::vector<span> out;
  for (std::size_t i = 0; i < a.changes.size(); ++i) {
    if (!a.changes[i].second) continue;
    const std::int64_t end = i + 1 < a.changes.size() ? a.changes[i + 1].first : to;
    out.emplace_back(std::max(a.changes[i].first, from), std::min(end, to));
  }
  return out;
}

// Adds each span's length, split at interval boundaries, to field `part` of rows[(start, key)].
void spread(kpi_table& rows, const std::vector<span>& spans, const std::string& key, std::int64_t interval,
            double kpi_row::*part) {
  for (auto [b, e] : spans) {
    while (b < e) {
      const std::int64_t start = b - b % interval;
      const std::int64_t cut = std::min(e, start + interval);
      row_of(rows, start, key).*part += static_cast<double>(cut - b) / 1000.0;
      b = cut;
    }
  }
}

}  // namespace

void holding_spans::add(const std::vector<conversation_record>& batch, std::int64_t from, std::int64_t to) {
  std::map<std::string, spans*> touched;
  for (const auto& c : batch) {
    std::string owner;
    std::int64_t since = 0;
    auto hand_to = [&](const std::string& next, std::int64_t at) {
      if (next == owner) return;
      if (!owner.empty()) {
        auto*& s = touched[owner];
        if (!s) s = &by_agent_[owner];
        s->v.emplace_back(std::max(since, from), std::min(at, to));
      }
      owner = next;
      since = at;
    };
    for (const auto& e : c.events) {
      switch (e.kind_case()) {
        case v1::Event::kOfferOutcome:
          if (e.offer_outcome().outcome() == v1::OfferOutcome::ACCEPTED) hand_to(e.offer_outcome().agent_id(), e.at_ms());
          break;
        case v1::Event::kTakeover: hand_to(e.takeover().lead_id(), e.at_ms()); break;
        case v1::Event::kAssignment: hand_to(e.assignment().owner_id(), e.at_ms()); break;
        case v1::Event::kTransfer:
        case v1::Event::kEscalation: hand_to("", e.at_ms()); break;
        case v1::Event::kStatusChange:
          if (e.status_change().to() == v1::RESOLVED || e.status_change().to() == v1::QUEUED) hand_to("", e.at_ms());
          break;
        default: break;
      }
    }
    hand_to("", to);  // still held: until the end of the period
  }
  // Merged when they have doubled since the last time: amortised O(log n) per span, and never more
  // spans kept than twice the merged ones (plus a few).
  for (auto& [agent, s] : touched) {
    if (s->v.size() <= 2 * s->merged_size + 64) continue;
    s->v = merge_spans(std::move(s->v));
    s->merged_size = s->v.size();
  }
}

std::map<std::string, std::vector<holding_spans::span>> holding_spans::merged() const {
  std::map<std::string, std::vector<span>> out;
  for (const auto& [agent, s] : by_agent_) out[agent] = merge_spans(s.v);
  return out;
}

void add_occupancy(std::vector<kpi_row>& rows, const std::vector<conversation_record>& conversations,
                   const std::vector<agent_presence>& agents, dimension by, std::int64_t interval_ms,
                   std::int64_t from_ms, std::int64_t to_ms) {
  holding_spans held;
  held.add(conversations, from_ms, to_ms);
  add_occupancy(rows, held, agents, by, interval_ms, from_ms, to_ms);
}

void add_occupancy(std::vector<kpi_row>& rows, const holding_spans& held_spans, const std::vector<agent_presence>& agents,
                   dimension by, std::int64_t interval_ms, std::int64_t from_ms, std::int64_t to_ms) {
  if (by != dimension::all && by != dimension::agent && by != dimension::team) return;
  if (interval_ms <= 0) interval_ms = 86'400'000;
  kpi_table table;
  for (auto& r : rows) table[{r.start_ms, r.key}] = std::move(r);
  const auto held = held_spans.merged();
  std::map<std::string, const agent_presence*> presence;
  for (const auto& a : agents) presence[a.agent] = &a;
  // Everyone who was staffed or held something.
  std::vector<std::string> ids;
  for (const auto& a : agents) ids.push_back(a.agent);
  for (const auto& [id, spans] : held) {
    if (!presence.count(id)) ids.push_back(id);
  }
  for (const auto& id : ids) {
    auto h = held.find(id);
    const std::vector<span> busy = h != held.end() ? h->second : std::vector<span>{};
    std::vector<span> staffed = busy;
    auto p = presence.find(id);
    if (p != presence.end()) {
      auto more = available(*p->second, from_ms, to_ms);
      staffed.insert(staffed.end(), more.begin(), more.end());
    }
    staffed = merge_spans(std::move(staffed));
    std::vector<std::string> keys;
    if (by == dimension::all) keys.push_back("");
    if (by == dimension::agent) keys.push_back(id);
    if (by == dimension::team && p != presence.end()) keys = p->second->teams;
    for (const auto& key : keys) {
      spread(table, busy, key, interval_ms, &kpi_row::handling_s);
      spread(table, staffed, key, interval_ms, &kpi_row::staffed_s);
    }
  }
  rows = rows_of(std::move(table));
}

}  // namespace switchboard::reports
