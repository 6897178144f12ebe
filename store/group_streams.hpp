#pragma once
// A consumer group's reads over many streams (every shard group's routing requests, or its
// outbox) without a command that spans slots, so that it runs alike on one Redis and on a Cluster.
// Each stream is read with its own XREADGROUP, pipelined, and only when there may be something
// new: whoever appends to a stream rings its bell (`<stream>:bell`, SPUBLISH from the same script,
// on the same slot), and the reader listens to every bell (sharded pub/sub: on a Cluster each bell
// stays on its primary). Bells are a doorbell, not the truth: every stream is read again after each
// (re)subscription and every `sweep`, so an entry whose bell was lost waits that long at most; a
// stream that filled a read is read again at once.
//
// Not thread-safe: use it on its client's executor.

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "store/redis_client.hpp"
#include "store/redis_subscriber.hpp"

namespace switchboard::store {

class group_streams {
 public:
  struct options {
    std::string group;     // the consumer group
    std::string consumer;  // this reader's name in it
    std::size_t count = 100;  // entries per stream per read
    std::chrono::milliseconds sweep{1000};
    std::size_t window = 64;  // reads in flight at once
  };

  group_streams(redis_client& redis, const clock& clk, std::vector<std::string> streams, options o, std::string name);
  group_streams(const group_streams&) = delete;
  group_streams& operator=(const group_streams&) = delete;

  // Listens to the bells (a connection of its own); call once, before the first read.
  void start();
  void stop();

  // Waits at most `block` for a bell (or the sweep), then reads what is new ('>') in the streams
  // that need it. The answer has XREADGROUP's shape for many streams: an array of
  // [stream, [[id, fields], ...]] for each stream with entries, or nil. A failure (Redis down, or
  // an error reply such as NOGROUP, in the reply) leaves those streams to be read again.
  boost::asio::awaitable<std::pair<boost::system::error_code, reply>> read(std::chrono::milliseconds block);
  // Ends a read's wait now (the owner has other work, or stops).
  void wake() { wake_.cancel(); }
  // Every stream is read at the next read.
  void ring_all();

  const std::vector<std::string>& streams() const noexcept { return streams_; }
  static std::string bell_of(std::string_view stream) { return std::string(stream) + ":bell"; }

 private:
  bool any_rung() const;
  std::vector<std::size_t> take_rung();

  redis_client& redis_;
  const clock& clock_;
  std::vector<std::string> streams_;
  options opts_;
  std::unordered_map<std::string, std::size_t> index_;  // bell channel → stream
  std::vector<char> rung_;
  bool all_rung_ = true;  // the first read reads everything
  std::chrono::steady_clock::time_point next_sweep_{};
  boost::asio::steady_timer wake_;
  redis_subscriber bells_;
};

}  // namespace switchboard::store
