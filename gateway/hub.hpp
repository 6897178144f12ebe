#pragma once
// Live fan-out to the sessions of this gateway process. A session joins a conversation's room, and
// an agent's desk sessions join the agent's room; the hub subscribes to the room's Redis channel
// while the room has members and delivers what is published there:
//   conversation channel: "<seq>\n<timeline id>\n<Event bytes>" — all of it to staff, what the
//     customer may see to customers; or "F\n<ServerFrame bytes>" (a queue position) to everyone;
//   agent channel: ServerFrame bytes (offers, withdrawn offers, agent state) from the router;
//   team channel: ServerFrame bytes for the team's leads (boards, trainee drafts). A board goes
//     whole to a session that has not had the team's board before it from this hub, else as its
//     changes (board_changes.hpp) when the session asked for them: the hub keeps each team's last.
// An event that ends every agent's hold (releases_agents) also takes agents' desks out of the
// room. Pub/sub is a doorbell; sessions fill gaps from the stream (ARCHITECTURE §4.5).
//
// Not thread-safe: runs on the core strand (the Redis clients' executor).

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "conversation/rules.hpp"
#include "gateway/board_changes.hpp"
#include "gateway/session_sink.hpp"
#include "store/keys.hpp"
#include "store/redis_subscriber.hpp"

namespace switchboard::gateway {

class hub {
 public:
  hub(store::redis_subscriber& sub, const store::key_layout& keys);

  // Returns whether `s` was not in the room yet.
  bool join(const std::string& conversation_id, const std::shared_ptr<session_sink>& s);
  void join_agent(const std::string& agent_id, const std::shared_ptr<session_sink>& s);
  // A lead's session follows their team's channel (trainee drafts), frames as on agent channels.
  void join_team(const std::string& team, const std::shared_ptr<session_sink>& s);
  void leave(const std::string& conversation_id, const session_sink* s);
  void leave_all(const session_sink* s);
  std::size_t members(const std::string& conversation_id) const;
  // The conversations whose rooms hold `s` (also when `s` is already gone).
  std::vector<std::string> rooms_of(const session_sink* s) const;
  // Waits (at most `limit`) until Redis has confirmed the conversation room's subscription.
  // Returns true when it already had: nothing published since the join can have been missed.
  boost::asio::awaitable<bool> live(const std::string& conversation_id, std::chrono::milliseconds limit);

  // Delivers one event to a room (also used for events read from the stream on resume).
  void deliver(const std::string& conversation_id, const v1::Event& ev);
  // The room's members have the conversation's events up to `seq` (a replay sent them).
  void seen(const std::string& conversation_id, std::int64_t seq);
  // Each conversation room, with the last seq its members were sent: where to read from after the
  // pub/sub connection was lost (what was published meanwhile never came).
  std::vector<std::pair<std::string, std::int64_t>> conversation_rooms() const;
  // Runs each time the pub/sub connection has subscribed every room again after a connect.
  void on_resubscribed(std::function<void()> h) { sub_.on_resubscribed(std::move(h)); }

 private:
  struct room {
    bool agent = false;   // an agent's or a team's room (else a conversation's)
    bool team = false;    // a team's room: boards
    std::string id;       // the conversation, agent or team id
    struct member {
      std::weak_ptr<session_sink> session;
      const session_sink* key;  // identifies it also once it is gone (closed() comes after)
      bool board_changes = false;     // it asked for boards as changes
      std::uint64_t board_seq = 0;    // the last board it was sent (0: none yet)
    };
    std::vector<member> members;
    std::int64_t seq = 0;             // a conversation room's last event seq sent (or replayed)
    v1::Board last_board;             // a team room's last board, and its number (0: none yet)
    std::uint64_t board_seq = 0;
    board_instants sent_instants;     // its rows' instants as the consoles were last sent them
  };
  bool enter(const std::string& channel, bool agent, const std::string& id, const std::shared_ptr<session_sink>& s);
  void send_board(room& r, std::string_view payload);
  void remove(const std::string& channel, const session_sink* s);
  void on_publish(std::string_view channel, std::string_view payload);
  void send_to(const room& r, const std::shared_ptr<const outbound_frame>& f, bool customers_too);

  store::redis_subscriber& sub_;
  const store::key_layout& keys_;
  std::unordered_map<std::string, room> rooms_;  // by Redis channel
};

// What a customer may see of their conversation (conversation/rules.hpp).
using conversation::customer_may_see;

// Whether an event ends every agent's hold on the conversation (transferred, taken over,
// escalated, queued again or resolved): agents' desks stop following it. Pure.
bool releases_agents(const v1::Event& ev);

// Decodes a conversation channel payload "<seq>\n<timeline id>\n<event bytes>". Pure.
bool decode_published_event(std::string_view payload, std::string_view conversation_id, v1::Event& out);

}  // namespace switchboard::gateway
