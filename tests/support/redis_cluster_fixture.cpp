#include "tests/support/redis_cluster_fixture.hpp"

#include <hiredis/hiredis.h>
#include <stdlib.h>

#include <filesystem>
#include <stdexcept>
#include <thread>

#include "store/cluster_slots.hpp"
#include "store/scripts.hpp"

namespace switchboard::testing {

void redis_cluster_fixture::SetUp() {
  redis_fixture::SetUp();  // a plain server too: unused by cluster tests, harmless
  for (int i = 0; i < 3; ++i) start_node();
  const int bounds[4] = {0, 5461, 10923, store::kClusterSlots};
  for (std::size_t i = 0; i < 3; ++i) {
    auto r = raw_at(i, {"CLUSTER", "ADDSLOTSRANGE", std::to_string(bounds[i]), std::to_string(bounds[i + 1] - 1)});
    ASSERT_EQ(r.str, "OK") << r.str;
  }
  for (std::size_t i = 1; i < 3; ++i) {
    auto r = raw_at(0, {"CLUSTER", "MEET", "127.0.0.1", std::to_string(nodes[i]->port()), std::to_string(bus_ports[i])});
    ASSERT_EQ(r.str, "OK") << r.str;
  }
  // Every node must see three primaries covering every slot (gossip takes a moment): bounded poll.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  for (;;) {
    bool agreed = true;
    for (std::size_t i = 0; i < 3 && agreed; ++i) {
      auto info = raw_at(i, {"CLUSTER", "INFO"});
      auto slots = raw_at(i, {"CLUSTER", "SLOTS"});
      agreed = info.str.find("cluster_state:ok") != std::string::npos && slots.elements.size() == 3;
    }
    if (agreed) break;
    ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "the cluster never agreed on its slots";
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // gossip poll, bounded above
  }
}

void redis_cluster_fixture::start_node() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "sb-cluster-XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  node_dirs.push_back(tmpl);
  // Free ports are only free when asked: the same one twice, or one taken by a process another test
  // started meanwhile, makes redis-server exit at start. Fresh ports each time, a few times.
  for (int attempt = 1;; ++attempt) {
    store::redis_process_options o;
    o.dir = tmpl;
    o.port = store::pick_free_port();
    int bus = store::pick_free_port();
    for (int i = 0; i < 10 && bus == o.port; ++i) bus = store::pick_free_port();
    o.extra_args = {"--cluster-enabled", "yes", "--cluster-config-file", tmpl + "/nodes.conf",
                    "--cluster-node-timeout", "1000",
                    // The bus port defaults to port + 10000, past 65535 for a high free port: pick one.
                    "--cluster-port", std::to_string(bus)};
    auto node = std::make_unique<store::redis_process>(o);
    try {
      node->start();
    } catch (const std::runtime_error&) {
      if (attempt == 3) throw;
      node.reset();
      std::error_code ignored;
      std::filesystem::remove(tmpl + "/nodes.conf", ignored);  // written before the ports were taken
      continue;
    }
    bus_ports.push_back(bus);
    nodes.push_back(std::move(node));
    return;
  }
}

std::size_t redis_cluster_fixture::add_replica(std::size_t of) {
  start_node();
  const std::size_t r = nodes.size() - 1;
  const std::string primary = node_id(of), replica = node_id(r);
  EXPECT_EQ(raw_at(0, {"CLUSTER", "MEET", "127.0.0.1", std::to_string(nodes[r]->port()), std::to_string(bus_ports[r])}).str,
            "OK");
  // CLUSTER REPLICATE needs the node to know the primary first (gossip): bounded poll.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  bool replicating = false;
  for (;;) {
    replicating = replicating || raw_at(r, {"CLUSTER", "REPLICATE", primary}).str == "OK";
    bool known = replicating && raw_at(r, {"INFO", "replication"}).str.find("master_link_status:up") != std::string::npos;
    for (std::size_t i = 0; i < r && known; ++i) {
      if (!nodes[i]->running()) continue;
      known = raw_at(i, {"CLUSTER", "NODES"}).str.find(replica + " 127.0.0.1:" + std::to_string(nodes[r]->port())) !=
              std::string::npos;
      known = known && raw_at(i, {"CLUSTER", "NODES"}).str.find("slave " + primary) != std::string::npos;
    }
    if (known) break;
    if (std::chrono::steady_clock::now() > deadline) throw std::runtime_error("the replica never joined");
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // gossip poll, bounded above
  }
  return r;
}

