#include "store/agents.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <map>

#include "store/pipeline.hpp"
#include "store/scripts.hpp"

namespace switchboard::store {

namespace asio = boost::asio;
using boost::system::error_code;

namespace {
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
// An agent's keys besides the record (store/keys.hpp).
constexpr const char* kAgentKeySuffixes[] = {"", ":cv", ":desks", ":hist"};
}  // namespace

std::string_view agent_status_name(v1::AgentStatus s) noexcept {
  switch (s) {
    case v1::AVAILABLE: return "available";
    case v1::AWAY: return "away";
    default: return "offline";
  }
}

v1::AgentStatus agent_status_from_name(std::string_view name) noexcept {
  if (name == "available") return v1::AVAILABLE;
  if (name == "away") return v1::AWAY;
  return v1::OFFLINE;
}

bool decode_agent_record(std::string_view profile, std::string_view status, std::int64_t since, int connections,
                         std::string_view reason, agent_record& out) {
  if (!out.agent.ParseFromArray(profile.data(), static_cast<int>(profile.size()))) return false;
  out.agent.set_status(agent_status_from_name(status));
  out.agent.set_status_reason(std::string(reason));
  out.agent.set_status_since_ms(since);
  out.connections = connections;
  return true;
}

agent_repository::agent_repository(redis_client& redis, const key_layout& keys, const clock& clk,
                                   std::chrono::milliseconds desk_lifetime)
    : redis_(redis), keys_(keys), clock_(clk), desk_lifetime_(desk_lifetime) {}

asio::awaitable<result<agent_record>> agent_repository::event(std::string id, std::string kind, std::string profile,
                                                              bool only_if_none, v1::AgentStatus status,
                                                              std::string session_op, std::string reason) {
  if (id.empty()) co_return error_code(errc::bad_input);
  const std::string status_arg = status == v1::AGENT_STATUS_UNSPECIFIED ? "" : std::string(agent_status_name(status));
  auto [ec, r] = co_await redis_.async_eval(
      scripts::agent_event(),
      cmd(keys_.agent(id), keys_.agent_events(keys_.agent_group_of(id)), keys_.agents(keys_.agent_group_of(id)),
          keys_.agent_desks(id), keys_.agent_history(id)),
      cmd(id, std::move(kind), std::move(profile), only_if_none ? "1" : "0", status_arg,
          std::to_string(clock_.unix_ms()), std::move(session_op), std::to_string(desk_lifetime_.count()),
          std::move(reason)),
      use_tuple);
  if (ec == errc::server_error && r.error_code() == "NOAGENT") co_return error_code(errc::not_found);
  if (ec) co_return ec;
  if (!r.is_array() || r.elements.size() != 5) co_return error_code(errc::protocol_error);
  agent_record out;
  if (!decode_agent_record(r.elements[0].str, r.elements[1].str, r.elements[2].as_int().value_or(0),
                           static_cast<int>(r.elements[3].as_int().value_or(0)), r.elements[4].str, out)) {
    co_return error_code(errc::protocol_error);
  }
  co_return out;
}

asio::awaitable<result<agent_record>> agent_repository::put_profile(v1::Agent profile) {
  std::string id = profile.id();
  profile.clear_status();
  profile.clear_status_since_ms();
  co_return co_await event(std::move(id), "profile", profile.SerializeAsString(), false,
                           v1::AGENT_STATUS_UNSPECIFIED, "");
}

asio::awaitable<result<agent_record>> agent_repository::connected(v1::Agent fallback, std::string session) {
  if (session.empty()) co_return error_code(errc::bad_input);
  std::string id = fallback.id();
  fallback.clear_status();
  fallback.clear_status_since_ms();
  co_return co_await event(std::move(id), "connect", fallback.SerializeAsString(), true,
                           v1::AGENT_STATUS_UNSPECIFIED, "+" + session);
}

asio::awaitable<result<agent_record>> agent_repository::dropped(std::string agent_id, std::string session) {
  if (session.empty()) co_return error_code(errc::bad_input);
  co_return co_await event(std::move(agent_id), "drop", "", false, v1::AGENT_STATUS_UNSPECIFIED, "-" + session);
}

asio::awaitable<result<void>> agent_repository::refresh(std::vector<std::pair<std::string, std::string>> sessions) {
  // One script per agent group (a script touches one slot).
  const std::string expiry = std::to_string(clock_.unix_ms() + desk_lifetime_.count());
  std::map<int, std::pair<std::vector<std::string>, std::vector<std::string>>> by_group;
  for (auto& [agent, session] : sessions) {
    auto& [keys, args] = by_group[keys_.agent_group_of(agent)];
    if (args.empty()) args.push_back(expiry);
    keys.push_back(keys_.agent_desks(agent));
    args.push_back(std::move(session));
  }
  for (auto& [group, ka] : by_group) {
    auto [ec, r] = co_await redis_.async_eval(scripts::agent_presence(), std::move(ka.first), std::move(ka.second),
                                              use_tuple);
    if (ec) co_return ec;
  }
  co_return result<void>{};
}

asio::awaitable<result<void>> agent_repository::publish_to_team(std::string team, std::string frame_bytes) {
  auto [ec, r] = co_await redis_.async_exec(cmd("SPUBLISH", keys_.team_channel(team), std::move(frame_bytes)), use_tuple);
  if (ec) co_return ec;
  co_return result<void>{};
}

asio::awaitable<result<void>> agent_repository::hold(std::string agent_id, v1::AgentConversation entry) {
  const std::string id = entry.conversation_id();
  auto [ec, r] = co_await redis_.async_exec(
      cmd("HSET", keys_.agent_conversations(agent_id), id, entry.SerializeAsString()), use_tuple);
  if (ec) co_return ec;
  co_return result<void>{};
}

asio::awaitable<result<void>> agent_repository::release(std::string agent_id, std::string conversation_id) {
  auto [ec, r] = co_await redis_.async_exec(cmd("HDEL", keys_.agent_conversations(agent_id), conversation_id),
                                            use_tuple);
  if (ec) co_return ec;
  co_return result<void>{};
}

asio::awaitable<result<void>> agent_repository::clear_held(std::string agent_id) {
  auto [ec, r] = co_await redis_.async_exec(cmd("DEL", keys_.agent_conversations(agent_id)), use_tuple);
  if (ec) co_return ec;
  co_return result<void>{};
}

asio::awaitable<result<void>> agent_repository::publish_to_agent(std::string agent_id, std::string frame_bytes) {
  auto [ec, r] = co_await redis_.async_exec(cmd("SPUBLISH", keys_.agent_channel(agent_id), std::move(frame_bytes)),
                                            use_tuple);
  if (ec) co_return ec;
  co_return result<void>{};
}

asio::awaitable<result<int>> agent_repository::sweep() {
  const std::string now = std::to_string(clock_.unix_ms());
  int dropped = 0;
  for (int g = 0; g < key_layout::kAgentGroups; ++g) {
    auto [ec, r] = co_await redis_.async_eval(scripts::agent_sweep(), cmd(keys_.agents(g), keys_.agent_events(g)),
                                              cmd(keys_.agent_prefix(g), now), use_tuple);
    if (ec) co_return ec;
    dropped += static_cast<int>(r.integer);
  }
  co_return dropped;
}

asio::awaitable<result<int>> agent_repository::adopt_legacy() {
  const std::string old = keys_.legacy_agent_prefix();
  auto [ec, ids] = co_await redis_.async_exec(cmd("SMEMBERS", old + "all"), use_tuple);
  if (ec) co_return ec;
  int moved = 0;
  for (const auto& e : ids.elements) {
    const std::string& id = e.str;
    for (const char* suffix : kAgentKeySuffixes) {
      const std::string from = old + id + suffix;
      auto [e1, dump] = co_await redis_.async_exec(cmd("DUMP", from), use_tuple);
      if (e1) co_return e1;
      if (dump.is_nil()) continue;  // none, or moved already
      auto [e2, put] = co_await redis_.async_exec(cmd("RESTORE", keys_.agent(id) + suffix, "0", dump.str), use_tuple);
      if (e2 && put.error_code() != "BUSYKEY") co_return e2;  // BUSYKEY: written since, the newer one stays
      auto [e3, del] = co_await redis_.async_exec(cmd("DEL", from), use_tuple);
      if (e3) co_return e3;
    }
    auto [e4, add] = co_await redis_.async_exec(cmd("SADD", keys_.agents(keys_.agent_group_of(id)), id), use_tuple);
    if (e4) co_return e4;
    auto [e5, rem] = co_await redis_.async_exec(cmd("SREM", old + "all", id), use_tuple);
    if (e5) co_return e5;
    ++moved;
  }
  // The old event stream: its readers were routers of the former version (a new leader rebuilds
  // from the records).
  if (moved > 0) {
    auto [e6, del] = co_await redis_.async_exec(cmd("DEL", old + "ev"), use_tuple);
    if (e6) co_return e6;
  }
  co_return moved;
}

asio::awaitable<result<agent_record>> agent_repository::set_status(std::string agent_id, v1::AgentStatus status,
                                                                   std::string reason) {
  if (status != v1::AVAILABLE && status != v1::AWAY && status != v1::OFFLINE) co_return error_code(errc::bad_input);
  co_return co_await event(std::move(agent_id), "status", "", false, status, "", std::move(reason));
}

asio::awaitable<result<agent_record>> agent_repository::get(std::string agent_id) {
  auto [ec, r] = co_await redis_.async_exec(
      cmd("HMGET", keys_.agent(agent_id), "profile", "status", "status_since_ms", "conns", "reason"), use_tuple);
  if (ec) co_return ec;
  if (!r.is_array() || r.elements.size() != 5) co_return error_code(errc::protocol_error);
  if (r.elements[0].is_nil()) co_return error_code(errc::not_found);
  agent_record out;
  if (!decode_agent_record(r.elements[0].str, r.elements[1].str, r.elements[2].as_int().value_or(0),
                           static_cast<int>(r.elements[3].as_int().value_or(0)), r.elements[4].str, out)) {
    co_return error_code(errc::protocol_error);
  }
  co_return out;
}

asio::awaitable<result<std::vector<agent_record>>> agent_repository::list() {
  std::vector<std::vector<std::string>> reads;
  for (int g = 0; g < key_layout::kAgentGroups; ++g) reads.push_back(cmd("SMEMBERS", keys_.agents(g)));
  auto groups = co_await pipelined(redis_, reads.size(), reads);
  if (!groups) co_return groups.error();
  std::vector<std::string> ids;
  for (const auto& g : *groups) {
    if (g.is_error()) co_return error_code(errc::server_error);
    for (const auto& e : g.elements) ids.push_back(e.str);
  }
  std::sort(ids.begin(), ids.end());
  std::vector<agent_record> out;
  out.reserve(ids.size());
  for (auto& id : ids) {
    auto a = co_await get(std::move(id));
    if (a) out.push_back(std::move(*a));
    else if (a.error() != errc::not_found) co_return a.error();
  }
  co_return out;
}

asio::awaitable<result<std::vector<v1::AgentConversation>>> agent_repository::conversations(std::string agent_id) {
  auto [ec, r] = co_await redis_.async_exec(cmd("HVALS", keys_.agent_conversations(agent_id)), use_tuple);
  if (ec) co_return ec;
  std::vector<v1::AgentConversation> out;
  for (const auto& e : r.elements) {
    v1::AgentConversation c;
    if (c.ParseFromArray(e.str.data(), static_cast<int>(e.str.size()))) out.push_back(std::move(c));
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.conversation_id() < b.conversation_id(); });
  co_return out;
}

