#pragma once
// The replies the outbox sent, by their provider's message id, so that a provider's status
// (delivered, read, failed) finds its conversation: the outbox remembers each sent reply (its
// conversation, customer and seq) for 30 days. The delivery state itself is the conversation's
// field dl:<seq>, moved forward only by the append of each `delivery` event (its guard).
// Not thread-safe: run on the redis_client's executor.

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "proto/model.pb.h"
#include "store/append_request.hpp"
#include "store/keys.hpp"
#include "store/redis_client.hpp"

namespace switchboard::store {

struct sent_reply {
  std::string conversation_id;
  std::string customer_id;
  std::int64_t seq = 0;
};

class delivery_repository {
 public:
  delivery_repository(redis_client& redis, const key_layout& keys) : redis_(redis), keys_(keys) {}

  boost::asio::awaitable<result<void>> remember(v1::Channel channel, std::string provider_message_id, sent_reply r);
  // The reply the outbox sent with this id; nullopt if none (not ours, or forgotten).
  boost::asio::awaitable<result<std::optional<sent_reply>>> find(v1::Channel channel, std::string provider_message_id);

  // A reply sent to `address` at `sent_at_ms`, until a read watermark passes it (30 days at most).
  boost::asio::awaitable<result<void>> remember_unread(v1::Channel channel, std::string address, sent_reply r,
                                                       std::int64_t sent_at_ms);
  // The replies sent to `address` up to `watermark_ms` not known read yet (at most 1000, oldest
  // first); forget_read drops them once their READ is recorded.
  boost::asio::awaitable<result<std::vector<sent_reply>>> unread_up_to(v1::Channel channel, std::string address,
                                                                       std::int64_t watermark_ms);
  boost::asio::awaitable<result<void>> forget_read(v1::Channel channel, std::string address, std::int64_t watermark_ms);

  // The customer's own message with this provider id (while its dedupe record lasts): where it is.
  boost::asio::awaitable<result<std::optional<sent_reply>>> find_received(std::string customer_id, v1::Channel channel,
                                                                          std::string provider_message_id);

 private:
  redis_client& redis_;
  const key_layout& keys_;
};

// The append of a `delivery` event about `r`: to its conversation, deduplicated per state and
// `round` (what makes this attempt unique: the outbox entry, the provider's message id), and
// guarded so that the state only moves forward (SENT < DELIVERED < READ; FAILED from what was not
// yet read; QUEUED, a lead's retry, only from FAILED, and SENT again from there). A state that
// would not move forward is refused (wrong_state) and nothing is written.
append_request delivery_append(const sent_reply& r, v1::Delivery d, std::string actor, std::string_view round);

}  // namespace switchboard::store
