#pragma once
// A Redis lease with a fencing token: the one-active-router rule (ARCHITECTURE §1, §6). A contender
// calls acquire() every TTL/3: while it holds the lease it gets the same token back (renewed);
// when the holder stops renewing, the lease expires and the next acquire() gets a larger token.
// Writes made under a lease carry its token; each shard group keeps a fence (the largest token that
// wrote there), raised by fence() before a new leader writes in the group, and the append script
// refuses a token below it (FENCED). So a stale leader — paused, partitioned, not yet aware it lost
// the lease — can never write after its successor started.
//
// Not thread-safe: run its coroutines on the redis_client's executor.

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <string>

#include "core/error.hpp"
#include "store/keys.hpp"
#include "store/redis_client.hpp"

namespace switchboard::store {

// Who holds a lease now, as read (no contender's view): owner empty when nobody does.
struct lease_holder {
  std::string owner;
  std::uint64_t token = 0;
  std::int64_t ttl_ms = 0;  // left before it expires unless renewed
};

class lease {
 public:
  // Read-only (`switchboard status`): the holder of lease `name`.
  static boost::asio::awaitable<result<lease_holder>> holder(redis_client& redis, const key_layout& keys,
                                                             const std::string& name);

  lease(redis_client& redis, std::string name, std::string owner, std::chrono::milliseconds ttl,
        const key_layout& keys);

  // The fencing token if this owner holds the lease now (acquired or renewed), 0 if another does.
  boost::asio::awaitable<result<std::uint64_t>> acquire();
  // Gives the lease up at once (on shutdown) so that a standby takes over without waiting the TTL.
  boost::asio::awaitable<result<bool>> release();
  // Raises every shard group's fence to `token`. false: a newer leader already fenced a group.
  boost::asio::awaitable<result<bool>> fence(std::uint64_t token);

  const std::string& owner() const { return owner_; }

 private:
  redis_client& redis_;
  std::string key_;
  std::string token_key_;
  std::string legacy_token_key_;  // where the counter was before (key_layout::legacy_lease_token)
  std::string owner_;
  std::chrono::milliseconds ttl_;
  const key_layout& keys_;
};

}  // namespace switchboard::store
