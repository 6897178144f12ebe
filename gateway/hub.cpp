#include "gateway/hub.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <charconv>

namespace switchboard::gateway {

bool decode_published_event(std::string_view payload, std::string_view conversation_id, v1::Event& out) {
  const auto nl1 = payload.find('\n');
  if (nl1 == std::string_view::npos) return false;
  const auto nl2 = payload.find('\n', nl1 + 1);
  if (nl2 == std::string_view::npos) return false;
  std::int64_t seq = 0;
  auto [end, ec] = std::from_chars(payload.data(), payload.data() + nl1, seq);
  if (ec != std::errc() || end != payload.data() + nl1) return false;
  const auto bytes = payload.substr(nl2 + 1);
  if (!out.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) return false;
  out.set_seq(seq);
  out.set_conversation_id(std::string(conversation_id));
  return true;
}

hub::hub(store::redis_subscriber& sub, const store::key_layout& keys) : sub_(sub), keys_(keys) {}

bool hub::enter(const std::string& channel, bool agent, const std::string& id, const std::shared_ptr<session_sink>& s) {
  auto& r = rooms_[channel];
  for (const auto& m : r.members) {
    if (m.key == s.get()) return false;
  }
  r.agent = agent;
  r.id = id;
  r.members.push_back({s, s.get(), s->board_changes(), 0});
  if (r.members.size() == 1) {
    sub_.subscribe(channel, [this](std::string_view ch, std::string_view payload) { on_publish(ch, payload); });
  }
  return true;
}

bool hub::join(const std::string& conversation_id, const std::shared_ptr<session_sink>& s) {
  return enter(keys_.conversation_channel(conversation_id), false, conversation_id, s);
}

void hub::join_agent(const std::string& agent_id, const std::shared_ptr<session_sink>& s) {
  enter(keys_.agent_channel(agent_id), true, agent_id, s);
}

void hub::join_team(const std::string& team, const std::shared_ptr<session_sink>& s) {
  const auto channel = keys_.team_channel(team);
  enter(channel, true, team, s);  // ServerFrame payloads, like an agent's channel
  rooms_[channel].team = true;
}

void hub::remove(const std::string& channel, const session_sink* s) {
  auto it = rooms_.find(channel);
  if (it == rooms_.end()) return;
  std::erase_if(it->second.members, [s](const room::member& m) { return m.key == s || m.session.expired(); });
  if (it->second.members.empty()) {
    sub_.unsubscribe(channel);
    rooms_.erase(it);
  }
}

void hub::leave(const std::string& conversation_id, const session_sink* s) {
  remove(keys_.conversation_channel(conversation_id), s);
}

void hub::leave_all(const session_sink* s) {
  std::vector<std::string> channels;
  for (const auto& [channel, r] : rooms_) channels.push_back(channel);
  for (const auto& channel : channels) remove(channel, s);
}

std::vector<std::string> hub::rooms_of(const session_sink* s) const {
  std::vector<std::string> out;
  for (const auto& [channel, r] : rooms_) {
    if (r.agent) continue;
    if (std::any_of(r.members.begin(), r.members.end(), [s](const room::member& m) { return m.key == s; })) {
      out.push_back(r.id);
    }
  }
  return out;
}

std::size_t hub::members(const std::string& conversation_id) const {
  auto it = rooms_.find(keys_.conversation_channel(conversation_id));
  return it == rooms_.end() ? 0 : it->second.members.size();
}

boost::asio::awaitable<bool> hub::live(const std::string& conversation_id, std::chrono::milliseconds limit) {
  namespace asio = boost::asio;
  auto timer = std::make_shared<asio::steady_timer>(co_await asio::this_coro::executor, limit);
  // The confirmation comes on this (the core) strand, while the wait below is pending.
  if (sub_.confirmed(keys_.conversation_channel(conversation_id), [timer] { timer->cancel(); })) co_return true;
  co_await timer->async_wait(asio::as_tuple(asio::use_awaitable));
  co_return false;
}

void hub::send_to(const room& r, const std::shared_ptr<const outbound_frame>& f, bool customers_too) {
  for (const auto& m : r.members) {
    auto s = m.session.lock();
    if (!s) continue;
    if (s->who().who == role::customer && !customers_too) continue;
    s->deliver(f);
  }
}

void hub::on_publish(std::string_view channel, std::string_view payload) {
  auto it = rooms_.find(std::string(channel));
  if (it == rooms_.end()) return;
  room& r = it->second;
  if (r.team) return send_board(r, payload);
  if (r.agent || payload.starts_with("F\n")) {
    if (!r.agent) payload.remove_prefix(2);
    // Relayed as the router encoded it: no parse here (outbound_frame::from_proto).
    send_to(r, outbound_frame::from_proto(std::string(payload)), true);
    return;
  }
  v1::Event ev;
  if (!decode_published_event(payload, r.id, ev)) return;
  deliver(r.id, ev);
}

// A team channel's frame: a board goes whole, or as its changes to the members that asked for them
// and had the board before (parsed here, on the core strand, only while one of them is in the room:
// some 0.4 ms a second for a thousand agents, bench/board_changes_bench); anything else (trainee
// drafts) as it came.
void hub::send_board(room& r, std::string_view payload) {
  const bool changes_wanted = std::any_of(r.members.begin(), r.members.end(), [](const room::member& m) { return m.board_changes; });
  v1::ServerFrame f;
  const bool board = changes_wanted && f.ParseFromArray(payload.data(), static_cast<int>(payload.size())) && f.has_board();
  if (!board) return send_to(r, outbound_frame::from_proto(std::string(payload)), true);
  const std::uint64_t seq = ++r.board_seq;
  const bool applies = seq > 1 && changes_apply(r.last_board, f.board());
  std::shared_ptr<const outbound_frame> whole, changes;  // each encoded once, if anyone takes it
  for (auto& m : r.members) {
    auto s = m.session.lock();
    if (!s) continue;
    const bool had_previous = m.board_seq + 1 == seq;
    m.board_seq = seq;
    if (m.board_changes && had_previous && applies) {
      if (!changes) {
        v1::ServerFrame c;
        *c.mutable_board() = board_changes(r.last_board, f.board(), r.sent_instants);
        changes = std::make_shared<const outbound_frame>(std::move(c));
      }
      s->deliver(changes);
    } else {
      if (!whole) whole = outbound_frame::from_proto(std::string(payload));
      s->deliver(whole);
    }
  }
  // Nobody took changes: whoever asks for them next round holds this board's instants.
  if (!changes) r.sent_instants = instants_of(f.board());
  r.last_board = std::move(*f.mutable_board());
}

bool releases_agents(const v1::Event& ev) {
  switch (ev.kind_case()) {
    case v1::Event::kTransfer:
    case v1::Event::kTakeover:
    case v1::Event::kEscalation:
      return true;
    case v1::Event::kStatusChange:
      return ev.status_change().to() == v1::QUEUED || ev.status_change().to() == v1::RESOLVED;
    default:
      return false;
  }
}

void hub::seen(const std::string& conversation_id, std::int64_t seq) {
  auto it = rooms_.find(keys_.conversation_channel(conversation_id));
  if (it != rooms_.end()) it->second.seq = std::max(it->second.seq, seq);
}

std::vector<std::pair<std::string, std::int64_t>> hub::conversation_rooms() const {
  std::vector<std::pair<std::string, std::int64_t>> out;
  for (const auto& [channel, r] : rooms_) {
    if (!r.agent) out.emplace_back(r.id, r.seq);
  }
  return out;
}

void hub::deliver(const std::string& conversation_id, const v1::Event& ev) {
  const std::string channel = keys_.conversation_channel(conversation_id);
  auto it = rooms_.find(channel);
  if (it == rooms_.end()) return;
  it->second.seq = std::max(it->second.seq, ev.seq());
  // One frame, encoded once per format, shared by every member who may see it.
  v1::ServerFrame f;
  *f.mutable_event() = ev;
  send_to(it->second, std::make_shared<const outbound_frame>(std::move(f)), customer_may_see(ev));
  if (!releases_agents(ev)) return;
  // The conversation is no longer any agent's: their desks stop following it once told (an agent
  // who gets it again joins again by accepting). Leads follow what they joined (monitor, barge,
  // take over) until they leave; customers always.
  std::vector<const session_sink*> agents;
  for (const auto& m : it->second.members) {
    if (auto live = m.session.lock(); live && live->who().who == role::agent) agents.push_back(m.key);
  }
  for (const auto* a : agents) remove(channel, a);
}

}  // namespace switchboard::gateway
