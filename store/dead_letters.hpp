#pragma once
// The outbox's dead letters: replies it could not send after its retries (or that the provider
// refused), kept for the leads until one sends the reply again (gateway/outbox_api.hpp) — one per
// reply, "<conversation>:<seq>", newest first. Writes are one script each (store/lua/
// dead_letters.lua): a letter and its place in the order come and go together.
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

struct dead_letter {
  std::string conversation_id;
  std::int64_t seq = 0;       // the reply's message event
  std::string customer_id;
  std::string channel;        // store name: "whatsapp", "sms", ...
  std::int64_t failed_at_ms = 0;
  int attempts = 0;
  std::string reason;         // the provider's words, or why it was not sent
};

struct dead_letter_page {
  std::vector<dead_letter> letters;  // newest first
  std::int64_t total = 0;            // all the letters, not only this page's
};

class dead_letter_repository {
 public:
  dead_letter_repository(redis_client& redis, const key_layout& keys) : redis_(redis), keys_(keys) {}

  // Again for the same reply: replaced (the outbox may record a failure twice).
  boost::asio::awaitable<result<void>> add(dead_letter letter);
  boost::asio::awaitable<result<std::optional<dead_letter>>> find(std::string conversation_id, std::int64_t seq);
  // The newest `limit`, after skipping the newest `offset`.
  boost::asio::awaitable<result<dead_letter_page>> list(std::size_t offset, std::size_t limit);
  // Whether it was there.
  boost::asio::awaitable<result<bool>> remove(std::string conversation_id, std::int64_t seq);

 private:
  redis_client& redis_;
  const key_layout& keys_;
};

// The letter as stored, and back; nullopt if `value` is not one.
std::string encode_dead_letter(const dead_letter& letter);
std::optional<dead_letter> decode_dead_letter(std::string_view member, std::string_view value);

}  // namespace switchboard::store
