#pragma once
// Customers' attachments waiting to be fetched into the blob store: one stream entry per
// attachment of a stored message, added by the webhook once the message is stored (and again if
// the provider sends the message again: the record of a fetch is stored once, so a second job
// costs a fetch at most), read by the outbox role's media fetcher with a consumer group.
// Not thread-safe: run on the redis_client's executor.

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <optional>
#include <string>

#include "core/error.hpp"
#include "store/keys.hpp"
#include "store/redis_client.hpp"

namespace switchboard::store {

struct media_job {
  std::string conversation_id;
  std::string customer_id;
  std::int64_t message_seq = 0;
  int index = 0;              // which attachment of the message
  std::string url;            // the provider's reference, as the parser wrote it
  std::string account;        // "provider/id" of channels.accounts
  std::string content_type;   // what the webhook said, if anything
  std::string file_name;
};

boost::asio::awaitable<result<void>> add_media_job(redis_client& redis, const key_layout& keys, media_job job);
// The job a stream entry's fields hold; nothing if they are not one.
std::optional<media_job> read_media_job(const reply& fields);

}  // namespace switchboard::store
