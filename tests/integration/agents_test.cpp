#include "store/agents.hpp"

#include <gtest/gtest.h>

#include <set>

#include "tests/support/redis_fixture.hpp"

namespace switchboard::store {
namespace {

using switchboard::testing::redis_fixture;

class Agents : public redis_fixture {
 protected:
  void SetUp() override {
    redis_fixture::SetUp();
    client = connect();
    repo = std::make_unique<agent_repository>(*client, keys, clk);
  }
  void TearDown() override {
    repo.reset();
    client.reset();
    redis_fixture::TearDown();
  }
  static v1::Agent profile(const std::string& id, const std::string& skill) {
    v1::Agent a;
    a.set_id(id);
    a.add_teams("care");
    auto* s = a.add_skills();
    s->set_name(skill);
    s->set_proficiency(3);
    return a;
  }
  // The kinds of the router's agent events so far, in the agent group of `agent`.
  std::vector<std::string> events(const std::string& agent = "ann") {
    std::vector<std::string> out;
    for (const auto& e : raw({"XRANGE", keys.agent_events(keys.agent_group_of(agent)), "-", "+"}).elements) {
      out.push_back(e.elements[1].elements[3].str + ":" + e.elements[1].elements[7].str + ":" +
                    e.elements[1].elements[11].str);
    }
    return out;
  }
  std::unique_ptr<redis_client> client;
  std::unique_ptr<agent_repository> repo;
};

TEST_F(Agents, AnUnknownAgentIsNotFoundAndNothingIsWritten) {
  auto r = await(repo->set_status("ghost", v1::AVAILABLE));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), errc::not_found);
  EXPECT_EQ(raw({"XLEN", keys.agent_events(keys.agent_group_of("ghost"))}).integer, 0);
  EXPECT_EQ(await(repo->get("ghost")).error(), errc::not_found);
}

// The fallback profile of a first connect is kept; a later connect does not overwrite a profile
// set through the API; every change reaches the router's stream in order.
TEST_F(Agents, ConnectStatusAndDropAreRecordedAndStreamed) {
  auto c = await(repo->connected(profile("ann", "support"), "gw1-1"));
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_EQ(c->connections, 1);
  EXPECT_EQ(c->agent.status(), v1::OFFLINE);
  ASSERT_TRUE(await(repo->put_profile(profile("ann", "billing"))));
  auto again = await(repo->connected(profile("ann", "support"), "gw2-1"));
  EXPECT_EQ(again->connections, 2);
  EXPECT_EQ(again->agent.skills(0).name(), "billing");

  auto s = await(repo->set_status("ann", v1::AVAILABLE));
  ASSERT_TRUE(s);
  EXPECT_EQ(s->agent.status(), v1::AVAILABLE);
  EXPECT_GT(s->agent.status_since_ms(), 0);
  EXPECT_EQ(await(repo->dropped("ann", "gw1-1"))->connections, 1);
  EXPECT_EQ(await(repo->dropped("ann", "gw2-1"))->connections, 0);
  EXPECT_EQ(await(repo->dropped("ann", "gw2-1"))->connections, 0);  // a session closes once

  EXPECT_EQ(events(), (std::vector<std::string>{"connect:offline:1", "profile:offline:1", "connect:offline:2",
                                                "status:available:2", "drop:available:1", "drop:available:0",
                                                "drop:available:0"}));
  EXPECT_EQ(raw({"ZCARD", keys.agent_desks("ann")}).integer, 0);
  auto all = await(repo->list());
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ((*all)[0].agent.id(), "ann");
  EXPECT_EQ((*all)[0].agent.status(), v1::AVAILABLE);
}

TEST_F(Agents, AStatusOutsideTheThreeIsRefused) {
  await(repo->connected(profile("ann", "support"), "gw1-1"));
  EXPECT_EQ(await(repo->set_status("ann", v1::AGENT_STATUS_UNSPECIFIED)).error(), errc::bad_input);
}

// A gateway that dies never closes its desks: they expire unless refreshed, and the sweep tells
// the router the agent dropped. Sessions that are refreshed, or of another gateway, stay.
TEST_F(Agents, DeskSessionsOfADeadGatewayExpireAndTheRouterIsTold) {
  manual_clock t(1'800'000'000'000);
  agent_repository short_lived(*client, keys, t, std::chrono::milliseconds(1000));
  ASSERT_TRUE(await(short_lived.connected(profile("ann", "support"), "dead-1")));
  ASSERT_TRUE(await(short_lived.connected(profile("bob", "support"), "alive-1")));
  t.set_unix_ms(1'800'000'000'600);
  ASSERT_TRUE(await(short_lived.refresh({{"bob", "alive-1"}, {"ann", "gone-9"}})));  // gone-9 was never open
  t.set_unix_ms(1'800'000'001'200);  // ann's session expired at +1000; bob's now expires at +1600
  auto swept = await(short_lived.sweep());
  ASSERT_TRUE(swept);
  EXPECT_EQ(*swept, 1);
  EXPECT_EQ(await(short_lived.get("ann"))->connections, 0);
  EXPECT_EQ(await(short_lived.get("bob"))->connections, 1);
  EXPECT_EQ(raw({"ZCARD", keys.agent_desks("ann")}).integer, 0);
  const auto ev = events();
  ASSERT_FALSE(ev.empty());
  EXPECT_EQ(ev.back(), "drop:offline:0");
  EXPECT_EQ(*await(short_lived.sweep()), 0);  // nothing more to expire: no second drop
  // Ann's status history ends with her desk gone, at the sweep's time.
  auto h = await(short_lived.history("ann", 0, 4'000'000'000'000));
  ASSERT_TRUE(h);
  ASSERT_FALSE(h->empty());
  EXPECT_FALSE(h->back().has_desk);
  EXPECT_EQ(h->back().at_ms, 1'800'000'001'200);
}

