#pragma once
// The agent registry: each agent's profile (skills, teams, capacity), status and open desk
// sessions, in one record per agent; every change also goes to the router's agent event stream in
// the same script (store/lua/agent_event.lua), so the router sees each change once and in order.
// A desk session counts until it closes or, when its gateway dies without closing it, until it
// expires: gateways refresh their sessions (`refresh`, every third of the lifetime) and the active
// router sweeps expired ones (`sweep`), which tells the router the desk dropped. The router keeps,
// per agent, the conversations it offered them or they own (`conversations`), which a desk reads
// when it (re)connects.
//
// Not thread-safe: run its coroutines on the redis_client's executor.

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <utility>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "proto/routing.pb.h"
#include "proto/wire.pb.h"
#include "store/keys.hpp"
#include "store/redis_client.hpp"

namespace switchboard::store {

// One change in an agent's status history.
struct presence_change {
  std::int64_t at_ms = 0;
  v1::AgentStatus status = v1::OFFLINE;
  bool has_desk = false;  // at least one desk session open
};

struct agent_record {
  v1::Agent agent;      // profile, with status and status_since_ms filled
  int connections = 0;  // open desk sessions over every gateway
};

class agent_repository {
 public:
  agent_repository(redis_client& redis, const key_layout& keys, const clock& clk,
                   std::chrono::milliseconds desk_lifetime = std::chrono::seconds(15));

  // Sets an agent's profile (status fields are ignored). Creates the agent.
  boost::asio::awaitable<result<agent_record>> put_profile(v1::Agent profile);
  // A desk session opened: counts it, and sets `fallback` as the profile if the agent has none.
  boost::asio::awaitable<result<agent_record>> connected(v1::Agent fallback, std::string session);
  // A desk session closed.
  boost::asio::awaitable<result<agent_record>> dropped(std::string agent_id, std::string session);
  // These (agent id, session id) desk sessions are still open: their lifetime starts again.
  boost::asio::awaitable<result<void>> refresh(std::vector<std::pair<std::string, std::string>> sessions);
  // Expires sessions nobody refreshed (one script per agent group); returns how many agents lost
  // their last one.
  boost::asio::awaitable<result<int>> sweep();
  // Moves agent keys written before agent groups (all under `{ag}`, key_layout::legacy_agent_prefix)
  // to their group's keys: DUMP, RESTORE (never over a key written since), DEL. Idempotent and safe
  // from many processes at once; returns how many agents it moved.
  boost::asio::awaitable<result<int>> adopt_legacy();
  // Available, away or offline. not_found for an unknown agent.
  boost::asio::awaitable<result<agent_record>> set_status(std::string agent_id, v1::AgentStatus status,
                                                          std::string reason = {});
  boost::asio::awaitable<result<agent_record>> get(std::string agent_id);
  boost::asio::awaitable<result<std::vector<agent_record>>> list();
  // Publishes a ServerFrame (bytes) to the leads of a team (their sessions follow the team channel).
  boost::asio::awaitable<result<void>> publish_to_team(std::string team, std::string frame_bytes);
  // The agent's status history in [from_ms, to_ms): the change in force at from_ms (if any), then
  // every change until to_ms, oldest first (at most 100,000).
  boost::asio::awaitable<result<std::vector<presence_change>>> history(std::string agent_id, std::int64_t from_ms,
                                                                       std::int64_t to_ms);
  // What the router says the agent holds (offers and owned conversations).
  boost::asio::awaitable<result<std::vector<v1::AgentConversation>>> conversations(std::string agent_id);
  // The router's writes of that index: an entry set, an entry taken out, the whole index cleared
  // (a new leader rewrites it from what it rebuilt).
  boost::asio::awaitable<result<void>> hold(std::string agent_id, v1::AgentConversation entry);
  boost::asio::awaitable<result<void>> release(std::string agent_id, std::string conversation_id);
  boost::asio::awaitable<result<void>> clear_held(std::string agent_id);
  // Publishes a ServerFrame (bytes) on the agent's channel (their desks follow it).
  boost::asio::awaitable<result<void>> publish_to_agent(std::string agent_id, std::string frame_bytes);

 private:
  boost::asio::awaitable<result<agent_record>> event(std::string id, std::string kind, std::string profile,
                                                     bool only_if_none, v1::AgentStatus status, std::string session_op,
                                                     std::string reason = {});
  redis_client& redis_;
  const key_layout& keys_;
  const clock& clock_;
  std::chrono::milliseconds desk_lifetime_;
};

std::string_view agent_status_name(v1::AgentStatus s) noexcept;  // "available", "away", "offline"
v1::AgentStatus agent_status_from_name(std::string_view name) noexcept;
// A record from its stored parts (the script's reply, a stream entry). false: bad profile bytes.
bool decode_agent_record(std::string_view profile, std::string_view status, std::int64_t since, int connections,
                         std::string_view reason,
                         agent_record& out);

}  // namespace switchboard::store
