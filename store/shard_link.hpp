#pragma once
// One pub/sub connection of redis_subscriber: to the server, or to one primary of a Cluster. It
// holds sharded subscriptions (SSUBSCRIBE: on a Cluster a channel lives on its slot's primary and a
// message crosses no other node; a single server takes them alike), subscribes to all of them again
// after every reconnect, and replaces the connection when one is not confirmed within the command
// timeout.
//
// hiredis 0.14 knows SUBSCRIBE but not SSUBSCRIBE: it takes this connection for a plain one and
// hands each reply to the next callback queued. Every callback queued here is on_reply_cb, and
// one stays queued whenever the server may speak unasked (a message, a slot moved away), so every
// reply reaches it; it tells them apart by their content and matches the answers to our commands
// against the FIFO of those sent (`due`).
//
// Not thread-safe: call it, and receive its callbacks, on its executor only.

#include <deque>
#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "store/redis_link.hpp"

namespace switchboard::store {

class shard_link final : public redis_link {
 public:
  struct events {
    std::function<void(std::string_view channel, std::string_view payload)> message;
    std::function<void(const std::string& channel)> confirmed;
    // The server let go of the channel (its slot moved) or refused it (MOVED): place it again.
    std::function<void(const std::string& channel, std::string_view why)> displaced;
    // A connection was made again; its SSUBSCRIBEs are out (each is confirmed on its own).
    std::function<void()> reconnected;
    // The connection was lost: none of its channels is confirmed now.
    std::function<void()> lost;
  };

  shard_link(boost::asio::any_io_executor ex, redis_options opts, const clock& clk, std::string name, events ev);

  void add(const std::string& channel);
  void remove(const std::string& channel);
  bool holds(std::string_view channel) const { return channels_.contains(channel); }
  bool empty() const noexcept { return channels_.empty(); }
  bool all_confirmed() const;

 protected:
  void on_handshake() override;
  void on_lost() override;
  bool subclass_waiting() const override { return !all_confirmed(); }
  bool subclass_overdue(std::chrono::steady_clock::time_point now) override;

 private:
  using time_point = std::chrono::steady_clock::time_point;

  bool can_send() const;
  void send_subscription(bool subscribe, const std::string& channel);
  void keep_listening();
  void on_reply(const struct redisReply* r);
  static void on_reply_cb(redisAsyncContext* c, void* r, void* priv) noexcept;

  events ev_;
  std::map<std::string, time_point, std::less<>> channels_;  // → deadline of its confirmation ({}: confirmed)
  std::deque<std::string> due_;  // '+channel' / '-channel' of each SSUBSCRIBE / SUNSUBSCRIBE sent
};

}  // namespace switchboard::store
