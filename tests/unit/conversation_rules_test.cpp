#include "store/conversation_rules.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace switchboard::store {
namespace {

// What the append script receives for an event's effects (store/append_request.hpp encodes them).
struct script_view {
  std::string create_state, transitions, notify, set_once;
  std::vector<std::pair<std::string, std::string>> fields;
};

script_view view(const v1::Event& e) {
  const auto a = encode_append_args(append_request{}, effects_of(e));
  script_view v{a.at(0), a.at(1), a.at(2), a.at(3), {}};
  for (std::size_t i = 7; i + 1 < a.size(); i += 2) v.fields.emplace_back(a[i], a[i + 1]);
  return v;
}

v1::Event message(v1::Direction d) {
  v1::Event e;
  e.mutable_message()->set_direction(d);
  return e;
}

TEST(ConversationRules, ACustomerMessageOpensOrReopensAndNeedsRouting) {
  auto fx = view(message(v1::DIRECTION_INBOUND));
  EXPECT_EQ(fx.create_state, "queued");
  EXPECT_EQ(fx.transitions, "resolved>queued,waiting_customer>assigned");
  EXPECT_EQ(fx.notify, "queued");
}

// A message on a messaging channel carries its channel to the router, and reaches it even when the
// state stays if the conversation is another channel's (append.lua decides '~': a waiting customer
// who writes there from another channel is told their place); the widget's only on a change.
TEST(ConversationRules, ACustomerMessageOnAMessagingChannelIsNotedWithItsChannelWhenItSwitched) {
  auto e = message(v1::DIRECTION_INBOUND);
  e.mutable_message()->set_channel(v1::CHANNEL_WHATSAPP);
  EXPECT_EQ(view(e).notify, "~queued:whatsapp");
  e.mutable_message()->set_channel(v1::CHANNEL_SMS);
  EXPECT_EQ(view(e).notify, "~queued:sms");
  e.mutable_message()->set_channel(v1::CHANNEL_WEB);
  EXPECT_EQ(view(e).notify, "queued");
  e.mutable_message()->set_channel(v1::CHANNEL_EMAIL);
  EXPECT_EQ(view(e).notify, "queued");
}

TEST(ConversationRules, TheRoutersAutomaticMessageOnlyGoesOut) {
  auto e = message(v1::DIRECTION_OUTBOUND);
  e.set_actor("router");
  e.mutable_message()->set_channel(v1::CHANNEL_WHATSAPP);
  auto fx = view(e);
  EXPECT_EQ(fx.set_once, "");  // no first response
  EXPECT_EQ(fx.transitions, "");
  EXPECT_EQ(fx.fields, (std::vector<std::pair<std::string, std::string>>{{">outbox", "whatsapp"}}));  // the turn goes on
  e.set_actor("ann");
  fx = view(e);
  EXPECT_EQ(fx.set_once, "first_response_at_ms");
  EXPECT_EQ(fx.fields, (std::vector<std::pair<std::string, std::string>>{{"-awaiting_reply_since_ms", ""},
                                                                         {">outbox", "whatsapp"}}));
}

// The router must hear that a waiting customer went (it abandons the conversation if they stay
// gone) and came back: a 'turn' note even though the state stays. Without it the router learnt of
// it only from a snapshot when it became the leader (e2e.abandonment passed by that accident).
TEST(ConversationRules, ACustomerGoingOrComingBackNotesTheRouter) {
  for (const bool present : {false, true}) {
    v1::Event e;
    e.mutable_customer_presence()->set_present(present);
    const auto fx = view(e);
    EXPECT_EQ(fx.notify, "!turn") << present;
    EXPECT_EQ(fx.set_once, present ? "" : "^customer_gone_at_ms") << present;
  }
}

TEST(ConversationRules, TheFirstStaffReplySetsFirstResponse) {
  auto fx = view(message(v1::DIRECTION_OUTBOUND));
  EXPECT_EQ(fx.create_state, "");
  EXPECT_EQ(fx.set_once, "first_response_at_ms");
  EXPECT_EQ(fx.transitions, "");
}

TEST(ConversationRules, OffersAndOutcomes) {
  v1::Event offer;
  offer.mutable_offer()->set_agent_id("a1");
  EXPECT_EQ(view(offer).transitions, "queued>offered,escalated>offered");
  EXPECT_EQ(view(offer).set_once, "first_offered_at_ms");

  v1::Event accepted;
  accepted.mutable_offer_outcome()->set_agent_id("a1");
  accepted.mutable_offer_outcome()->set_outcome(v1::OfferOutcome::ACCEPTED);
  auto fx = view(accepted);
  EXPECT_EQ(fx.transitions, "offered>assigned");
  ASSERT_EQ(fx.fields.size(), 1u);
  EXPECT_EQ(fx.fields[0], std::make_pair(std::string("owner_id"), std::string("a1")));
  EXPECT_EQ(fx.notify, "accepted");

  v1::Event declined = accepted;
  declined.mutable_offer_outcome()->set_outcome(v1::OfferOutcome::DECLINED);
  EXPECT_EQ(view(declined).transitions, "offered>queued");
  EXPECT_EQ(view(declined).notify, "declined");
  v1::Event missed = accepted;
  missed.mutable_offer_outcome()->set_outcome(v1::OfferOutcome::TIMED_OUT);
  EXPECT_EQ(view(missed).notify, "timed_out");
}

TEST(ConversationRules, TransferRequeuesToTheTargetQueue) {
  v1::Event t;
  t.mutable_transfer()->set_to_queue("billing");
  auto fx = view(t);
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
  auto fx = view(t);
  EXPECT_NE(std::find(fx.fields.begin(), fx.fields.end(), std::make_pair(std::string("excluded"), std::string("ann"))),
            fx.fields.end());
  v1::Event to_agent;
  to_agent.mutable_transfer()->set_from_id("ann");
  to_agent.mutable_transfer()->set_to_agent_id("bob");
  auto fx2 = view(to_agent);
  EXPECT_NE(std::find(fx2.fields.begin(), fx2.fields.end(), std::make_pair(std::string("excluded"), std::string())),
            fx2.fields.end());
}

TEST(ConversationRules, StatusChangeGoesToItsState) {
  v1::Event s;
  s.mutable_status_change()->set_to(v1::RESOLVED);
  EXPECT_EQ(view(s).transitions, "*>resolved");
  EXPECT_EQ(view(s).notify, "released");
  s.mutable_status_change()->set_to(v1::QUEUED);
  EXPECT_EQ(view(s).notify, "status");
}

TEST(ConversationRules, AnEscalationGoesToTheEscalationQueueUnowned) {
  v1::Event e;
  e.mutable_escalation()->set_agent_id("ann");
  e.mutable_escalation()->set_queue("escalations-care");
  auto fx = view(e);
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
  auto fx = view(e);
  EXPECT_EQ(fx.notify, "!priority");
  EXPECT_TRUE(fx.transitions.empty());
  EXPECT_EQ(fx.fields.back(), std::make_pair(std::string("priority"), std::string("7")));
}

TEST(ConversationRules, OnlyALowRatingTellsTheRouter) {
  v1::Event r;
  r.mutable_rating()->set_score(2);
  EXPECT_EQ(view(r).notify, "!low_csat");
  r.mutable_rating()->set_score(4);
  EXPECT_EQ(view(r).notify, "");
  EXPECT_TRUE(view(r).transitions.empty());
}

TEST(ConversationRules, NotesChangeNothing) {
  v1::Event n;
  n.mutable_note()->set_body("remember");
  auto fx = view(n);
  EXPECT_TRUE(fx.create_state.empty() && fx.transitions.empty() && fx.notify.empty() && fx.fields.empty());
}

// The one place the script's marks and guard syntax are written.
TEST(AppendArgs, FieldOperationsAndGuardsAreEncodedForTheScript) {
  append_request req;
  req.channel = v1::CHANNEL_EMAIL;
  req.guard.require("state", {"assigned", "waiting_customer"}).require("owner_id", "ann");
  req.fields.set("preview", "hi").set_if_created("queue", "care").append_to_list("excluded", "bob");
  req.fields.remove("customer_gone_at_ms").audit("{}");
  v1::Event note;
  note.mutable_note()->set_body("x");
  const auto a = encode_append_args(req, effects_of(note));
  ASSERT_EQ(a.size(), 17u);
  EXPECT_EQ(a[4], "email");
  EXPECT_EQ(a[5], "");  // not a router write
  EXPECT_EQ(a[6], "state=assigned|waiting_customer;owner_id=ann");
  const std::vector<std::string> ops(a.begin() + 7, a.end());
  EXPECT_EQ(ops, (std::vector<std::string>{"preview", "hi", "+queue", "care", "*excluded", "bob",
                                           "-customer_gone_at_ms", "", "!audit", "{}"}));
}

TEST(AppendArgs, NoGuardIsADashAndARouterWriteAddsNoNote) {
  append_request req;
  req.fencing_token = 7;
  const auto a = encode_append_args(req, effects_of(message(v1::DIRECTION_INBOUND)));
  EXPECT_EQ(a[2], "");  // the router knows its own changes
  EXPECT_EQ(a[5], "7");
  EXPECT_EQ(a[6], "-");
}

TEST(AppendArgs, NoteKindNamesRoundTrip) {
  for (int k = v1::RoutingNote::Kind_MIN + 1; k <= v1::RoutingNote::Kind_MAX; ++k) {
    const auto kind = static_cast<v1::RoutingNote::Kind>(k);
    EXPECT_EQ(note_kind_from_name(note_kind_name(kind)), kind) << k;
  }
  EXPECT_EQ(note_kind_from_name("bogus"), v1::RoutingNote::KIND_UNSPECIFIED);
  EXPECT_EQ(note_kind_field(v1::RoutingNote::QUEUED, v1::CHANNEL_TELEGRAM), "queued:telegram");
  EXPECT_EQ(note_kind_field(v1::RoutingNote::QUEUED, v1::CHANNEL_UNSPECIFIED), "queued");
  EXPECT_EQ(split_note_kind_field("queued:telegram"), std::make_pair(v1::RoutingNote::QUEUED, v1::CHANNEL_TELEGRAM));
  EXPECT_EQ(split_note_kind_field("queued"), std::make_pair(v1::RoutingNote::QUEUED, v1::CHANNEL_UNSPECIFIED));
  EXPECT_EQ(split_note_kind_field("queued:pigeon"), std::make_pair(v1::RoutingNote::QUEUED, v1::CHANNEL_UNSPECIFIED));
  EXPECT_EQ(split_note_kind_field("bogus:sms").first, v1::RoutingNote::KIND_UNSPECIFIED);
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
