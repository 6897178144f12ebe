#include "app/embedded_redis.hpp"

#include <spdlog/spdlog.h>

#include <filesystem>
#include <fstream>

namespace switchboard::app {

namespace {
std::string address_file(const std::string& dir) { return (std::filesystem::path(dir) / "redis.address").string(); }
}  // namespace

std::unique_ptr<embedded_redis> start_embedded(const v1::RedisConfig& redis, const std::string& named) {
  if (!uses_embedded_redis(redis)) return nullptr;
  const auto& cfg = redis.embedded();
  store::redis_process_options o;
  o.binary = cfg.binary();
  o.dir = cfg.data_dir();
  o.appendfsync = cfg.appendfsync();
  o.aof_rewrite_min_mb = cfg.aof_rewrite_min_mb();
  o.start_timeout = std::chrono::milliseconds(cfg.start_timeout_ms());
  auto e = std::make_unique<embedded_redis>(cfg.data_dir(), named, o);
  e->process.start();
  std::ofstream(address_file(cfg.data_dir()), std::ios::trunc)
      << e->process.host() << ":" << e->process.port() << "\n";
  spdlog::info("embedded redis-server on {}:{} data_dir={} appendfsync={}", e->process.host(), e->process.port(),
               cfg.data_dir(), cfg.appendfsync());
  return e;
}

redis_endpoint endpoint_of(const v1::RedisConfig& redis, const embedded_redis* embedded) {
  if (!embedded && !redis.url().empty()) return parse_redis_url(redis.url());
  if (!embedded) return {};  // redis.sentinel: the sentinels name the primary (store/sentinel_lookup.hpp)
  redis_endpoint ep;
  ep.host = embedded->process.host();
  ep.port = embedded->process.port();
  return ep;
}

std::optional<redis_endpoint> running_embedded(const std::string& dir) {
  std::ifstream in(address_file(dir));
  std::string line;
  if (!std::getline(in, line)) return std::nullopt;
  const auto colon = line.rfind(':');
  if (colon == std::string::npos) return std::nullopt;
  redis_endpoint ep;
  ep.host = line.substr(0, colon);
  try {
    ep.port = std::stoi(line.substr(colon + 1));
  } catch (const std::exception&) {
    return std::nullopt;
  }
  return ep;
}

}  // namespace switchboard::app
