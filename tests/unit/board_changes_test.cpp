// gateway/board_changes: a team's board as what changed since the board before.
#include "gateway/board_changes.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace switchboard::gateway {
namespace {

v1::Board board(std::int64_t at_ms, int tick) {
  v1::Board b;
  b.set_team("care");
  b.set_at_ms(at_ms);
  for (const char* name : {"general", "vip"}) {
    auto* q = b.add_queues();
    q->set_queue(name);
    q->set_waiting(2);
    q->set_oldest_wait_seconds(30 + tick);  // the same wait, a second older each second
    q->set_service_level_today(0.9);
  }
  for (const char* id : {"ana", "ben", "cy"}) {
    auto* a = b.add_agents();
    a->set_agent_id(id);
    a->set_status(v1::AVAILABLE);
    a->set_status_seconds(100 + tick);
    a->add_conversations(std::string(id) + "-c1");
    auto* l = a->add_load();
    l->set_channel(v1::CHANNEL_WEB);
    l->set_conversations(1);
    l->set_capacity(3);
  }
  auto* r = b.add_at_risk();
  r->set_conversation_id("c9");
  r->set_reason("waiting 35 s, target 30 s");
  return b;
}

// The changes of `after` for consoles that were sent `before` whole.
v1::Board board_changes(const v1::Board& before, const v1::Board& after) {
  auto sent = instants_of(before);
  return gateway::board_changes(before, after, sent);
}

std::vector<std::string> ids(const v1::Board& b) {
  std::vector<std::string> out;
  for (const auto& a : b.agents()) out.push_back(a.agent_id());
  return out;
}

TEST(BoardChanges, ASecondPassingIsNoChange) {
  const auto c = board_changes(board(1'000'000, 0), board(1'001'000, 1));
  EXPECT_TRUE(c.changes_only());
  EXPECT_EQ(c.team(), "care");
  EXPECT_EQ(c.at_ms(), 1'001'000);
  EXPECT_EQ(c.queues_size(), 0);
  EXPECT_EQ(c.agents_size(), 0);
  EXPECT_TRUE(c.at_risk_unchanged());
  EXPECT_EQ(c.at_risk_size(), 0);
}

TEST(BoardChanges, ListsWhatChangedAndWhatWentAndAtRiskWhole) {
  auto after = board(1'001'000, 1);
  after.mutable_agents(0)->set_status(v1::AWAY);  // ana
  after.mutable_agents(0)->set_status_seconds(0);
  after.mutable_agents(1)->add_conversations("ben-c2");  // ben: one more conversation
  after.mutable_agents()->DeleteSubrange(2, 1);          // cy logged off the board
  auto* dan = after.add_agents();
  dan->set_agent_id("dan");
  after.mutable_queues(1)->set_waiting(3);  // vip
  after.mutable_at_risk(0)->set_reason("waiting 36 s, target 30 s");
  const auto c = board_changes(board(1'000'000, 0), after);
  EXPECT_EQ(ids(c), (std::vector<std::string>{"ana", "ben", "dan"}));
  ASSERT_EQ(c.removed_agents_size(), 1);
  EXPECT_EQ(c.removed_agents(0), "cy");
  ASSERT_EQ(c.queues_size(), 1);
  EXPECT_EQ(c.queues(0).queue(), "vip");
  EXPECT_EQ(c.queues(0).waiting(), 3);
  EXPECT_EQ(c.removed_queues_size(), 0);
  EXPECT_FALSE(c.at_risk_unchanged());
  ASSERT_EQ(c.at_risk_size(), 1);
  EXPECT_EQ(c.at_risk(0).reason(), "waiting 36 s, target 30 s");
}

TEST(BoardChanges, AWaitThatStartsOrEndsOrAStatusThatRestartsIsAChange) {
  auto before = board(1'000'000, 0);
  auto after = board(1'001'000, 1);
  after.mutable_queues(0)->set_oldest_wait_seconds(0);       // general: nobody waits now
  after.mutable_agents(2)->set_status_seconds(2);           // cy: the same status, begun again
  after.mutable_queues()->DeleteSubrange(1, 1);             // vip: gone from the config
  const auto c = board_changes(before, after);
  ASSERT_EQ(c.queues_size(), 1);
  EXPECT_EQ(c.queues(0).queue(), "general");
  ASSERT_EQ(c.removed_queues_size(), 1);
  EXPECT_EQ(c.removed_queues(0), "vip");
  EXPECT_EQ(ids(c), (std::vector<std::string>{"cy"}));
}

// board_changes compares rows field by field (reflection cost 1.6 ms a board): a field added to
// one of these must be added to its comparison too, or a change in it would never reach a console.
TEST(BoardChanges, ComparesEveryField) {
  EXPECT_EQ(v1::QueueBoard::descriptor()->field_count(), 12) << "compare the new field in same_but_seconds";
  EXPECT_EQ(v1::AgentBoard::descriptor()->field_count(), 6) << "compare the new field in same_but_seconds";
  EXPECT_EQ(v1::ChannelLoad::descriptor()->field_count(), 3) << "compare the new field in same_but_seconds";
}

TEST(BoardChanges, EveryFieldOfARowIsAChange) {
  const auto before = board(1'000'000, 0);
  for (int f = 0; f < 5; ++f) {
    auto after = board(1'000'000, 0);
    auto* a = after.mutable_agents(1);
    if (f == 0) a->set_status_reason("lunch");
    if (f == 1) a->mutable_load(0)->set_capacity(4);
    if (f == 2) a->mutable_load(0)->set_channel(v1::CHANNEL_EMAIL);
    if (f == 3) a->set_conversations(0, "other");
    if (f == 4) a->add_load();
    EXPECT_EQ(ids(board_changes(before, after)), std::vector<std::string>{"ben"}) << f;
  }
  for (int f = 0; f < 4; ++f) {
    auto after = board(1'000'000, 0);
    auto* q = after.mutable_queues(0);
    if (f == 0) q->set_arrivals_per_hour(3);
    if (f == 1) q->set_service_level_target(0.9);
    if (f == 2) q->set_agents_needed(2);
    if (f == 3) q->set_abandoned_today(1);
    EXPECT_EQ(board_changes(before, after).queues_size(), 1) << f;
  }
}

TEST(BoardChanges, SmallMovesOfAnInstantDoNotAddUpUnsent) {
  // An agent whose status began at an unknown time: 0 s on every board, so the instant moves a
  // second a board. Each move is under the slack; from what the consoles were sent, the second is not.
  auto b0 = board(1'000'000, 0), b1 = board(1'001'000, 1), b2 = board(1'002'000, 2);
  for (auto* b : {&b0, &b1, &b2}) b->mutable_agents(0)->set_status_seconds(0);
  auto sent = instants_of(b0);
  EXPECT_EQ(ids(gateway::board_changes(b0, b1, sent)), std::vector<std::string>{});
  EXPECT_EQ(ids(gateway::board_changes(b1, b2, sent)), std::vector<std::string>{"ana"});
  EXPECT_EQ(sent.agents.at("ana"), 1'002'000);
}

TEST(BoardChanges, QueuesWhereNobodyWaitsStayTheSameHoweverFarApartTheBoards) {
  auto before = board(1'000'000, 0), after = board(1'005'000, 0);
  for (auto* b : {&before, &after}) b->mutable_queues(1)->set_oldest_wait_seconds(0);
  after.mutable_queues(0)->set_oldest_wait_seconds(35);  // general: the same wait, 5 s later
  EXPECT_EQ(board_changes(before, after).queues_size(), 0);
}

TEST(BoardChanges, ApplyOnlyToTheSameQueuesInTheSameOrder) {
  const auto before = board(1'000'000, 0);
  EXPECT_TRUE(changes_apply(before, board(1'001'000, 1)));
  auto swapped = board(1'001'000, 1);
  swapped.mutable_queues()->SwapElements(0, 1);
  EXPECT_FALSE(changes_apply(before, swapped));
  auto fewer = board(1'001'000, 1);
  fewer.mutable_queues()->RemoveLast();
  EXPECT_FALSE(changes_apply(before, fewer));
}

}  // namespace
}  // namespace switchboard::gateway
