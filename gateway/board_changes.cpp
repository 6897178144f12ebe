#include "gateway/board_changes.hpp"

#include <google/protobuf/util/message_differencer.h>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <unordered_map>

namespace switchboard::gateway {
namespace {

using google::protobuf::util::MessageDifferencer;

// Instants computed from whole seconds at two boards' times may differ by up to a second.
constexpr std::int64_t kSinceSlackMs = 1500;

// `zero_is_none`: 0 seconds means no instant (a queue where nobody waits), not "just now".
std::int64_t instant(std::int64_t at_ms, std::int32_t seconds, bool zero_is_none) {
  return zero_is_none && seconds == 0 ? kNoInstant : at_ms - std::int64_t{seconds} * 1000;
}

bool same_instant(std::int64_t a, std::int64_t b) {
  if (a == kNoInstant || b == kNoInstant) return a == b;
  return std::llabs(a - b) <= kSinceSlackMs;
}

// Every field but the seconds that count on (compared as instants apart), field by field: the
// reflection of MessageDifferencer cost 1.6 ms for a thousand agents, on the core strand.
// BoardChanges.ComparesEveryField fails when a field is added to either message and not here.
bool same_but_seconds(const v1::QueueBoard& a, const v1::QueueBoard& b) {
  return a.queue() == b.queue() && a.waiting() == b.waiting() && a.service_level_today() == b.service_level_today() &&
         a.answered_today() == b.answered_today() && a.abandoned_today() == b.abandoned_today() &&
         a.arrivals_per_hour() == b.arrivals_per_hour() && a.handle_seconds() == b.handle_seconds() &&
         a.agents_needed() == b.agents_needed() && a.agents_available() == b.agents_available() &&
         a.service_level_seconds() == b.service_level_seconds() && a.service_level_target() == b.service_level_target();
}

bool same_but_seconds(const v1::AgentBoard& a, const v1::AgentBoard& b) {
  if (a.agent_id() != b.agent_id() || a.status() != b.status() || a.status_reason() != b.status_reason() ||
      a.load_size() != b.load_size() || a.conversations_size() != b.conversations_size()) {
    return false;
  }
  for (int i = 0; i < a.load_size(); ++i) {
    const auto &x = a.load(i), &y = b.load(i);
    if (x.channel() != y.channel() || x.conversations() != y.conversations() || x.capacity() != y.capacity()) return false;
  }
  for (int i = 0; i < a.conversations_size(); ++i) {
    if (a.conversations(i) != b.conversations(i)) return false;
  }
  return true;
}

// Rows of `after` new or changed (`same` false) go to `add`, keys only in `before` to `remove`.
template <class Row, class Key, class Same, class Add, class Remove>
void changed_rows(const google::protobuf::RepeatedPtrField<Row>& before, const google::protobuf::RepeatedPtrField<Row>& after,
                  Key key, Same same, Add add, Remove remove) {
  std::unordered_map<std::string, const Row*> old;
  old.reserve(static_cast<std::size_t>(before.size()));
  for (const auto& r : before) old.emplace(key(r), &r);
  for (const auto& r : after) {
    auto it = old.find(key(r));
    if (it == old.end() || !same(*it->second, r)) add(r);
    if (it != old.end()) old.erase(it);
  }
  for (const auto& [k, r] : old) remove(k);
}

bool same_at_risk(const v1::Board& a, const v1::Board& b) {
  if (a.at_risk_size() != b.at_risk_size()) return false;
  for (int i = 0; i < a.at_risk_size(); ++i) {
    if (!MessageDifferencer::Equals(a.at_risk(i), b.at_risk(i))) return false;
  }
  return true;
}

}  // namespace

board_instants instants_of(const v1::Board& b) {
  board_instants out;
  for (const auto& q : b.queues()) out.queues[q.queue()] = instant(b.at_ms(), q.oldest_wait_seconds(), true);
  for (const auto& a : b.agents()) out.agents[a.agent_id()] = instant(b.at_ms(), a.status_seconds(), false);
  return out;
}

bool changes_apply(const v1::Board& before, const v1::Board& after) {
  if (before.queues_size() != after.queues_size()) return false;
  for (int i = 0; i < before.queues_size(); ++i) {
    if (before.queues(i).queue() != after.queues(i).queue()) return false;
  }
  return true;
}

v1::Board board_changes(const v1::Board& before, const v1::Board& after, board_instants& sent) {
  v1::Board out;
  out.set_team(after.team());
  out.set_at_ms(after.at_ms());
  out.set_compute_us(after.compute_us());
  out.set_changes_only(true);
  const auto at = after.at_ms();
  // Unlisted rows keep the instant the consoles have; a listed row's becomes its new one.
  // Whether the consoles were sent `key` with an instant within the slack of `now` (one lookup).
  const auto as_sent = [](const std::unordered_map<std::string, std::int64_t>& m, const std::string& key, std::int64_t now) {
    auto it = m.find(key);
    return it != m.end() && same_instant(it->second, now);
  };

  changed_rows(
      before.queues(), after.queues(), [](const v1::QueueBoard& q) { return q.queue(); },
      [&](const v1::QueueBoard& a, const v1::QueueBoard& b) {
        return as_sent(sent.queues, b.queue(), instant(at, b.oldest_wait_seconds(), true)) && same_but_seconds(a, b);
      },
      [&](const v1::QueueBoard& q) {
        *out.add_queues() = q;
        sent.queues[q.queue()] = instant(at, q.oldest_wait_seconds(), true);
      },
      [&](const std::string& q) {
        out.add_removed_queues(q);
        sent.queues.erase(q);
      });
  changed_rows(
      before.agents(), after.agents(), [](const v1::AgentBoard& a) { return a.agent_id(); },
      [&](const v1::AgentBoard& a, const v1::AgentBoard& b) {
        return as_sent(sent.agents, b.agent_id(), instant(at, b.status_seconds(), false)) && same_but_seconds(a, b);
      },
      [&](const v1::AgentBoard& a) {
        *out.add_agents() = a;
        sent.agents[a.agent_id()] = instant(at, a.status_seconds(), false);
      },
      [&](const std::string& a) {
        out.add_removed_agents(a);
        sent.agents.erase(a);
      });
  if (same_at_risk(before, after)) {
    out.set_at_risk_unchanged(true);
  } else {
    *out.mutable_at_risk() = after.at_risk();
  }
  return out;
}

}  // namespace switchboard::gateway