void redis_cluster_fixture::wait_until_primary(std::size_t n, std::chrono::seconds limit) {
  const std::string address = "127.0.0.1:" + std::to_string(nodes[n]->port());
  const auto deadline = std::chrono::steady_clock::now() + limit;
  for (;;) {
    bool agreed = raw_at(n, {"ROLE"}).elements.size() > 0 && raw_at(n, {"ROLE"}).elements[0].str == "master";
    for (std::size_t i = 0; i < nodes.size() && agreed; ++i) {
      if (!nodes[i]->running()) continue;
      auto info = raw_at(i, {"CLUSTER", "INFO"});
      const std::string mine = raw_at(i, {"CLUSTER", "NODES"}).str;
      agreed = info.str.find("cluster_state:ok") != std::string::npos;
      // The node's own line names it "master" (the line holds its address, then its flags).
      const auto at = mine.find(address);
      agreed = agreed && at != std::string::npos && mine.find("master", at) < mine.find('\n', at);
    }
    if (agreed) return;
    if (std::chrono::steady_clock::now() > deadline) throw std::runtime_error("node " + address + " never became a primary");
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // gossip poll, bounded above
  }
}

void redis_cluster_fixture::TearDown() {
  for (auto& n : nodes) n->stop();
  std::error_code ignored;
  for (const auto& d : node_dirs) std::filesystem::remove_all(d, ignored);
  redis_fixture::TearDown();
}

store::redis_options redis_cluster_fixture::cluster_options(std::chrono::milliseconds refresh) const {
  store::redis_options o = options();
  redis_endpoint seed;
  seed.host = "127.0.0.1";
  seed.port = nodes[0]->port();
  o.cluster_seeds = {seed};
  o.cluster_refresh = refresh;
  return o;
}

std::unique_ptr<store::redis_client> redis_cluster_fixture::connect_cluster(std::chrono::milliseconds refresh) {
  auto c = std::make_unique<store::redis_client>(ioc.get_executor(), cluster_options(refresh), clk);
  for (const auto* s : store::scripts::all()) c->add_script(*s);
  c->start();
  EXPECT_TRUE(run_until([&] { return c->ready(); })) << "cluster client never became ready";
  return c;
}

std::pair<boost::system::error_code, store::reply> redis_cluster_fixture::run(
    store::redis_client& c, std::initializer_list<std::string_view> args) {
  std::optional<std::pair<boost::system::error_code, store::reply>> out;
  c.exec(args, [&](boost::system::error_code ec, store::reply r) { out.emplace(ec, std::move(r)); });
  EXPECT_TRUE(run_until([&] { return out.has_value(); }));
  return out.value_or(std::pair<boost::system::error_code, store::reply>{errc::timeout, store::reply{}});
}

store::reply redis_cluster_fixture::raw_at(std::size_t i, std::initializer_list<std::string> args) {
  return command_at(nodes[i]->host(), nodes[i]->port(), args);
}

std::string redis_cluster_fixture::node_id(std::size_t i) { return raw_at(i, {"CLUSTER", "MYID"}).str; }

std::size_t redis_cluster_fixture::owner_of(int slot) {
  std::size_t asked = 0;  // a live node (a test may have killed some)
  while (asked + 1 < nodes.size() && !nodes[asked]->running()) ++asked;
  auto slots = raw_at(asked, {"CLUSTER", "SLOTS"});
  for (const auto& range : slots.elements) {
    if (slot < range.elements[0].integer || slot > range.elements[1].integer) continue;
    for (std::size_t i = 0; i < nodes.size(); ++i) {
      if (range.elements[2].elements[1].integer == nodes[i]->port()) return i;
    }
  }
  return nodes.size();
}

void redis_cluster_fixture::begin_migration(int slot, std::size_t from, std::size_t to,
                                            const std::vector<std::string>& moved) {
  const std::string s = std::to_string(slot);
  ASSERT_EQ(raw_at(to, {"CLUSTER", "SETSLOT", s, "IMPORTING", node_id(from)}).str, "OK");
  ASSERT_EQ(raw_at(from, {"CLUSTER", "SETSLOT", s, "MIGRATING", node_id(to)}).str, "OK");
  for (const auto& key : moved) {
    auto r = raw_at(from, {"MIGRATE", "127.0.0.1", std::to_string(nodes[to]->port()), key, "0", "5000"});
    ASSERT_EQ(r.str, "OK") << key << ": " << r.str;
  }
}

void redis_cluster_fixture::end_migration(int slot, std::size_t to) {
  const std::string s = std::to_string(slot), id = node_id(to);
  // The target first, as redis-cli does: it owns the slot before the source lets go.
  ASSERT_EQ(raw_at(to, {"CLUSTER", "SETSLOT", s, "NODE", id}).str, "OK");
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    if (i == to || !nodes[i]->running()) continue;
    ASSERT_EQ(raw_at(i, {"CLUSTER", "SETSLOT", s, "NODE", id}).str, "OK");
  }
}

}  // namespace switchboard::testing
