#pragma once
// What an agent (or a lead working as one) does from the desk (docs/PROTOCOL.md): set a status,
// answer an offer (on accept: the customer's whole cross-channel timeline first), reply, note,
// transfer, escalate, resolve, typing and read receipts. Each is one guarded append with an
// idempotency key: only the agent offered answers, only the owner replies, transfers or resolves,
// so a race with the router or another desk is refused whole, never half-written. A reply goes out
// on the channel the customer last wrote from unless the agent picks another of theirs.
//
// Not thread-safe: run on the Redis client's executor.

#include <boost/asio/awaitable.hpp>
#include <optional>
#include <string>
#include <vector>

#include "conversation/context.hpp"
#include "conversation/outcome.hpp"
#include "conversation/principal.hpp"
#include "proto/wire.pb.h"

namespace switchboard::conversation {

class desk_actions {
 public:
  explicit desk_actions(context& ctx) : ctx_(ctx) {}

  boost::asio::awaitable<outcome> set_status(const principal& p, const v1::ClientFrame& f);
  boost::asio::awaitable<outcome> answer_offer(const principal& p, const v1::ClientFrame& f);
  // sendMessage, addNote, transfer, escalate, resolve.
  boost::asio::awaitable<outcome> write(const principal& p, const v1::ClientFrame& f);
  // typing (published) and read (stored once per seq).
  boost::asio::awaitable<outcome> presence(const principal& p, const v1::ClientFrame& f);

  // The AgentState frame of an agent (status, and what they hold or are offered).
  boost::asio::awaitable<v1::ServerFrame> agent_state(const std::string& agent_id, const v1::Agent& a);
  // The profile an agent's first desk registers with: the config's, else one from the token.
  v1::Agent profile_for(const principal& p) const;

 private:
  // Declines the offers an agent has now (they stopped being available); the ones declined.
  boost::asio::awaitable<std::vector<std::string>> withdraw_offers(const std::string& agent_id);
  boost::asio::awaitable<outcome> reply(const principal& p, const v1::ClientFrame& f, const v1::Conversation& conv);
  context& ctx_;
};

// The conversation a staff frame is about ("" for a frame about none).
std::string conversation_of(const v1::ClientFrame& f);
// The conversation if `p` may read it; not_found otherwise (no existence leak).
boost::asio::awaitable<result<v1::Conversation>> readable(context& ctx, const principal& p, std::string conversation_id);
// An Error frame if a transfer or reassign target is not one: both or neither given, an unknown
// queue or agent, or an agent the router would never offer `conv` to (outside its team, or
// without its queue's required skills).
boost::asio::awaitable<std::optional<v1::ServerFrame>> check_target(context& ctx, std::string request_id,
                                                                    std::string to_agent, std::string to_queue,
                                                                    const v1::Conversation& conv);

}  // namespace switchboard::conversation