// Occupancy is computed from this history: one entry per change of the status or of "has a desk".
TEST_F(Agents, TheStatusHistoryKeepsEachChangeOfStatusOrDesk) {
  manual_clock t(1'800'000'000'000);
  agent_repository r(*client, keys, t, std::chrono::seconds(60));
  ASSERT_TRUE(await(r.connected(profile("ann", "support"), "gw-1")));  // offline, with a desk
  t.set_unix_ms(1'800'000'001'000);
  ASSERT_TRUE(await(r.connected(profile("ann", "support"), "gw-2")));  // a second desk: no change
  t.set_unix_ms(1'800'000'002'000);
  ASSERT_TRUE(await(r.set_status("ann", v1::AVAILABLE)));
  t.set_unix_ms(1'800'000'003'000);
  ASSERT_TRUE(await(r.set_status("ann", v1::AVAILABLE)));  // the same: no change
  t.set_unix_ms(1'800'000'004'000);
  ASSERT_TRUE(await(r.set_status("ann", v1::AWAY)));
  t.set_unix_ms(1'800'000'005'000);
  ASSERT_TRUE(await(r.dropped("ann", "gw-1")));  // one desk left: no change
  t.set_unix_ms(1'800'000'006'000);
  ASSERT_TRUE(await(r.dropped("ann", "gw-2")));
  auto h = await(r.history("ann", 0, 4'000'000'000'000));
  ASSERT_TRUE(h);
  std::vector<std::string> got;
  for (const auto& c : *h) {
    got.push_back(std::to_string(c.at_ms - 1'800'000'000'000) + ":" + v1::AgentStatus_Name(c.status) + ":" +
                  (c.has_desk ? "desk" : "none"));
  }
  EXPECT_EQ(got, (std::vector<std::string>{"0:OFFLINE:desk", "2000:AVAILABLE:desk", "4000:AWAY:desk", "6000:AWAY:none"}));
  EXPECT_TRUE(await(r.history("bob", 0, 4'000'000'000'000))->empty());  // nobody: no history
}

// Agents spread over agent groups (a Cluster spreads them over its primaries): presence refreshes
// and the sweep run once per group, and every group's agents are listed.
TEST_F(Agents, AgentsOfEveryGroupAreRefreshedSweptAndListed) {
  manual_clock t(1'800'000'000'000);
  agent_repository r(*client, keys, t, std::chrono::milliseconds(1000));
  std::set<int> groups;
  std::vector<std::pair<std::string, std::string>> alive;
  for (int i = 0; i < 40; ++i) {
    const std::string id = "agent" + std::to_string(i);
    groups.insert(keys.agent_group_of(id));
    ASSERT_TRUE(await(r.connected(profile(id, "support"), "s-" + id)));
    if (i % 2 == 0) alive.emplace_back(id, "s-" + id);
  }
  ASSERT_GT(groups.size(), 8u);
  t.set_unix_ms(1'800'000'000'600);
  ASSERT_TRUE(await(r.refresh(alive)));
  t.set_unix_ms(1'800'000'001'200);  // the odd ones were not refreshed
  EXPECT_EQ(*await(r.sweep()), 20);
  auto all = await(r.list());
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 40u);
  for (const auto& a : *all) {
    const int n = std::stoi(a.agent.id().substr(5));
    EXPECT_EQ(a.connections, n % 2 == 0 ? 1 : 0) << a.agent.id();
  }
  EXPECT_EQ(events("agent1").back(), "drop:offline:0");  // told in the agent's own group
}

// A version before agent groups kept every agent key under {ag}: they move to their group, with
// what they hold, once; a key written since under the new name is kept.
TEST_F(Agents, KeysUnderTheFormerSharedTagMoveToTheirAgentGroups) {
  const std::string old = keys.legacy_agent_prefix();
  raw({"HSET", old + "ann", "profile", profile("ann", "billing").SerializeAsString(), "status", "away",
       "status_since_ms", "1700000000000", "conns", "0"});
  raw({"XADD", old + "ann:hist", "*", "at", "1700000000000", "s", "away", "d", "0"});
  raw({"HSET", old + "ann:cv", "c-1", "x"});
  raw({"HSET", old + "bob", "profile", profile("bob", "support").SerializeAsString(), "status", "offline"});
  raw({"HSET", keys.agent("bob"), "profile", profile("bob", "sales").SerializeAsString(), "status", "available"});
  raw({"SADD", old + "all", "ann", "bob"});
  raw({"XADD", old + "ev", "*", "a", "ann"});
  auto moved = await(repo->adopt_legacy());
  ASSERT_TRUE(moved) << moved.error().message();
  EXPECT_EQ(*moved, 2);
  auto ann = await(repo->get("ann"));
  ASSERT_TRUE(ann);
  EXPECT_EQ(ann->agent.status(), v1::AWAY);
  EXPECT_EQ(ann->agent.skills(0).name(), "billing");
  EXPECT_EQ(raw({"XLEN", keys.agent_history("ann")}).integer, 1);
  EXPECT_EQ(raw({"HGET", keys.agent_conversations("ann"), "c-1"}).str, "x");
  EXPECT_EQ(await(repo->get("bob"))->agent.skills(0).name(), "sales");  // written since: kept
  EXPECT_EQ(await(repo->list())->size(), 2u);
  EXPECT_EQ(raw({"KEYS", old + "*"}).elements.size(), 0u) << "nothing is left under {ag}";
  EXPECT_EQ(*await(repo->adopt_legacy()), 0);  // once
}

}  // namespace
}  // namespace switchboard::store
