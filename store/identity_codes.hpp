#pragma once
// The codes customers prove a phone number or an email address with (ProveIdentity /
// ConfirmIdentity, docs/CHANNELS.md): one pending code per customer, kept as a hash of the code
// (never the code), for ten minutes, with its tries counted; how many were sent per customer (an
// hour), per number or address (a day: so nobody can flood someone's phone or mailbox, or guess at
// one address's codes for long) and by the whole service (an hour: a cap on what SMS can cost). Not thread-safe: run on the redis_client's executor.

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <string>

#include "core/error.hpp"
#include "store/keys.hpp"
#include "store/redis_client.hpp"

namespace switchboard::store {

struct code_check {
  enum class verdict { right, wrong, none, exhausted };
  verdict what = verdict::none;
  std::string address;  // right: the number or email address proved
  int tries_left = 0; // wrong
};

class identity_code_repository {
 public:
  identity_code_repository(redis_client& redis, const key_layout& keys) : redis_(redis), keys_(keys) {}

  // Counts a code for the customer (an hour), for the number (a day) and for the whole service (an
  // hour); false if any is over its limit.
  boost::asio::awaitable<result<bool>> count_send(std::string customer_id, std::string address, int per_customer_hour,
                                                  int per_address_day, int all_hour);
  // Keeps the customer's pending code (replacing any earlier one).
  boost::asio::awaitable<result<void>> keep(std::string customer_id, std::string address, std::string code_hash, int ttl_seconds);
  // Spends one try on `code_hash`; right: the code is gone (it proves once).
  boost::asio::awaitable<result<code_check>> check(std::string customer_id, std::string code_hash, int max_tries);

 private:
  redis_client& redis_;
  const key_layout& keys_;
};

}  // namespace switchboard::store
