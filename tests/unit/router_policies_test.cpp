// Every routing policy knob, with a manual clock (times are plain milliseconds).
#include <gtest/gtest.h>

#include "tests/unit/router_test_support.hpp"

namespace switchboard::router {
namespace {

using namespace test;
using strs = std::vector<std::string>;

TEST(RouterPolicies, LeastOccupiedPrefersTheLowestLoad) {
  engine e(engine_config{{queue("q", v1::LEAST_OCCUPIED)}, 5});
  auto ann = agent("ann", {}, {}, 3);
  ann.capacity[0].set_weight(30);
  auto bob = ann;
  bob.id = "bob";
  e.update_agent(ann, 0);
  e.update_agent(bob, 1);
  EXPECT_EQ(the_offer(e.queue_conversation(conv("c1", "q"), 2)).agent_id(), "ann");
  EXPECT_EQ(the_offer(e.queue_conversation(conv("c2", "q"), 3)).agent_id(), "bob");
  EXPECT_EQ(the_offer(e.queue_conversation(conv("c3", "q"), 4)).agent_id(), "ann");
}

TEST(RouterPolicies, BestSkillMatchPrefersTheHighestProficiency) {
  auto q = queue("q", v1::BEST_SKILL_MATCH);
  require(q, "billing", 2);
  engine e(engine_config{{q}, 5});
  e.update_agent(agent("novice", {{"billing", 2}}), 0);
  e.update_agent(agent("expert", {{"billing", 5}}), 1);
  e.update_agent(agent("mid", {{"billing", 3}}), 2);
  auto d = the_offer(e.queue_conversation(conv("c1", "q"), 3));
  EXPECT_EQ(d.agent_id(), "expert");
  bool has_skill_score = false;
  for (const auto& s : d.score()) has_skill_score |= s.name() == "skill_match" && s.value() == 5;
  EXPECT_TRUE(has_skill_score);
}

TEST(RouterPolicies, RoundRobinTakesTurns) {
  engine e(engine_config{{queue("q", v1::ROUND_ROBIN)}, 5});
  for (auto id : {"a", "b", "c"}) e.update_agent(agent(id, {}, {}, 5), 0);
  strs got;
  for (int i = 0; i < 6; ++i) got.push_back(the_offer(e.queue_conversation(conv("c" + std::to_string(i), "q"), i)).agent_id());
  EXPECT_EQ(got, (strs{"a", "b", "c", "a", "b", "c"}));
}

TEST(RouterPolicies, PriorityBoostMakesAQueuesConversationsOlder) {
  auto vip = queue("vip");
  vip.mutable_policy()->set_priority_boost_seconds(120);
  engine e(engine_config{{queue("normal"), vip}, 5});
  e.queue_conversation(conv("n", "normal", 0), 0);
  e.queue_conversation(conv("v", "vip", 60'000), 60'000);  // 1 min later, but 2 min boost
  EXPECT_EQ(kinds(e.update_agent(agent("ann", {}, {}, 1), 61'000)), (strs{"OFFER:v:ann"}));
}

TEST(RouterPolicies, BullseyeDropsOptionalSkillsThenLowersProficiencyThenWidensTeams) {
  auto q = queue("q", v1::LONGEST_IDLE, "blue");
  require(q, "billing", 4);
  auto* r1 = q.mutable_policy()->add_relax();
  r1->set_after_seconds(10);
  r1->set_drop_optional_skills(true);
  auto* r2 = q.mutable_policy()->add_relax();
  r2->set_after_seconds(20);
  r2->set_lower_proficiency_by(2);
  auto* r3 = q.mutable_policy()->add_relax();
  r3->set_after_seconds(30);
  r3->set_any_team(true);
  engine e(engine_config{{q}, 5});
  e.update_agent(agent("red-expert", {{"billing", 5}, {"spanish", 5}}, {"red"}), 0);
  e.update_agent(agent("blue-junior", {{"billing", 2}}, {"blue"}), 0);
  e.update_agent(agent("blue-english", {{"billing", 4}}, {"blue"}, 1, v1::AWAY), 0);

  auto c = conv("c1", "q", 0);
  c.optional.push_back({"spanish", 3});
  EXPECT_TRUE(e.queue_conversation(c, 0).empty());
  // After 10 s spanish is dropped: blue-english qualifies but is away.
  EXPECT_TRUE(e.advance(10'000).empty());
  // After 20 s billing 4 becomes 2: blue-junior qualifies.
  auto d = the_offer(e.advance(20'000));
  EXPECT_EQ(d.agent_id(), "blue-junior");
  EXPECT_EQ(d.relax_step(), 2);
  e.answer_offer("c1", "blue-junior", offer_answer::accepted, 20'000);

  // A second conversation: blue-junior is busy; after 30 s any team is fine → red-expert.
  e.queue_conversation(conv("c2", "q", 20'500), 20'500);
  EXPECT_TRUE(e.advance(40'000).empty());  // 19.5 s in: ring 2, still blue only
  EXPECT_EQ(the_offer(e.advance(50'500)).agent_id(), "red-expert");
}

TEST(RouterPolicies, ARelaxStepCanOverflowToAnotherQueue) {
  auto q = queue("first");
  auto* r = q.mutable_policy()->add_relax();
  r->set_after_seconds(60);
  r->set_overflow_queue("second");
  auto second = queue("second");
  require(second, "generalist", 1);
  engine e(engine_config{{q, second}, 5});
  e.queue_conversation(conv("c1", "first", 0), 0);
  auto ds = e.advance(60'000);
  ASSERT_EQ(kinds(ds), (strs{"OVERFLOW:c1:"}));
  EXPECT_EQ(ds[0].queue(), "second");
  EXPECT_EQ(e.waiting("first"), 0u);
  EXPECT_EQ(e.waiting("second"), 1u);
  EXPECT_EQ(kinds(e.update_agent(agent("gen", {{"generalist", 1}}), 61'000)), (strs{"OFFER:c1:gen"}));
}

TEST(RouterPolicies, PreferredAgentIsWaitedForThenOthersGetIt) {
  auto q = queue("q");
  q.mutable_policy()->set_preferred_agent_wait_seconds(30);
  engine e(engine_config{{q}, 5});
  e.update_agent(agent("pref", {}, {}, 1), 0);
  e.update_agent(agent("other", {}, {}, 1), 0);
  e.queue_conversation(conv("busy", "q", 0), 0);  // pref (idle longest, index first) is now busy
  ASSERT_EQ(e.conversation_agent("busy"), "pref");
  e.answer_offer("busy", "pref", offer_answer::accepted, 0);
  auto c = conv("c1", "q", 1000);
  c.preferred_agent = "pref";
  EXPECT_TRUE(e.queue_conversation(c, 1000).empty());  // other is free but not preferred
  // Pref frees up within the wait: they get it.
  auto ds = e.release("busy", 5000);
  auto d = the_offer(ds);
  EXPECT_EQ(d.agent_id(), "pref");
  EXPECT_EQ(d.reason(), "preferred agent pref is free");
  e.answer_offer("c1", "pref", offer_answer::accepted, 5000);

  // Last-agent routing times out: after 30 s someone else gets it.
  auto c2 = conv("c2", "q", 6000);
  c2.last_agent = "pref";
  EXPECT_TRUE(e.queue_conversation(c2, 6000).empty());
  EXPECT_TRUE(e.advance(35'999).empty());
  EXPECT_EQ(kinds(e.advance(36'000)), (strs{"OFFER:c2:other"}));
}

// Issue 10.3: a preferred or last agent still needs the queue's required skills (an escalation
// after a lead's reassign went to the reassigned agent, who lacked the escalation queue's skill).
TEST(RouterPolicies, APreferredOrLastAgentWithoutTheQueuesSkillsIsNotWaitedFor) {
  auto q = queue("escalations");
  require(q, "lead", 1);
  q.mutable_policy()->set_preferred_agent_wait_seconds(60);
  engine e(engine_config{{q}, 5});
  e.update_agent(agent("bob", {}), 0);              // no "lead" skill
  e.update_agent(agent("lea", {{"lead", 5}}), 500);  // idle for less time than bob
  auto c = conv("c1", "escalations", 1000);
  c.preferred_agent = "bob";
  EXPECT_EQ(the_offer(e.queue_conversation(c, 1000)).agent_id(), "lea");
  auto c2 = conv("c2", "escalations", 1000);
  c2.last_agent = "bob";
  e.update_agent(agent("lea", {{"lead", 5}}, {}, 2), 1000);
  EXPECT_EQ(the_offer(e.queue_conversation(c2, 1100)).agent_id(), "lea");
}

TEST(RouterPolicies, AFullQueueOverflows) {
  auto q = queue("small");
  q.mutable_policy()->set_max_queue_length(2);
  q.mutable_policy()->set_overflow_queue("big");
  engine e(engine_config{{q, queue("big")}, 5});
  e.queue_conversation(conv("c1", "small"), 0);
  e.queue_conversation(conv("c2", "small"), 1);
  auto ds = e.queue_conversation(conv("c3", "small"), 2);
  ASSERT_EQ(kinds(ds), (strs{"OVERFLOW:c3:"}));
  EXPECT_EQ(ds[0].queue(), "big");
  EXPECT_EQ(e.waiting("small"), 2u);
  EXPECT_EQ(e.waiting("big"), 1u);
}

TEST(RouterPolicies, AMaximumWaitOverflows) {
  auto q = queue("q");
  q.mutable_policy()->set_max_wait_seconds(120);
  q.mutable_policy()->set_overflow_queue("backup");
  engine e(engine_config{{q, queue("backup")}, 5});
  e.queue_conversation(conv("c1", "q", 0), 0);
  EXPECT_TRUE(e.advance(119'999).empty());
  auto ds = e.advance(120'000);
  ASSERT_EQ(kinds(ds), (strs{"OVERFLOW:c1:"}));
  EXPECT_EQ(e.waiting("backup"), 1u);
}

TEST(RouterPolicies, ConversationSkillsAddToTheQueuesAndTeamsRestrict) {
  auto q = queue("q", v1::LONGEST_IDLE, "blue");
  require(q, "billing", 1);
  engine e(engine_config{{q}, 5});
  e.update_agent(agent("red", {{"billing", 5}, {"german", 5}}, {"red"}), 0);
  e.update_agent(agent("blue", {{"billing", 5}}, {"blue"}), 1);
  auto c = conv("c1", "q");
  c.required.push_back({"german", 3});
  EXPECT_TRUE(e.queue_conversation(c, 2).empty());  // blue lacks german, red is the wrong team
  e.update_agent(agent("blue2", {{"billing", 1}, {"german", 3}}, {"blue"}), 3);
  EXPECT_EQ(e.conversation_agent("c1"), "blue2");
}

}  // namespace
}  // namespace switchboard::router

#include "router/engine/staffing.hpp"

namespace switchboard::router {
namespace {

// The textbook case: 100 chats per half hour, 3 minutes each (10 Erlangs), 80% within 20 s.
TEST(Staffing, ErlangCAgreesWithTheTextbookCase) {
  EXPECT_NEAR(erlang_c(13, 10.0), 0.2853, 1e-4);
  EXPECT_NEAR(service_level(13, 100.0 / 1800, 180, 20), 0.7956, 1e-4);
  EXPECT_NEAR(service_level(14, 100.0 / 1800, 180, 20), 0.8884, 1e-4);
  EXPECT_EQ(agents_needed(100.0 / 1800, 180, 20, 0.8), 14);  // 13 give 79.6%
  EXPECT_EQ(agents_needed(100.0 / 1800, 180, 20, 0.95), 16);
  EXPECT_EQ(agents_needed(0, 180, 20, 0.8), 0);
  EXPECT_DOUBLE_EQ(erlang_c(10, 10.0), 1.0);  // as many agents as Erlangs: the queue never drains
}

// The search carries Erlang B from n - 1 to n; it must find what trying each n by service_level
// finds, up to the thousands of Erlangs a busy queue reaches (10,000 chats in 15 min, 5 min each).
TEST(Staffing, TheIncrementalSearchFindsWhatTryingEachCountFinds) {
  for (double per_second : {0.01, 0.5, 2.0, 11.1}) {
    for (double share : {0.5, 0.8, 0.95}) {
      int naive = 1;
      while (service_level(naive, per_second, 300, 20) < share) ++naive;
      EXPECT_EQ(agents_needed(per_second, 300, 20, share), naive) << per_second << "/s, " << share;
    }
  }
  EXPECT_EQ(agents_needed(11.1, 300, 20, 0.8, 100), 100);  // capped
}

// A chat agent carries several conversations at once (issue 10.7): Erlang C counts the
// simultaneous conversation slots the traffic needs, and agents carrying 3 each fill a third of
// them. The textbook case needs 14 slots: 5 agents of 3 (not 14 agents), 14 agents of 1.
TEST(Staffing, ChatAgentsCarryingThreeConversationsAreAboutAThirdOfTheSlots) {
  const double per_second = 100.0 / 1800;
  ASSERT_EQ(agents_needed(per_second, 180, 20, 0.8), 14);
  EXPECT_EQ(chat_agents_needed(per_second, 180, 20, 0.8, 3.0), 5);   // ceil(14 / 3)
  EXPECT_EQ(chat_agents_needed(per_second, 180, 20, 0.8, 1.0), 14);  // one at a time: the slots
  EXPECT_EQ(chat_agents_needed(per_second, 180, 20, 0.8, 2.5), 6);   // a team's average: ceil(14 / 2.5)
  EXPECT_EQ(chat_agents_needed(per_second, 180, 20, 0.8, 0.0), 14);  // unknown: counted as one each
  EXPECT_EQ(chat_agents_needed(0, 180, 20, 0.8, 3.0), 0);
  // At a busy queue the advice stays within an agent of a third.
  const int slots = agents_needed(2.0, 300, 20, 0.8);
  const int agents = chat_agents_needed(2.0, 300, 20, 0.8, 3.0);
  EXPECT_GE(agents * 3, slots);
  EXPECT_LT((agents - 1) * 3, slots);
}

// One agent's concurrency on a channel is what the engine lets them carry: max_concurrent, fewer
// when the channel's weight fills their 100 units first, one on an exclusive channel, none when
// the channel is not theirs.
TEST(Staffing, AnAgentsConcurrencyIsWhatTheEngineLetsThemCarry) {
  EXPECT_EQ(concurrency_of(3, 0, false), 3);
  EXPECT_EQ(concurrency_of(3, 30, false), 3);
  EXPECT_EQ(concurrency_of(5, 40, false), 2);   // 3 × 40 > 100
  EXPECT_EQ(concurrency_of(4, 0, true), 1);
  EXPECT_EQ(concurrency_of(0, 0, false), 0);
  EXPECT_EQ(concurrency_of(3, 120, false), 0);  // one conversation is more than the agent
}

// The board's advice for a team: agents who carry 3 web chats each need about a third of the
// one-conversation advice; a channel mix weighs each channel by its conversations.
TEST(Staffing, TheBoardsAdviceForATeamOfChatAgentsOfThree) {
  auto agent_with = [](std::vector<std::pair<v1::Channel, int>> caps) {
    v1::Agent a;
    for (const auto& [channel, max] : caps) {
      auto* c = a.add_capacity();
      c->set_channel(channel);
      c->set_max_concurrent(max);
    }
    return a;
  };
  const v1::Agent ann = agent_with({{v1::CHANNEL_WEB, 3}});
  const v1::Agent bob = agent_with({{v1::CHANNEL_WEB, 3}, {v1::CHANNEL_EMAIL, 1}});
  const std::vector<const v1::Agent*> team{&ann, &bob};
  const double threes = team_concurrency(team, {{v1::CHANNEL_WEB, 4}});
  EXPECT_DOUBLE_EQ(threes, 3.0);
  // Nothing known yet: the channels the team takes (web and email), one conversation each.
  EXPECT_DOUBLE_EQ(team_concurrency(team, {}), 1.5);
  EXPECT_EQ(chat_agents_needed(100.0 / 1800, 180, 20, 0.8, threes), 5);  // 14 slots, not 14 agents
  // Half web (3 at once), half email (1): 2 conversations per 1/3 + 1 agents: 1.5.
  EXPECT_DOUBLE_EQ(team_concurrency(team, {{v1::CHANNEL_WEB, 2}, {v1::CHANNEL_EMAIL, 2}}), 1.5);
  EXPECT_DOUBLE_EQ(team_concurrency({}, {{v1::CHANNEL_WEB, 1}}), 1.0);  // nobody takes it: one each
}

}  // namespace
}  // namespace switchboard::router