asio::awaitable<result<std::vector<presence_change>>> agent_repository::history(std::string agent_id, std::int64_t from_ms,
                                                                             std::int64_t to_ms) {
  const auto key = keys_.agent_history(agent_id);
  std::vector<presence_change> out;
  auto decode = [&out](const reply& entries) {
    for (const auto& e : entries.elements) {
      if (e.elements.size() != 2) continue;
      presence_change c;
      const auto& f = e.elements[1].elements;
      for (std::size_t i = 0; i + 1 < f.size(); i += 2) {
        if (f[i].str == "at") c.at_ms = f[i + 1].as_int().value_or(0);
        if (f[i].str == "s") c.status = agent_status_from_name(f[i + 1].str);
        if (f[i].str == "d") c.has_desk = f[i + 1].str == "1";
      }
      out.push_back(c);
    }
  };
  // The state at from_ms (the last change before it), then every change until to_ms.
  auto [ec1, before] = co_await redis_.async_exec(
      cmd("XREVRANGE", key, std::to_string(std::max<std::int64_t>(0, from_ms - 1)), "-", "COUNT", "1"), use_tuple);
  if (ec1) co_return ec1;
  decode(before);
  auto [ec2, during] = co_await redis_.async_exec(
      cmd("XRANGE", key, std::to_string(std::max<std::int64_t>(0, from_ms)), std::to_string(std::max<std::int64_t>(0, to_ms - 1)),
          "COUNT", "100000"),
      use_tuple);
  if (ec2) co_return ec2;
  decode(during);
  co_return out;
}

}  // namespace switchboard::store
