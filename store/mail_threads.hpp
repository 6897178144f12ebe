#pragma once
// Email threading's memory per customer (issue 14, point 4): the Message-IDs of the mails a
// customer sent and the subject of each of their mail conversations, so that an answer found by
// its In-Reply-To / References, or (last resort) by "Re: <subject>", joins the conversation it
// answers. Our own replies need no record: their Message-IDs carry the conversation
// (channels/email/reply_address.hpp). One hash per customer on their shard group's slot
// (keys.hpp, `:ml`), kept a year after their last mail. Written after the message is stored:
// a failure there is answered "try again" and the retry (a duplicate) writes it then.
// Not thread-safe: run on the redis_client's executor.

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "store/keys.hpp"
#include "store/redis_client.hpp"

namespace switchboard::store {

struct mail_thread_match {
  std::optional<std::string> by_message_id;  // the conversation of the latest id known
  std::optional<std::string> by_subject;     // the subject's conversation, when its last mail is recent enough
};

class mail_thread_repository {
 public:
  mail_thread_repository(redis_client& redis, const key_layout& keys) : redis_(redis), keys_(keys) {}

  // One read: the conversation of the last of `message_ids` the customer's record knows (a
  // References list is oldest first; the answer is to the newest), and that of `subject_key`
  // (empty: not asked) if its last mail came at `not_before_ms` or later.
  boost::asio::awaitable<result<mail_thread_match>> find(std::string customer_id, std::vector<std::string> message_ids,
                                                         std::string subject_key, std::int64_t not_before_ms);

  // The customer's mail `message_id` (empty: none) went to `conversation_id`, under `subject_key`
  // (empty: none) at `at_ms`. Idempotent.
  boost::asio::awaitable<result<void>> remember(std::string customer_id, std::string conversation_id, std::string message_id,
                                                std::string subject_key, std::int64_t at_ms);

 private:
  redis_client& redis_;
  const key_layout& keys_;
};

}  // namespace switchboard::store
