#pragma once
// A real three-primary Redis Cluster per test: three redis-server processes on free loopback ports
// (cluster-enabled, each in its own temporary folder), the slots split in three as
// redis-cli --cluster create does, CLUSTER MEET, and a wait (bounded) until every node agrees on
// the whole map. Helpers move a slot between nodes the way redis-cli --cluster reshard does, and
// add a replica for a failover.

#include <chrono>
#include <memory>
#include <optional>
#include <string_view>
#include <utility>
#include <string>
#include <vector>

#include "tests/support/redis_fixture.hpp"

namespace switchboard::testing {

class redis_cluster_fixture : public redis_fixture {
 protected:
  void SetUp() override;
  void TearDown() override;

  // Client options naming the first node as the only seed, with short timeouts; the map is asked
  // again every `refresh` (long: only a redirection teaches the client a move).
  store::redis_options cluster_options(std::chrono::milliseconds refresh = std::chrono::milliseconds(200)) const;
  // A started cluster client with the store's scripts; waits until it is ready.
  std::unique_ptr<store::redis_client> connect_cluster(std::chrono::milliseconds refresh = std::chrono::milliseconds(200));
  // Runs one command on the client and returns its outcome (bounded).
  std::pair<boost::system::error_code, store::reply> run(store::redis_client& c,
                                                         std::initializer_list<std::string_view> args);
  // A synchronous command to node `i` (0..2).
  store::reply raw_at(std::size_t i, std::initializer_list<std::string> args);
  // The node serving `slot` now (by the first live node's CLUSTER SLOTS), and a node id.
  std::size_t owner_of(int slot);
  std::string node_id(std::size_t i);
  // Starts moving `slot` from node `from` to node `to`: IMPORTING/MIGRATING set, keys `moved`
  // copied (MIGRATE); the slot still belongs to `from` (ASK territory).
  void begin_migration(int slot, std::size_t from, std::size_t to, const std::vector<std::string>& moved);
  // Ends it: the slot belongs to `to` on every node (MOVED territory).
  void end_migration(int slot, std::size_t to);
  // Starts one more node as a replica of node `of` and waits (bounded) until it has synced and
  // every node knows it as one (so the primaries can elect it); returns its index in `nodes`.
  std::size_t add_replica(std::size_t of);
  // Waits (bounded) until node `i` is a primary that every other live node's map names.
  void wait_until_primary(std::size_t i, std::chrono::seconds limit = std::chrono::seconds(30));

  std::vector<std::unique_ptr<store::redis_process>> nodes;
  std::vector<std::string> node_dirs;
  std::vector<int> bus_ports;  // each node's cluster bus (--cluster-port)

 private:
  void start_node();  // a cluster-enabled redis-server in a temporary folder, appended to nodes
};

}  // namespace switchboard::testing
