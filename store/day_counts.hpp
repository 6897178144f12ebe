#pragma once
// Today's counts of each queue, kept by the active router for the leads' boards (answered, in
// service level, abandoned — store/lua/day_count.lua counts each conversation once, so a new
// leader or a re-claimed note counts nothing twice; the reports, computed from the timelines,
// stay the record). One hash per day, kept three days.
//
// Not thread-safe: run on the Redis client's executor.

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "store/keys.hpp"
#include "store/redis_client.hpp"

namespace switchboard::store {

struct day_count {
  std::string queue;
  char kind = 'a';  // 'a' answered, 'm' answered within the service level, 'x' abandoned
  int n = 0;
};

class day_counts {
 public:
  day_counts(redis_client& redis, const key_layout& keys) : redis_(redis), keys_(keys) {}

  // Counts `conversation` of `queue` as answered ('a', `in_time`: within its target) or abandoned
  // ('x') on `day` (Unix ms / 86,400,000), once. Not awaited: the script is pipelined, and
  // `done(true)` runs when this call counted it (false: counted before, or Redis failed).
  void count(std::int64_t day, char kind, std::string conversation, std::string queue, bool in_time,
             std::function<void(bool counted)> done);
  // The counts of `day`.
  boost::asio::awaitable<result<std::vector<day_count>>> load(std::int64_t day);

 private:
  redis_client& redis_;
  const key_layout& keys_;
};

}  // namespace switchboard::store
