#pragma once
// Builders for routing-engine tests: queues, agents and conversations in a line each.

#include <string>
#include <vector>

#include "router/engine/engine.hpp"

namespace switchboard::router::test {

inline v1::Queue queue(const std::string& name, v1::Strategy s = v1::LONGEST_IDLE, const std::string& team = "") {
  v1::Queue q;
  q.set_name(name);
  q.set_team(team);
  q.mutable_policy()->set_strategy(s);
  q.mutable_policy()->set_offer_timeout_seconds(30);
  return q;
}

inline void require(v1::Queue& q, const std::string& skill, int min) {
  auto* s = q.add_required_skills();
  s->set_name(skill);
  s->set_proficiency(min);
}

inline agent_fact agent(const std::string& id, std::vector<std::pair<std::string, int>> skills,
                        std::vector<std::string> teams = {}, int chats = 1,
                        v1::AgentStatus status = v1::AVAILABLE) {
  agent_fact a;
  a.id = id;
  for (auto& [n, p] : skills) {
    v1::Skill s;
    s.set_name(n);
    s.set_proficiency(p);
    a.skills.push_back(s);
  }
  a.teams = std::move(teams);
  v1::ChannelCapacity c;
  c.set_channel(v1::CHANNEL_WEB);
  c.set_max_concurrent(chats);
  a.capacity.push_back(c);
  a.status = status;
  return a;
}

inline conversation_fact conv(const std::string& id, const std::string& q, time_ms at = 0, int priority = 0) {
  conversation_fact c;
  c.id = id;
  c.queue = q;
  c.channel = v1::CHANNEL_WEB;
  c.queued_at = at;
  c.priority = priority;
  return c;
}

// The single OFFER among `ds`, or an empty decision.
inline v1::Decision the_offer(const decisions& ds) {
  v1::Decision found;
  for (const auto& d : ds) {
    if (d.kind() == v1::Decision::OFFER) found = d;
  }
  return found;
}

inline std::vector<std::string> kinds(const decisions& ds) {
  std::vector<std::string> out;
  for (const auto& d : ds) out.push_back(v1::Decision::Kind_Name(d.kind()) + ":" + d.conversation_id() + ":" + d.agent_id());
  return out;
}

}  // namespace switchboard::router::test
