#pragma once
// The one door every customer's message or action enters by (ARCHITECTURE §4), whatever the
// channel: ingest(Inbound) → the customer of the channel address (found or created) → one append
// (a message, a read receipt, a rating, a leave; typing is published, not stored) → the answer.
// Channel adapters (the widget's WebSocket session today; email and webhooks next) check
// authenticity, size and rate, build the Inbound, and write the answer back their own way.
//
// Not thread-safe: run on the Redis client's executor.

#include <boost/asio/awaitable.hpp>
#include <optional>
#include <string>
#include <utility>

#include "conversation/context.hpp"
#include "conversation/outcome.hpp"
#include "proto/inbound.pb.h"

namespace switchboard::conversation {

class inbox {
 public:
  explicit inbox(context& ctx) : ctx_(ctx) {}

  // `customer_id`: the customer of this address if the adapter already knows it (it skips the
  // identity round trip); the outcome names it either way. Errors (answer.error.code): bad_request,
  // not_found (not their conversation), resolved, not_resolved, retry (Redis: send it again).
  boost::asio::awaitable<outcome> ingest(std::string request_id, v1::Inbound in, std::string customer_id = {});

  // The customer of a channel address, created if there is none.
  boost::asio::awaitable<result<std::string>> customer_of(v1::Channel channel, std::string address);

  // Records that the customer left, came back or disconnected (`why`: "left", "back",
  // "disconnected"; a customerPresence event). Nothing when the conversation is resolved, nor for a
  // disconnect once it is held (wrong_state). Errors are the append's.
  boost::asio::awaitable<result<store::append_result>> presence(std::string customer_id, std::string conversation_id,
                                                                bool present, std::string why);

 private:
  boost::asio::awaitable<outcome> message(const std::string& id, const v1::Inbound& in, const std::string& customer);
  boost::asio::awaitable<outcome> read(const std::string& id, const v1::Inbound& in, const std::string& customer);
  boost::asio::awaitable<outcome> typing(const std::string& id, const v1::Inbound& in, const std::string& customer);
  boost::asio::awaitable<outcome> rate(const std::string& id, const v1::Inbound& in, const std::string& customer);
  boost::asio::awaitable<outcome> leave(const std::string& id, const v1::Inbound& in, const std::string& customer);
  // A customer's message appended: to their current conversation, or (mode current_or_family,
  // answered MERGED) to a waiting one of a customer merged into them; `owner` becomes whose.
  boost::asio::awaitable<result<store::append_result>> append_message(store::append_request req, std::string& owner);
  // A conversation still open of a customer merged into `customer`, when `customer` has none of
  // their own: where their message goes (a customer who writes on another channel while they
  // wait keeps their place, whichever way a lead merged them). {source customer, conversation}.
  boost::asio::awaitable<result<std::optional<std::pair<std::string, std::string>>>> waiting_in_family(const std::string& customer);
  // The customer's own conversation, or not_found (no existence leak).
  boost::asio::awaitable<result<v1::Conversation>> own(const std::string& conversation_id, const std::string& customer);

  context& ctx_;
};

}  // namespace switchboard::conversation
