#pragma once
// The pub/sub connection, apart from the command connection (a subscribed hiredis connection
// accepts nothing else). Holds the set of channels wanted and subscribes to all of them again
// after every reconnect; a subscription not confirmed within the command timeout replaces the
// connection. Messages published while the connection was down are lost: pub/sub is a doorbell,
// the timeline stream is the truth (ARCHITECTURE §4.5); `on_resubscribed` tells the owner when to
// re-read.
//
// Channels are sharded (SSUBSCRIBE; publishers SPUBLISH): with redis_options::cluster_seeds each
// lives on its slot's primary, a connection per primary that holds one (store/shard_link.hpp), and
// follows its slot when it moves; on a single server they behave as plain channels.
//
// Not thread-safe: call it, and receive its callbacks, on its executor only.

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "store/redis_link.hpp"

namespace switchboard::store {

class redis_subscriber {
 public:
  using message_handler = std::function<void(std::string_view channel, std::string_view payload)>;

  redis_subscriber(boost::asio::any_io_executor ex, redis_options opts, const clock& clk, std::string name = "sub");
  ~redis_subscriber();
  redis_subscriber(const redis_subscriber&) = delete;
  redis_subscriber& operator=(const redis_subscriber&) = delete;

  void start();
  void stop();
  // True when connected and every wanted channel is confirmed.
  bool ready() const noexcept;
  // The single server's connection. Throws std::logic_error with a Cluster.
  redis_link& link();

  // Adds `channel` to the wanted set; `h` gets each message. Replaces an earlier handler.
  void subscribe(const std::string& channel, message_handler h);
  void unsubscribe(const std::string& channel);
  // Whether there is nothing to wait for: Redis has confirmed `channel` (or it is not wanted). If
  // not, `then` runs once Redis has — or when the channel is unsubscribed. Messages published
  // before the confirmation are not delivered: a caller that must not miss one reads the stream
  // after it.
  bool confirmed(const std::string& channel, std::function<void()> then);
  // Called after each connect, or a channel's move to another primary, once every channel wanted is
  // confirmed (not when a channel is only added): the owner reads what was published meanwhile.
  void on_resubscribed(std::function<void()> h);

 private:
  class impl;
  std::shared_ptr<impl> impl_;
};

}  // namespace switchboard::store
