// redis_client against a real three-primary Redis Cluster: routing by slot, scripts on every
// node, MOVED and ASK followed during a slot migration.
#include <gtest/gtest.h>

#include <set>

#include "store/agents.hpp"
#include "store/cluster_slots.hpp"
#include "store/redis_subscriber.hpp"
#include "store/scripts.hpp"
#include "tests/support/redis_cluster_fixture.hpp"

namespace switchboard::store {
namespace {

using boost::system::error_code;
using switchboard::testing::redis_cluster_fixture;
using namespace std::chrono_literals;

class RedisCluster : public redis_cluster_fixture {};

TEST_F(RedisCluster, SendsEachCommandToThePrimaryOfItsSlot) {
  auto c = connect_cluster();
  ASSERT_EQ(c->primaries().size(), 3u);
  EXPECT_TRUE(c->clustered());
  EXPECT_EQ(c->address().rfind("cluster 127.0.0.1:", 0), 0u) << c->address();
  constexpr int n = 60;
  int ok = 0;
  for (int i = 0; i < n; ++i) {
    const std::string key = "k" + std::to_string(i), value = "v" + std::to_string(i);
    c->exec({"SET", key, value}, [&](error_code ec, reply r) { ok += !ec && r.str == "OK"; });
  }
  ASSERT_TRUE(run_until([&] { return ok == n; })) << ok;
  std::set<std::size_t> owners;
  for (int i = 0; i < n; ++i) {
    const std::string key = "k" + std::to_string(i);
    const std::size_t owner = owner_of(key_slot(key));
    owners.insert(owner);
    EXPECT_EQ(raw_at(owner, {"GET", key}).str, "v" + std::to_string(i)) << key << " is not on its slot's primary";
  }
  EXPECT_EQ(owners.size(), 3u) << "the keys should have covered every primary";
}

TEST_F(RedisCluster, RunsScriptsOnEveryNodeAndLoadsThemAgainAfterAFlush) {
  auto c = connect_cluster();
  for (std::size_t i = 0; i < nodes.size(); ++i) raw_at(i, {"SCRIPT", "FLUSH"});
  int raised = 0;
  for (int g = 0; g < 30; ++g) {
    c->eval(scripts::fence(), std::vector<std::string>{"sb:{g" + std::to_string(g) + "}:fence"}, std::vector<std::string>{"7"},
            [&](error_code ec, reply r) { raised += !ec && r.integer == 1; });
  }
  ASSERT_TRUE(run_until([&] { return raised == 30; })) << raised;
}

TEST_F(RedisCluster, AMultiKeyCommandAcrossSlotsIsRefusedAsRedisRefusesIt) {
  auto c = connect_cluster();
  auto [ec, r] = run(*c, {"MGET", "a", "b"});
  EXPECT_EQ(ec, errc::server_error);
  EXPECT_EQ(r.error_code(), "CROSSSLOT");
  auto [same_ec, same] = run(*c, {"MGET", "{t}a", "{t}b"});
  EXPECT_FALSE(same_ec);
}

TEST_F(RedisCluster, FollowsMovedAfterASlotChangedHands) {
  auto c = connect_cluster(std::chrono::minutes(5));  // the map is not asked again on its own
  const int slot = key_slot("moving");
  const std::size_t from = owner_of(slot), to = (from + 1) % 3;
  ASSERT_EQ(run(*c, {"SET", "moving", "before"}).second.str, "OK");
  begin_migration(slot, from, to, {"moving"});
  end_migration(slot, to);
  // The client still thinks `from` has it: `from` answers MOVED, the client goes to `to`.
  auto [ec, got] = run(*c, {"GET", "moving"});
  EXPECT_FALSE(ec) << got.str;
  EXPECT_EQ(got.str, "before");
  ASSERT_EQ(run(*c, {"SET", "moving", "after"}).second.str, "OK");
  EXPECT_EQ(raw_at(to, {"GET", "moving"}).str, "after");
  EXPECT_TRUE(c->ready());
}

TEST_F(RedisCluster, FollowsAskWhileASlotIsMigrating) {
  auto c = connect_cluster(std::chrono::minutes(5));
  const int slot = key_slot("{mig}");
  const std::size_t from = owner_of(slot), to = (from + 1) % 3;
  ASSERT_EQ(run(*c, {"SET", "{mig}a", "1"}).second.str, "OK");
  ASSERT_EQ(run(*c, {"SET", "{mig}b", "2"}).second.str, "OK");
  begin_migration(slot, from, to, {"{mig}a"});
  // {mig}a is on `to` already (ASK), {mig}b still on `from`, a new key goes to `to` (ASK).
  EXPECT_EQ(run(*c, {"GET", "{mig}a"}).second.str, "1");
  EXPECT_EQ(run(*c, {"GET", "{mig}b"}).second.str, "2");
  auto [ec, set] = run(*c, {"SET", "{mig}c", "3"});
  EXPECT_FALSE(ec) << set.str;
  begin_migration(slot, from, to, {"{mig}b"});  // the rest, then the slot itself
  end_migration(slot, to);
  EXPECT_EQ(raw_at(to, {"GET", "{mig}c"}).str, "3");
  EXPECT_EQ(raw_at(to, {"GET", "{mig}b"}).str, "2");
}

TEST_F(RedisCluster, WaitRunsOnThePrimaryOfTheKeyWritten) {
  auto c = connect_cluster();
  std::optional<std::pair<error_code, reply>> out;
  std::array<std::string_view, 3> wait{"WAIT", "0", "100"};
  c->exec_near("somekey", wait, [&](error_code ec, reply r) { out.emplace(ec, std::move(r)); });
  ASSERT_TRUE(run_until([&] { return out.has_value(); }));
  EXPECT_FALSE(out->first) << out->second.str;
  EXPECT_EQ(out->second.integer, 0);  // no replicas here: none acknowledged, none asked for
}

// Agents spread over the primaries (their agent groups' slots), and everything the registry does
// works there: no script or read spans two slots.
TEST_F(RedisCluster, AgentsSpreadOverThePrimariesAndTheRegistryWorksAcrossThem) {
  auto c = connect_cluster();
  agent_repository agents(*c, keys, clk);
  std::set<std::size_t> owners;
  std::vector<std::pair<std::string, std::string>> desks;
  for (int i = 0; i < 24; ++i) {
    const std::string id = "agent" + std::to_string(i);
    v1::Agent a;
    a.set_id(id);
    auto joined = await(agents.connected(a, "desk-" + id));
    ASSERT_TRUE(joined) << id << ": " << joined.error().message();
    const std::size_t owner = owner_of(key_slot(keys.agent(id)));
    owners.insert(owner);
    EXPECT_EQ(raw_at(owner, {"HGET", keys.agent(id), "conns"}).str, "1") << id << " is not on its slot's primary";
    desks.emplace_back(id, "desk-" + id);
  }
  EXPECT_EQ(owners.size(), 3u) << "the agents should have covered every primary";
  ASSERT_TRUE(await(agents.refresh(desks)));
  auto swept = await(agents.sweep());
  ASSERT_TRUE(swept) << swept.error().message();
  EXPECT_EQ(*swept, 0);
  auto all = await(agents.list());
  ASSERT_TRUE(all) << all.error().message();
  EXPECT_EQ(all->size(), 24u);
  EXPECT_TRUE(await(agents.adopt_legacy()));
}

TEST_F(RedisCluster, ShardedChannelsLiveOnTheirSlotsPrimaryAndFollowTheirSlotWhenItMoves) {
  auto c = connect_cluster();
  redis_subscriber sub(ioc.get_executor(), cluster_options(), clk);
  std::vector<std::string> got;
  int resubscribed = 0;
  sub.on_resubscribed([&] { ++resubscribed; });
  std::vector<std::string> rooms;
  std::set<std::size_t> owners;
  for (int i = 0; i < 12; ++i) {
    rooms.push_back("room:" + std::to_string(i));
    owners.insert(owner_of(key_slot(rooms.back())));
    sub.subscribe(rooms.back(), [&](std::string_view ch, std::string_view p) { got.push_back(std::string(ch) + "=" + std::string(p)); });
  }
  ASSERT_EQ(owners.size(), 3u);
  sub.start();
  ASSERT_TRUE(run_until([&] { return sub.ready(); }));
  int heard = 0;
  for (const auto& room : rooms) {
    // SPUBLISH answers how many subscribers the channel has on its shard: ours, on the right node.
    c->exec({"SPUBLISH", room, "hello"}, [&](error_code ec, reply r) { heard += !ec && r.integer == 1; });
  }
  ASSERT_TRUE(run_until([&] { return heard == 12 && got.size() == 12; })) << heard << " " << got.size();
  // Move the first room's slot: its old primary lets the subscription go, the subscriber takes it
  // up on the new one and says so (what was published between is for the owner to read back).
  const int slot = key_slot(rooms[0]);
  const std::size_t from = owner_of(slot), to = (from + 1) % 3;
  const int before = resubscribed;
  begin_migration(slot, from, to, {});
  end_migration(slot, to);
  ASSERT_TRUE(run_until([&] { return resubscribed > before && sub.ready(); }));
  EXPECT_EQ(raw_at(to, {"SPUBLISH", rooms[0], "after"}).integer, 1);
  ASSERT_TRUE(run_until([&] { return got.back() == rooms[0] + "=after"; }));
  sub.stop();
}

}  // namespace
}  // namespace switchboard::store
