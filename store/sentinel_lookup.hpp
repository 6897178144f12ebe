#pragma once
// Where a Redis primary is, asked of its sentinels (redis_options::sentinels): SENTINEL
// get-master-addr-by-name <master_name>, one sentinel after another from `first`, each given
// connect_timeout + command_timeout to answer; one that cannot, or does not know the name, passes
// the question to the next. redis_link asks before every connection, so a failover is followed.
// Owns one short-lived connection at a time (a redis_client named "sentinel"); no other state.

#include <boost/asio/any_io_executor.hpp>
#include <cstddef>
#include <functional>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "store/redis_options.hpp"

namespace switchboard::store {

// `done` runs once, on `ex`: the primary's address and the index of the sentinel that named it,
// or not_connected when none did. Call on `ex`.
void ask_sentinels(boost::asio::any_io_executor ex, const redis_options& o, const clock& clk, std::size_t first,
                   std::function<void(boost::system::error_code, redis_endpoint, std::size_t)> done);

}  // namespace switchboard::store
