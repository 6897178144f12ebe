#include "app/status.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <iomanip>
#include <iostream>
#include <map>
#include <sstream>

#include "app/command_redis.hpp"
#include "core/clock.hpp"
#include "store/keys.hpp"
#include "store/lease.hpp"
#include "store/routing_notes.hpp"

namespace switchboard::app {

namespace asio = boost::asio;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

// "key:value" lines of an INFO section.
std::map<std::string, std::string> info_fields(const std::string& text) {
  std::map<std::string, std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const auto colon = line.find(':');
    if (colon != std::string::npos && line[0] != '#') out[line.substr(0, colon)] = line.substr(colon + 1);
  }
  return out;
}

// "ip=10.0.0.2,port=6380,state=online,offset=5,lag=0" → its fields.
std::map<std::string, std::string> replica_fields(const std::string& value) {
  std::map<std::string, std::string> out;
  std::istringstream in(value);
  std::string pair;
  while (std::getline(in, pair, ',')) {
    const auto eq = pair.find('=');
    if (eq != std::string::npos) out[pair.substr(0, eq)] = pair.substr(eq + 1);
  }
  return out;
}

asio::awaitable<std::string> info(store::redis_client& redis, const redis_endpoint& at, const char* section) {
  auto [ec, r] = co_await redis.async_exec_at(at, store::cmd("INFO", section), use_tuple);
  if (ec) throw std::runtime_error(std::string("INFO ") + section + ": " + (r.str.empty() ? ec.message() : r.str));
  co_return r.str;
}

// One primary (the server, or each primary of a Cluster) and its replicas.
// By value: GCC 12 frees a temporary bound to a coroutine's reference parameter wrongly.
asio::awaitable<void> print_primary(store::redis_client& redis, redis_endpoint at, std::string name,
                                    const v1::RedisConfig& cfg) {
  auto server = info_fields(co_await info(redis, at, "server"));
  auto repl = info_fields(co_await info(redis, at, "replication"));
  const std::string role = repl["role"] == "master" ? "primary" : repl["role"];
  std::cout << "redis    " << name << "  " << role << ", Redis " << server["redis_version"];
  if (cfg.sentinel().addresses_size() > 0) {
    std::cout << ", named by the sentinels as '" << cfg.sentinel().master_name() << "'";
  }
  std::cout << "\n";
  const int replicas = std::atoi(repl["connected_slaves"].c_str());
  for (int i = 0; i < replicas; ++i) {
    auto r = replica_fields(repl["slave" + std::to_string(i)]);
    std::cout << "         replica " << r["ip"] << ":" << r["port"] << "  " << r["state"] << ", lag " << r["lag"] << " s\n";
  }
  if (replicas == 0) std::cout << "         no replicas\n";
}

asio::awaitable<void> print_redis(store::redis_client& redis, const v1::RedisConfig& cfg) {
  if (!redis.clustered()) {
    redis_endpoint server;  // exec_at's target is ignored without a Cluster
    std::string name = redis.address();
    co_await print_primary(redis, server, name, cfg);
    co_return;
  }
  const auto primaries = redis.primaries();
  std::cout << "redis    a Cluster of " << primaries.size() << " primaries\n";
  for (const auto& p : primaries) {
    std::string name = p.host + ":" + std::to_string(p.port);
    co_await print_primary(redis, p, name, cfg);
  }
}

asio::awaitable<void> print_lease(store::redis_client& redis, const store::key_layout& keys) {
  auto h = co_await store::lease::holder(redis, keys, "router");
  if (!h) throw std::runtime_error("cannot read the router lease: " + h.error().message());
  if (h->owner.empty()) {
    std::cout << "router   no router holds the lease (none runs, or one is taking over)\n";
    co_return;
  }
  std::cout << "router   lease held by " << h->owner << ", token " << h->token << ", " << std::fixed
            << std::setprecision(1) << static_cast<double>(h->ttl_ms) / 1000 << " s left to renew it\n";
}

struct depth {
  std::string team;
  int waiting = 0, offered = 0, with_agents = 0;
};

asio::awaitable<void> print_queues(store::redis_client& redis, const store::key_layout& keys, const v1::Config& cfg) {
  std::map<std::string, depth> queues;
  for (const auto& q : cfg.queues()) queues[q.name()].team = q.team();
  for (int g = 0; g < keys.groups(); ++g) {
    auto notes = co_await store::read_routing_snapshot(redis, keys, g);
    if (!notes) throw std::runtime_error("cannot read shard group " + std::to_string(g) + ": " + notes.error().message());
    for (const auto& n : *notes) {
      auto& d = queues[n.queue()];
      if (n.state() == v1::QUEUED || n.state() == v1::ESCALATED) ++d.waiting;
      else if (n.state() == v1::OFFERED) ++d.offered;
      else ++d.with_agents;
    }
  }
  std::cout << "queues   " << std::left << std::setw(24) << "queue" << std::setw(14) << "team" << std::right
            << std::setw(8) << "waiting" << std::setw(9) << "offered" << std::setw(13) << "with agents" << "\n";
  for (const auto& [name, d] : queues) {
    std::cout << "         " << std::left << std::setw(24) << (name.empty() ? "(none)" : name) << std::setw(14)
              << (d.team.empty() ? "-" : d.team) << std::right << std::setw(8) << d.waiting << std::setw(9) << d.offered
              << std::setw(13) << d.with_agents << "\n";
  }
}

}  // namespace

int status(const status_options& o) {
  spdlog::set_level(spdlog::level::warn);  // a command prints its result, not the client's log
  const v1::Config cfg = load_config(o.config_path, process_env());
  command_redis redis(cfg, o.data_dir, "status");
  const store::key_layout keys(cfg.store().key_prefix(), cfg.store().shard_groups());
  redis.run([&]() -> asio::awaitable<void> {
    co_await print_redis(redis.redis(), cfg.redis());
    co_await print_lease(redis.redis(), keys);
    co_await print_queues(redis.redis(), keys, cfg);
  });
  return 0;
}

}  // namespace switchboard::app
