#pragma once
// Where a Redis client connects and how patiently. Built from the config (redis.*) or by tests.

#include <chrono>
#include <string>
#include <vector>

#include "core/config.hpp"

namespace switchboard::metrics {
class registry;
}

namespace switchboard::store {

struct redis_options {
  std::string host = "127.0.0.1";
  int port = 6379;
  std::string password;   // AUTH when non-empty
  int db = 0;             // SELECT when non-zero
  // Redis Sentinel: when set, host and port are asked of these before every connection
  // (SENTINEL get-master-addr-by-name `master_name`), and a connection to anything but a primary
  // is dropped and asked again (store/sentinel_lookup.hpp).
  std::vector<redis_endpoint> sentinels;
  std::string master_name;
  std::string sentinel_password;  // AUTH to the sentinels
  // How often a ready connection asks the sentinels again; it leaves a server they no longer name.
  std::chrono::milliseconds sentinel_check{1000};
  // Redis Cluster: when set, host and port are unused; the slot map is asked of these and each
  // primary gets a connection (store/redis_cluster.hpp), the map asked again every cluster_refresh.
  std::vector<redis_endpoint> cluster_seeds;
  std::chrono::milliseconds cluster_refresh{1000};
  std::chrono::milliseconds command_timeout{2000};
  std::chrono::milliseconds connect_timeout{1000};
  std::chrono::milliseconds reconnect_min{50};
  std::chrono::milliseconds reconnect_max{2000};
  // WAIT for this many replicas after each acknowledged write (timeline_repository::append), at
  // most wait_timeout: the gateway's connection only (acknowledging()); 0: none.
  int wait_replicas = 0;
  std::chrono::milliseconds wait_timeout{200};
  // Where each connection counts its round trips, reconnects and errors (labelled with its name);
  // none: metrics::registry::discard().
  metrics::registry* metrics = nullptr;

  // From the config; `ep` is the parsed redis.url (or the embedded server's address).
  static redis_options from_config(const v1::RedisConfig& cfg, const redis_endpoint& ep,
                                   metrics::registry* metrics = nullptr);
  // These options with redis.wait_replicas and wait_timeout_ms: for the connection whose writes
  // are acknowledged to senders (the gateway's), not the router's or the outbox's, which act on
  // what they wrote.
  redis_options acknowledging(const v1::RedisConfig& cfg) const;
};

}  // namespace switchboard::store
