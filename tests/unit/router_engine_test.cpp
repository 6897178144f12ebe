// The routing engine's core behaviour: offers, answers, capacity, release, explanations, replay.
#include <gtest/gtest.h>

#include "tests/unit/router_test_support.hpp"

namespace switchboard::router {
namespace {

using namespace test;
using strs = std::vector<std::string>;

engine one_queue(v1::Queue q) { return engine(engine_config{{std::move(q)}, 5}); }

TEST(RouterEngine, OffersAQueuedConversationToTheLongestIdleEligibleAgent) {
  auto q = queue("support");
  require(q, "billing", 3);
  auto e = one_queue(q);
  e.update_agent(agent("ann", {{"billing", 4}}), 1000);
  e.update_agent(agent("bob", {{"billing", 5}}), 2000);  // idle for less time
  auto ds = e.queue_conversation(conv("c1", "support", 5000), 5000);
  auto d = the_offer(ds);
  EXPECT_EQ(d.agent_id(), "ann");
  EXPECT_EQ(d.conversation_id(), "c1");
  EXPECT_EQ(d.candidates_considered(), 2);
  EXPECT_EQ(e.conversation_state("c1"), "offered");
  EXPECT_EQ(e.waiting("support"), 0u);
}

TEST(RouterEngine, IdleTimeStartsWhenTheStatusBegan) {
  auto e = one_queue(queue("support"));
  auto ann = agent("ann", {});
  ann.status_since = 500;
  auto bob = agent("bob", {});
  bob.status_since = 100;  // available for longer, though reported later
  e.update_agent(ann, 1000);
  e.update_agent(bob, 2000);
  EXPECT_EQ(the_offer(e.queue_conversation(conv("c1", "support"), 3000)).agent_id(), "bob");
}

TEST(RouterEngine, WaitsWhenNobodyCanTakeItAndOffersWhenSomeoneCan) {
  auto e = one_queue(queue("support"));
  EXPECT_TRUE(e.queue_conversation(conv("c1", "support", 0), 0).empty());
  EXPECT_EQ(e.waiting("support"), 1u);
  auto ds = e.update_agent(agent("ann", {}), 10);
  EXPECT_EQ(the_offer(ds).agent_id(), "ann");
  EXPECT_EQ(e.waiting("support"), 0u);
}

TEST(RouterEngine, UnknownQueueIsRefused) {
  auto e = one_queue(queue("support"));
  bool accepted = true;
  EXPECT_TRUE(e.queue_conversation(conv("c1", "nope", 0), 0, &accepted).empty());
  EXPECT_FALSE(accepted);
  EXPECT_EQ(e.conversation_state("c1"), "");
}

TEST(RouterEngine, OrdersByPriorityThenAge) {
  auto e = one_queue(queue("support"));
  e.queue_conversation(conv("old", "support", 100), 100);
  e.queue_conversation(conv("new-vip", "support", 200, 5), 200);
  e.queue_conversation(conv("older", "support", 50), 300);  // waited longest (queued_at 50)
  EXPECT_EQ(kinds(e.update_agent(agent("ann", {}, {}, 3), 400)),
            (strs{"OFFER:new-vip:ann", "OFFER:older:ann", "OFFER:old:ann"}));
}

TEST(RouterEngine, ChatsCountOneEachUpToTheLimit) {
  auto e = one_queue(queue("support"));
  e.update_agent(agent("ann", {}, {}, 2), 0);
  EXPECT_EQ(the_offer(e.queue_conversation(conv("c1", "support"), 1)).agent_id(), "ann");
  EXPECT_EQ(the_offer(e.queue_conversation(conv("c2", "support"), 2)).agent_id(), "ann");
  EXPECT_TRUE(e.queue_conversation(conv("c3", "support"), 3).empty());
  // Releasing one frees a slot: the waiting one is offered at once.
  EXPECT_EQ(kinds(e.release("c1", 4)), (strs{"OFFER:c3:ann"}));
}

TEST(RouterEngine, AnExclusiveChannelUsesTheWholeAgent) {
  auto e = one_queue(queue("support"));
  auto a = agent("ann", {}, {}, 3);
  v1::ChannelCapacity voice;
  voice.set_channel(v1::CHANNEL_WHATSAPP);
  voice.set_max_concurrent(1);
  voice.set_exclusive(true);
  a.capacity.push_back(voice);
  e.update_agent(a, 0);
  auto ex = conv("x", "support");
  ex.channel = v1::CHANNEL_WHATSAPP;
  EXPECT_EQ(the_offer(e.queue_conversation(ex, 1)).agent_id(), "ann");
  EXPECT_TRUE(e.queue_conversation(conv("chat", "support"), 2).empty());  // busy with the exclusive one
  EXPECT_EQ(kinds(e.release("x", 3)), (strs{"OFFER:chat:ann"}));
  auto ex2 = conv("x2", "support");
  ex2.channel = v1::CHANNEL_WHATSAPP;
  EXPECT_TRUE(e.queue_conversation(ex2, 4).empty());  // has a chat: cannot take an exclusive one
}

TEST(RouterEngine, WeightsLimitTheLoadAcrossChannels) {
  auto e = one_queue(queue("support"));
  auto a = agent("ann", {}, {}, 5);
  a.capacity[0].set_weight(40);
  v1::ChannelCapacity mail;
  mail.set_channel(v1::CHANNEL_EMAIL);
  mail.set_max_concurrent(5);
  mail.set_weight(30);
  a.capacity.push_back(mail);
  e.update_agent(a, 0);
  EXPECT_FALSE(the_offer(e.queue_conversation(conv("w1", "support"), 1)).agent_id().empty());  // 40
  EXPECT_FALSE(the_offer(e.queue_conversation(conv("w2", "support"), 2)).agent_id().empty());  // 80
  auto m = conv("m1", "support");
  m.channel = v1::CHANNEL_EMAIL;
  EXPECT_TRUE(e.queue_conversation(m, 3).empty());  // 80 + 30 > 100
  EXPECT_EQ(kinds(e.release("w1", 4)), (strs{"OFFER:m1:ann"}));  // 40 + 30
}

TEST(RouterEngine, ADeclinedOfferGoesToSomeoneElseAndNeverBack) {
  auto e = one_queue(queue("support"));
  e.update_agent(agent("ann", {}), 0);
  e.update_agent(agent("bob", {}), 1);
  EXPECT_EQ(the_offer(e.queue_conversation(conv("c1", "support"), 2)).agent_id(), "ann");
  auto ds = e.answer_offer("c1", "ann", offer_answer::declined, 3);
  ASSERT_EQ(kinds(ds), (strs{"REQUEUE:c1:ann", "OFFER:c1:bob"}));
  // Bob declines too: nobody left who has not declined; it waits.
  EXPECT_EQ(kinds(e.answer_offer("c1", "bob", offer_answer::declined, 4)), (strs{"REQUEUE:c1:bob"}));
  EXPECT_EQ(e.conversation_state("c1"), "waiting");
  // A new agent gets it; the decliners never do.
  EXPECT_EQ(kinds(e.update_agent(agent("cat", {}), 5)), (strs{"OFFER:c1:cat"}));
}

TEST(RouterEngine, OffersTimeOutAndAnAgentWhoMissesNInARowIsSetAway) {
  auto q = queue("support");
  q.mutable_policy()->set_offer_timeout_seconds(10);
  q.mutable_policy()->set_max_missed_offers(2);
  auto e = one_queue(q);
  e.update_agent(agent("ann", {}), 0);
  e.queue_conversation(conv("c1", "support"), 100);
  EXPECT_EQ(e.next_timer(), 10'100);
  EXPECT_TRUE(e.advance(10'099).empty());
  EXPECT_EQ(kinds(e.advance(10'100)), (strs{"REQUEUE:c1:ann"}));
  e.queue_conversation(conv("c2", "support"), 10'200);
  auto ds = e.advance(20'200);
  EXPECT_EQ(kinds(ds), (strs{"REQUEUE:c2:ann", "SET_AGENT_AWAY:c2:ann"}));
  EXPECT_EQ(e.agent_status("ann"), v1::AWAY);
  // Accepting in time keeps an agent available and resets the count.
  e.update_agent(agent("bob", {}), 20'300);
  EXPECT_EQ(e.conversation_agent("c1"), "bob");
  EXPECT_TRUE(e.answer_offer("c1", "bob", offer_answer::accepted, 20'400).empty());
  EXPECT_EQ(e.conversation_state("c1"), "assigned");
  EXPECT_TRUE(e.advance(100'000).empty());  // its timer was cancelled by the accept
}

TEST(RouterEngine, StaleAnswersChangeNothing) {
  auto e = one_queue(queue("support"));
  e.update_agent(agent("ann", {}), 0);
  e.queue_conversation(conv("c1", "support"), 1);
  EXPECT_TRUE(e.answer_offer("c1", "bob", offer_answer::declined, 2).empty());
  EXPECT_TRUE(e.answer_offer("zz", "ann", offer_answer::accepted, 2).empty());
  EXPECT_EQ(e.conversation_state("c1"), "offered");
}

TEST(RouterEngine, AwayAndOfflineAgentsGetNothing) {
  auto e = one_queue(queue("support"));
  e.update_agent(agent("ann", {}, {}, 1, v1::AWAY), 0);
  e.update_agent(agent("bob", {}, {}, 1, v1::OFFLINE), 0);
  EXPECT_TRUE(e.queue_conversation(conv("c1", "support"), 1).empty());
  EXPECT_EQ(kinds(e.update_agent(agent("bob", {}), 2)), (strs{"OFFER:c1:bob"}));
}

TEST(RouterEngine, ReleaseOfAWaitingConversationRemovesIt) {
  auto e = one_queue(queue("support"));
  e.queue_conversation(conv("c1", "support"), 1);
  EXPECT_EQ(e.waiting_total(), 1u);
  e.release("c1", 2);
  EXPECT_EQ(e.waiting_total(), 0u);
  EXPECT_TRUE(e.update_agent(agent("ann", {}), 3).empty());
}

TEST(RouterEngine, DecisionsExplainEveryReason) {
  auto q = queue("support", v1::LONGEST_IDLE, "blue");
  require(q, "billing", 3);
  auto e = engine(engine_config{{q}, 10});
  e.update_agent(agent("chosen", {{"billing", 4}}, {"blue"}), 0);
  e.update_agent(agent("second", {{"billing", 4}}, {"blue"}), 1);
  e.update_agent(agent("noskill", {{"sales", 5}}, {"blue"}), 2);
  e.update_agent(agent("low", {{"billing", 2}}, {"blue"}), 3);
  e.update_agent(agent("red", {{"billing", 5}}, {"red"}), 4);
  e.update_agent(agent("away", {{"billing", 5}}, {"blue"}, 1, v1::AWAY), 5);
  auto d = the_offer(e.queue_conversation(conv("c", "support", 10), 10));
  EXPECT_EQ(d.agent_id(), "chosen");
  EXPECT_EQ(d.candidates_considered(), 2);
  EXPECT_FALSE(d.agent_id().empty());
  EXPECT_GT(d.score_size(), 0);
  EXPECT_FALSE(d.reason().empty());
  std::map<std::string, v1::RejectReason> why;
  for (const auto& r : d.rejected()) why[r.agent_id()] = r.reason();
  EXPECT_EQ(why["noskill"], v1::SKILL_MISSING);
  EXPECT_EQ(why["low"], v1::PROFICIENCY_TOO_LOW);
  EXPECT_EQ(why["red"], v1::WRONG_TEAM);
  EXPECT_EQ(why["away"], v1::NOT_AVAILABLE);
  EXPECT_EQ(why["second"], v1::LOWER_SCORE);
  for (const auto& r : d.rejected()) {
    if (r.reason() == v1::PROFICIENCY_TOO_LOW) {
      EXPECT_EQ(r.detail(), "billing 2 < 3");
    }
  }
}

TEST(RouterEngine, ExplainsNoCapacityAndDeclinedBefore) {
  auto e = engine(engine_config{{queue("support")}, 10});
  e.update_agent(agent("ann", {}), 0);
  e.update_agent(agent("bob", {}), 1);
  e.update_agent(agent("cat", {}), 2);
  e.queue_conversation(conv("c0", "support"), 3);            // ann is now full
  e.queue_conversation(conv("c1", "support"), 4);            // bob
  auto ds = e.answer_offer("c1", "bob", offer_answer::declined, 5);  // → cat
  auto d = the_offer(ds);
  EXPECT_EQ(d.agent_id(), "cat");
  std::map<std::string, v1::RejectReason> why;
  for (const auto& r : d.rejected()) why[r.agent_id()] = r.reason();
  EXPECT_EQ(why["ann"], v1::NO_CAPACITY);
  EXPECT_EQ(why["bob"], v1::DECLINED_BEFORE);
}

TEST(RouterEngine, TheSameFactsInTheSameOrderGiveTheSameDecisions) {
  auto run = [] {
    auto q = queue("support");
    q.mutable_policy()->set_offer_timeout_seconds(5);
    auto e = one_queue(q);
    std::string log;
    auto keep = [&](const decisions& ds) {
      for (const auto& d : ds) log += d.SerializeAsString();
    };
    for (int i = 0; i < 20; ++i) keep(e.update_agent(agent("a" + std::to_string(i), {}, {}, 2), i));
    for (int i = 0; i < 200; ++i) {
      keep(e.queue_conversation(conv("c" + std::to_string(i), "support", 100 + i, i % 3), 100 + i));
      if (i % 7 == 0) {
        keep(e.answer_offer("c" + std::to_string(i), e.conversation_agent("c" + std::to_string(i)),
                            offer_answer::declined, 100 + i));
      }
      if (i % 5 == 0 && i > 10) keep(e.release("c" + std::to_string(i - 10), 100 + i));
      keep(e.advance(100 + i * 50));
    }
    return log;
  };
  const auto first = run();
  EXPECT_FALSE(first.empty());
  EXPECT_EQ(first, run());
}

}  // namespace
}  // namespace switchboard::router

namespace switchboard::router {
namespace {

using namespace test;

// A router that takes over rebuilds what its predecessor left: held conversations use capacity,
// a restored offer still times out, and what it restores is never offered twice.
// Issue 10.1: the timer of an answered offer must never time out a newer offer, also when the
// conversation (or another) reuses the engine's slot: seen as an escalation offer TIMED_OUT at the
// deadline of the accepted offer before it.
TEST(RouterEngine, AnAnsweredOffersTimerNeverTimesOutANewerOffer) {
  auto general = queue("general");
  general.mutable_policy()->set_offer_timeout_seconds(20);
  auto esc = queue("escalations");
  esc.mutable_policy()->set_offer_timeout_seconds(60);
  engine e(engine_config{{general, esc}, 5});
  e.update_agent(agent("ann", {}, {}, 2), 0);
  e.update_agent(agent("lea", {}, {}, 2), 0);
  ASSERT_EQ(the_offer(e.queue_conversation(conv("c1", "general", 0), 0)).agent_id(), "ann");
  EXPECT_TRUE(e.answer_offer("c1", "ann", offer_answer::accepted, 100).empty());
  // Escalated at once: out of the engine, then waiting in the escalation queue.
  e.release("c1", 200);
  auto d = the_offer(e.queue_conversation(conv("c1", "escalations", 200), 200));
  ASSERT_EQ(d.agent_id(), "lea");
  EXPECT_EQ(d.offer_expires_at_ms(), 60'200);
  EXPECT_TRUE(e.advance(20'000).empty());  // the accepted offer's old deadline
  EXPECT_EQ(e.conversation_state("c1"), "offered");
  EXPECT_EQ(e.next_timer(), 60'200);
  EXPECT_EQ(kinds(e.advance(60'200)), (strs{"REQUEUE:c1:lea", "OFFER:c1:ann"}));
}

// The same across conversations: a slot freed by one and reused by another.
TEST(RouterEngine, AFreedSlotsOldTimerDoesNotTimeOutTheConversationThatReusesIt) {
  auto e = one_queue(queue("support"));  // 30 s offers
  e.update_agent(agent("ann", {}, {}, 2), 0);
  the_offer(e.queue_conversation(conv("c1", "support", 0), 0));
  e.answer_offer("c1", "ann", offer_answer::accepted, 10);
  e.release("c1", 20);
  auto d = the_offer(e.queue_conversation(conv("c2", "support", 5'000), 5'000));
  ASSERT_EQ(d.agent_id(), "ann");
  EXPECT_EQ(d.offer_expires_at_ms(), 35'000);
  EXPECT_TRUE(e.advance(30'000).empty());
  EXPECT_EQ(e.conversation_state("c2"), "offered");
}

TEST(RouterEngineRestore, HeldConversationsUseCapacityAndOffersStillTimeOut) {
  engine e(engine_config{{queue("support")}, 5});
  EXPECT_TRUE(e.restore(conv("held", "support", 100), "ann", false, 0));
  EXPECT_TRUE(e.restore(conv("offered", "support", 200), "bob", true, 5000));
  EXPECT_FALSE(e.restore(conv("held", "support", 100), "bob", false, 0));   // known id
  EXPECT_FALSE(e.restore(conv("x", "nope", 100), "bob", false, 0));         // unknown queue
  EXPECT_EQ(e.conversation_state("held"), "assigned");
  EXPECT_EQ(e.conversation_agent("offered"), "bob");
  // Both agents come online with one chat each: both are full, a new conversation waits.
  e.update_agent(agent("ann", {}), 1000);
  e.update_agent(agent("bob", {}), 1000);
  EXPECT_TRUE(e.queue_conversation(conv("new", "support", 1500), 1500).empty());
  // Bob's restored offer times out at 5000: it goes back to the queue, not to bob again; bob is
  // free and gets the waiting one.
  auto ds = e.advance(5000);
  ASSERT_FALSE(ds.empty());
  EXPECT_EQ(ds.front().kind(), v1::Decision::REQUEUE);
  EXPECT_EQ(e.conversation_agent("new"), "bob");
  EXPECT_EQ(e.conversation_state("offered"), "waiting");
  // Ann's release frees her for the requeued one.
  auto rel = e.release("held", 6000);
  EXPECT_EQ(the_offer(rel).conversation_id(), "offered");
  EXPECT_EQ(the_offer(rel).agent_id(), "ann");
}

}  // namespace
}  // namespace switchboard::router
