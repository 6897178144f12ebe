#include "store/conversation_rules.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace switchboard::store {
namespace {

v1::Event message(v1::Direction d) {
  v1::Event e;
  e.mutable_message()->set_direction(d);
  return e;
}

TEST(ConversationRules, ACustomerMessageOpensOrReopensAndNeedsRouting) {
  auto fx = effects_of(message(v1::DIRECTION_INBOUND));
  EXPECT_EQ(fx.create_state, "queued");
  EXPECT_EQ(fx.transitions, "resolved>queued,waiting_customer>assigned");
  EXPECT_EQ(fx.notify, "queued");
}

TEST(ConversationRules, TheFirstStaffReplySetsFirstResponse) {
  auto fx = effects_of(message(v1::DIRECTION_OUTBOUND));
  EXPECT_EQ(fx.create_state, "");
  EXPECT_EQ(fx.set_once, "first_response_at_ms");
  EXPECT_EQ(fx.transitions, "");
}

TEST(ConversationRules, OffersAndOutcomes) {
  v1::Event offer;
  offer.mutable_offer()->set_agent_id("a1");
  EXPECT_EQ(effects_of(offer).transitions, "queued>offered,escalated>offered");
  EXPECT_EQ(effects_of(offer).set_once, "first_offered_at_ms");

  v1::Event accepted;
  accepted.mutable_offer_outcome()->set_agent_id("a1");
  accepted.mutable_offer_outcome()->set_outcome(v1::OfferOutcome::ACCEPTED);
  auto fx = effects_of(accepted);
  EXPECT_EQ(fx.transitions, "offered>assigned");
  ASSERT_EQ(fx.fields.size(), 1u);
  EXPECT_EQ(fx.fields[0], std::make_pair(std::string("owner_id"), std::string("a1")));
  EXPECT_EQ(fx.notify, "accepted");

  v1::Event declined = accepted;
  declined.mutable_offer_outcome()->set_outcome(v1::OfferOutcome::DECLINED);
  EXPECT_EQ(effects_of(declined).transitions, "offered>queued");
  EXPECT_EQ(effects_of(declined).notify, "declined");
  v1::Event missed = accepted;
  missed.mutable_offer_outcome()->set_outcome(v1::OfferOutcome::TIMED_OUT);
  EXPECT_EQ(effects_of(missed).notify, "timed_out");
}

TEST(ConversationRules, TransferRequeuesToTheTargetQueue) {
  v1::Event t;
  t.mutable_transfer()->set_to_queue("billing");
  auto fx = effects_of(t);
  EXPECT_EQ(fx.transitions, "*>queued");
  EXPECT_EQ(fx.notify, "transfer");
  EXPECT_EQ(fx.fields.back(), std::make_pair(std::string("queue"), std::string("billing")));
}

// Issue 10.2: a transfer to a queue is routed there anew without the agent who made it; a
// transfer to an agent lets everyone be offered it again (after the named agent's turn).
TEST(ConversationRules, ATransferToAQueueIsNeverOfferedBackToTheTransferringAgent) {
  v1::Event t;
  t.mutable_transfer()->set_from_id("ann");
  t.mutable_transfer()->set_to_queue("general");
  auto fx = effects_of(t);
  EXPECT_NE(std::find(fx.fields.begin(), fx.fields.end(), std::make_pair(std::string("excluded"), std::string("ann"))),
            fx.fields.end());
  v1::Event to_agent;
  to_agent.mutable_transfer()->set_from_id("ann");
  to_agent.mutable_transfer()->set_to_agent_id("bob");
  auto fx2 = effects_of(to_agent);
  EXPECT_NE(std::find(fx2.fields.begin(), fx2.fields.end(), std::make_pair(std::string("excluded"), std::string())),
            fx2.fields.end());
}

TEST(ConversationRules, StatusChangeGoesToItsState) {
  v1::Event s;
  s.mutable_status_change()->set_to(v1::RESOLVED);
  EXPECT_EQ(effects_of(s).transitions, "*>resolved");
  EXPECT_EQ(effects_of(s).notify, "released");
  s.mutable_status_change()->set_to(v1::QUEUED);
  EXPECT_EQ(effects_of(s).notify, "status");
}

TEST(ConversationRules, AnEscalationGoesToTheEscalationQueueUnowned) {
  v1::Event e;
  e.mutable_escalation()->set_agent_id("ann");
  e.mutable_escalation()->set_queue("escalations-care");
  auto fx = effects_of(e);
  EXPECT_EQ(fx.transitions, "*>escalated");
  EXPECT_EQ(fx.notify, "escalated");
  EXPECT_NE(std::find(fx.fields.begin(), fx.fields.end(), std::make_pair(std::string("queue"), std::string("escalations-care"))),
            fx.fields.end());
  EXPECT_NE(std::find(fx.fields.begin(), fx.fields.end(), std::make_pair(std::string("owner_id"), std::string())),
            fx.fields.end());
}

TEST(ConversationRules, APriorityChangeAlwaysTellsTheRouter) {
  v1::Event e;
  e.mutable_priority_change()->set_to(7);
  auto fx = effects_of(e);
  EXPECT_EQ(fx.notify, "!priority");
  EXPECT_TRUE(fx.transitions.empty());
  EXPECT_EQ(fx.fields.back(), std::make_pair(std::string("priority"), std::string("7")));
}

TEST(ConversationRules, OnlyALowRatingTellsTheRouter) {
  v1::Event r;
  r.mutable_rating()->set_score(2);
  EXPECT_EQ(effects_of(r).notify, "!low_csat");
  r.mutable_rating()->set_score(4);
  EXPECT_EQ(effects_of(r).notify, "");
  EXPECT_TRUE(effects_of(r).transitions.empty());
}

TEST(ConversationRules, NotesChangeNothing) {
  v1::Event n;
  n.mutable_note()->set_body("remember");
  auto fx = effects_of(n);
  EXPECT_TRUE(fx.create_state.empty() && fx.transitions.empty() && fx.notify.empty() && fx.fields.empty());
}

TEST(ConversationRules, StateNamesRoundTrip) {
  for (auto s : {v1::QUEUED, v1::OFFERED, v1::ASSIGNED, v1::WRAP_UP, v1::RESOLVED, v1::WAITING_CUSTOMER,
                 v1::ESCALATED}) {
    EXPECT_EQ(state_from_name(state_name(s)), s);
  }
  EXPECT_EQ(state_from_name("bogus"), v1::CONVERSATION_STATE_UNSPECIFIED);
}

}  // namespace
}  // namespace switchboard::store
