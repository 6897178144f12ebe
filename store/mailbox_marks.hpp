#pragma once
// How far Switchboard read each IMAP mailbox (issue 14, point 2; gateway/mailbox_reader.hpp): the
// folder's UIDVALIDITY and the last UID taken from it, one hash per mailbox (keys.hpp, `:mb:`).
// Written after each message is stored, so a restart (or the next gateway to hold the mailbox's
// lease) goes on after it; a message stored whose mark could not be written comes again and is a
// duplicate, stored once (its Message-ID). A new UIDVALIDITY makes every UID before meaningless:
// the reader starts again from the first message, and duplicates are dropped the same way.
// Not thread-safe: run on the redis_client's executor.

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <string>

#include "core/error.hpp"
#include "store/keys.hpp"
#include "store/redis_client.hpp"

namespace switchboard::store {

struct mailbox_mark {
  std::uint64_t uidvalidity = 0;  // 0: never read
  std::uint64_t uid = 0;          // the last UID taken under that UIDVALIDITY
};

class mailbox_mark_repository {
 public:
  mailbox_mark_repository(redis_client& redis, const key_layout& keys) : redis_(redis), keys_(keys) {}

  boost::asio::awaitable<result<mailbox_mark>> get(std::string mailbox);
  boost::asio::awaitable<result<void>> set(std::string mailbox, mailbox_mark mark);

 private:
  redis_client& redis_;
  const key_layout& keys_;
};

}  // namespace switchboard::store
