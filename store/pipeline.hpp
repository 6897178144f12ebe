#pragma once
// Many commands on one client as a pipeline: at most `window` in flight, the next sent as each
// reply comes in, completing when the last reply is in (error replies included, each in its place)
// or with the first failure that is not a reply (Redis down, a timeout). With a Cluster each
// command goes to its own slot's primary; the window counts them all.

#include <boost/asio/awaitable.hpp>

#include <functional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "store/redis_client.hpp"

namespace switchboard::store {

// Sends the i-th command of a pipeline with the given reply handler.
using sender = std::function<void(std::size_t, reply_handler)>;

// `n` commands, each sent by `send`.
boost::asio::awaitable<result<std::vector<reply>>> pipelined(redis_client& redis, std::size_t window, std::size_t n,
                                                              sender send);
// Plain commands (HGETALL, ZRANGE, XREADGROUP, ...).
boost::asio::awaitable<result<std::vector<reply>>> pipelined(redis_client& redis, std::size_t window,
                                                              const std::vector<std::vector<std::string>>& commands);

}  // namespace switchboard::store
