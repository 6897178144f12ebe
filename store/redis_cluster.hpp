#pragma once
// A Redis Cluster as one command client (redis_client's Cluster mode): the slot map (CLUSTER SLOTS
// asked of a seed, then of any node), a pipelined connection per primary (script_link, scripts
// loaded on each), every command sent to the primary of its routing key's slot
// (store/cluster_slots.hpp), and the cluster's redirections followed:
//   MOVED  the slot lives elsewhere now: the map takes the new owner, the command goes there, and
//          the whole map is asked again soon;
//   ASK    the slot is being migrated and this key is already on the target: ASKING, then the
//          command, on the target, this once;
//   TRYAGAIN  a multi-key command during a migration: sent again after a short pause.
// Each is followed at most kMaxHops times per command. A primary that cannot be reached fails its
// commands (not_connected: the caller's retry) and the map is asked again until the cluster has
// promoted a replica; it is also asked every `cluster_refresh`. A command for a primary met for the
// first time (a MOVED or a new map naming a promoted replica or a new node) waits for its
// connection, up to `command_timeout`, instead of failing: a planned failover or a reshard fails
// nothing. CLUSTERDOWN, and TRYAGAIN, MOVED or ASK beyond kMaxHops, are answered not_connected (not
// run: the caller's retry), with Redis's text in the reply.
//
// Ready means every slot has a primary and every primary's connection is ready.
//
// Not thread-safe: call it, and receive its callbacks, on its executor only (address() is the
// exception).

#include <array>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "store/cluster_slots.hpp"
#include <set>

#include "store/script_link.hpp"

namespace switchboard::store {

class redis_cluster : public std::enable_shared_from_this<redis_cluster> {
 public:
  static constexpr int kMaxHops = 5;

  redis_cluster(boost::asio::any_io_executor ex, redis_options opts, const clock& clk, std::string name);
  redis_cluster(const redis_cluster&) = delete;
  redis_cluster& operator=(const redis_cluster&) = delete;

  void add_script(const redis_script& s) { scripts_.push_back(s); }
  void start();
  void stop();
  bool ready() const noexcept { return ready_; }
  // Called when the cluster becomes ready (state::ready) or stops being so (state::connecting), and
  // on stop(). One observer.
  void on_state_change(redis_link::state_handler h) { state_handler_ = std::move(h); }
  // Called after the slot map changed (a slot moved, a primary replaced). One observer.
  void on_map_change(std::function<void()> h) { map_handler_ = std::move(h); }
  // The primary serving `slot` as far as this client knows; nullopt before the map is known.
  std::optional<redis_endpoint> primary_of(int slot) const;
  // Asks for the slot map again soon (at most ten times a second).
  void refresh_soon();
  // "cluster host:port,host:port,...": the primaries in use. Thread-safe.
  std::string address() const;
  // Connections to a primary made again after one was lost, summed over the primaries.
  std::uint64_t reconnects() const noexcept;
  // The primaries in use, in slot order.
  std::vector<redis_endpoint> primaries() const;
  const boost::asio::any_io_executor& get_executor() const noexcept { return ex_; }

  // Sends argv to the node at `at` as it is (no redirection followed): INFO of each primary.
  void send_at(const redis_endpoint& at, std::shared_ptr<const std::vector<std::string>> argv, reply_handler h);
  // Sends argv to the primary of `slot` (any ready primary when nullopt) and follows redirections.
  void send(std::shared_ptr<const std::vector<std::string>> argv, std::optional<int> slot, reply_handler h);

 private:
  using link_ptr = std::shared_ptr<script_link>;

  link_ptr node_at(const redis_endpoint& at);
  link_ptr any_ready() const;
  void send_to(const link_ptr& node, std::shared_ptr<const std::vector<std::string>> argv, std::optional<int> slot,
               reply_handler h, int hops);
  // What to do with a node's answer: follow a redirection, or hand it to the caller.
  void on_answer(std::shared_ptr<const std::vector<std::string>> argv, std::optional<int> slot, reply_handler h,
                 int hops, boost::system::error_code ec, reply r);
  void refresh();
  void apply(const std::vector<slot_range>& ranges);
  void retire(const std::string& address);
  void node_changed();
  void arm_periodic();
  // Commands for a connection not yet ready for the first time: sent when it is, failed at their
  // deadline or at stop.
  void hold(const link_ptr& node, std::shared_ptr<const std::vector<std::string>> argv, std::optional<int> slot,
            reply_handler h, int hops);
  void release_held();
  void arm_held_timer();

  boost::asio::any_io_executor ex_;
  redis_options opts_;
  const clock& clock_;
  std::string name_;
  std::vector<redis_script> scripts_;
  std::map<std::string, link_ptr> nodes_;  // "host:port" → its connection
  std::vector<link_ptr> slots_;            // slot → its primary's connection (null: unknown)
  boost::asio::steady_timer periodic_;
  boost::asio::steady_timer soon_;
  struct held_command {
    link_ptr node;
    std::shared_ptr<const std::vector<std::string>> argv;
    std::optional<int> slot;
    reply_handler h;
    int hops;
    std::chrono::steady_clock::time_point until;
  };
  std::vector<held_command> held_;
  boost::asio::steady_timer held_timer_;
  std::set<const script_link*> met_;  // connections that have been ready at least once
  std::vector<link_ptr> retired_;     // primaries left, stopped a command timeout later or at stop()
  bool refreshing_ = false;
  bool soon_armed_ = false;
  bool stopped_ = false;
  bool started_ = false;
  bool ready_ = false;
  std::uint64_t retired_reconnects_ = 0;
  redis_link::state_handler state_handler_;
  std::function<void()> map_handler_;
  mutable std::mutex address_mutex_;
  std::string address_;
};

}  // namespace switchboard::store
