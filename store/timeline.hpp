#pragma once
// The timeline repository: the one append path (store/lua/append.lua) and the reads of what it
// wrote — a customer's whole cross-channel timeline in pages (with the timelines of the customers
// merged into them: store/merged_timeline.hpp), a conversation's events after a sequence number,
// a conversation's state. Every call but the timeline read is one round trip.
//
// Not thread-safe: run its coroutines on the redis_client's executor.

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/ids.hpp"
#include "proto/model.pb.h"
#include "store/append_request.hpp"
#include "store/keys.hpp"
#include "store/redis_client.hpp"

namespace switchboard::store {

struct append_result {
  std::string conversation_id;
  std::int64_t seq = 0;
  std::string timeline_id;          // the stream entry id
  v1::ConversationState state = v1::CONVERSATION_STATE_UNSPECIFIED;
  bool duplicate = false;           // the idempotency key was seen: nothing was stored
  bool created = false;             // a new conversation was opened
};

struct timeline_page {
  std::vector<v1::Event> events;    // in timeline order, with conversation_id and seq filled
  std::string next_after;           // pass as `after` for the next page; empty at the end (a cursor:
                                    // store/merged_timeline.hpp)
};

class timeline_repository {
 public:
  timeline_repository(redis_client& redis, const key_layout& keys, id_generator& ids, const clock& clk,
                      const v1::StoreConfig& cfg);

  // Appends one event (ARCHITECTURE §4.3). Errors: bad_input (nothing to append), not_found (no
  // such conversation for this customer), conflict (open_new with an id in use), fenced (a router
  // write under a lease token older than the group's fence), wrong_state (the guard does not
  // hold), and the client's
  // retryable errors; in every error case nothing was written — but for not_replicated (the
  // client's redis.wait_replicas not reached in time) and disconnected, after which the write may
  // be stored: sent again with its idempotency key, it is kept once.
  boost::asio::awaitable<result<append_result>> append(append_request req);

  // Up to `count` timeline events after the cursor `after` ("" = from the start): the customer's
  // and those of every customer merged into them while the merge stands, in time order
  // (store/merged_timeline.hpp). bad_input for a malformed cursor.
  boost::asio::awaitable<result<timeline_page>> read_timeline(std::string customer_id, std::string after,
                                                              std::size_t count);

  // Up to `count` events of a conversation with seq > after_seq, in order.
  boost::asio::awaitable<result<std::vector<v1::Event>>> read_conversation(std::string conversation_id,
                                                                           std::int64_t after_seq,
                                                                           std::size_t count);

  // Whether staff may read a customer's timeline (GET /v1/customers/{id}/timeline): true when the
  // customer has or had a conversation of one of `teams`, or `staff_id` owned one of their
  // conversations at some point (the customer_readers set the append script keeps). One
  // SMISMEMBER; false for an unknown customer, and without a round trip when nothing is asked.
  boost::asio::awaitable<result<bool>> may_read_customer(std::string customer_id, std::string staff_id,
                                                         std::vector<std::string> teams);
  // Whether the customer has a record (one EXISTS).
  boost::asio::awaitable<result<bool>> customer_exists(std::string customer_id);
  // The customer's unresolved conversation, if any ("" if none; one HGET).
  boost::asio::awaitable<result<std::string>> open_conversation(std::string customer_id);

  // A conversation's state; not_found if there is none.
  boost::asio::awaitable<result<v1::Conversation>> conversation(std::string conversation_id);

  // Publishes an event that is not stored (typing) on the conversation's channel, with seq 0:
  // "0\n-\n<event bytes>". Live listeners get it; nobody can resume it.
  boost::asio::awaitable<result<void>> publish_ephemeral(std::string conversation_id, v1::Event ev);
  // Publishes a ServerFrame (bytes) that is not an event (a queue position) on the conversation's
  // channel: "F\n<frame bytes>". Its live listeners get it as it is.
  boost::asio::awaitable<result<void>> publish_frame(std::string conversation_id, std::string frame_bytes);

  // The clock events are stamped with.
  const clock& time() const noexcept { return clock_; }

 private:
  boost::asio::awaitable<result<void>> on_replicas(std::string written);
  redis_client& redis_;
  const key_layout& keys_;
  id_generator& ids_;
  const clock& clock_;
  std::string dedupe_ttl_s_;
  std::string reopen_window_ms_;
};

// Decodes one XRANGE entry {id, {c, cid, s, seq, e, bytes}} into an event. Pure.
result<v1::Event> decode_timeline_entry(const reply& entry);
// Decodes a conversation hash (HGETALL's reply); not_found when it is empty. Pure.
result<v1::Conversation> decode_conversation_hash(const reply& r);

}  // namespace switchboard::store
