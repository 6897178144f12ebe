#include "store/redis_options.hpp"

namespace switchboard::store {

redis_options redis_options::from_config(const v1::RedisConfig& cfg, const redis_endpoint& ep, metrics::registry* metrics) {
  redis_options o;
  o.metrics = metrics;
  o.host = ep.host;
  o.port = ep.port;
  o.db = ep.db;
  o.password = cfg.password().empty() ? ep.password : cfg.password();
  o.command_timeout = std::chrono::milliseconds(cfg.command_timeout_ms());
  o.connect_timeout = std::chrono::milliseconds(cfg.connect_timeout_ms());
  o.reconnect_min = std::chrono::milliseconds(cfg.reconnect_min_ms());
  o.reconnect_max = std::chrono::milliseconds(cfg.reconnect_max_ms());
  o.sentinels = sentinel_endpoints(cfg);
  o.master_name = cfg.sentinel().master_name();
  o.sentinel_password = cfg.sentinel().password();
  o.sentinel_check = std::chrono::milliseconds(cfg.sentinel().check_interval_ms());
  o.cluster_seeds = switchboard::cluster_seeds(cfg);
  o.cluster_refresh = std::chrono::milliseconds(cfg.cluster().refresh_interval_ms());
  return o;
}

redis_options redis_options::acknowledging(const v1::RedisConfig& cfg) const {
  redis_options o = *this;
  o.wait_replicas = cfg.wait_replicas();
  o.wait_timeout = std::chrono::milliseconds(cfg.wait_timeout_ms());
  return o;
}

}  // namespace switchboard::store
