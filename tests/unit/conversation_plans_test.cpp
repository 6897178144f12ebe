// What the desk's writes and the leads' actions would append (conversation/plans.hpp): plain
// frames in, the append request (event, guard, idempotency key, audit) or the refusal out.
#include "conversation/plans.hpp"

#include <gtest/gtest.h>

#include "store/idempotency.hpp"

namespace switchboard::conversation {
namespace {

principal who(role r, const std::string& sub) {
  principal p;
  p.who = r;
  p.subject = sub;
  p.teams = {"care"};
  return p;
}

v1::Conversation held_by(const std::string& owner) {
  v1::Conversation c;
  c.set_id("cv1");
  c.set_customer_id("cu1");
  c.set_team("care");
  c.set_owner_id(owner);
  c.set_channel(v1::CHANNEL_WEB);
  c.set_last_channel(v1::CHANNEL_WHATSAPP);
  c.set_priority(1);
  return c;
}

std::string guard_text(const store::append_guard& g) {
  std::string out;
  for (const auto& c : g.clauses()) {
    out += c.field + "=";
    for (const auto& v : c.allowed) out += v + "|";
    out += ";";
  }
  return out;
}

std::vector<v1::Queue> queues(std::vector<std::string> names) {
  std::vector<v1::Queue> out;
  for (auto& n : names) out.emplace_back().set_name(n);
  return out;
}

TEST(DeskPlans, ANoteIsInternalKeyedByTheDesksActionIdAndNeedsABody) {
  v1::ClientFrame f;
  f.set_action_id("a1");
  f.mutable_add_note()->set_body("vip");
  auto w = plan_desk_write(who(role::agent, "ann"), f, held_by("bob"), {});
  ASSERT_FALSE(w.refused);
  EXPECT_EQ(w.req.event.note().direction(), v1::DIRECTION_INTERNAL);
  EXPECT_EQ(w.req.event.actor(), "ann");
  EXPECT_EQ(w.req.idempotency_key, store::idempotency::staff_action("ann", "note", "a1"));
  EXPECT_TRUE(w.req.guard.empty());  // anyone of the team may note
  EXPECT_FALSE(w.leaves);
  f.mutable_add_note()->set_body("");
  EXPECT_EQ(plan_desk_write(who(role::agent, "ann"), f, held_by("bob"), {}).refused->error().code(), "bad_request");
}

TEST(DeskPlans, OnlyTheOwnerResolvesAndTheDeskLeaves) {
  v1::ClientFrame f;
  f.mutable_resolve();
  auto w = plan_desk_write(who(role::agent, "ann"), f, held_by("ann"), {});
  ASSERT_FALSE(w.refused);
  EXPECT_EQ(w.req.event.status_change().to(), v1::RESOLVED);
  EXPECT_EQ(w.req.event.status_change().disposition(), "solved");
  EXPECT_EQ(guard_text(w.req.guard), "owner_id=ann|;");
  EXPECT_TRUE(w.leaves);
  EXPECT_TRUE(w.req.fields.empty());  // an agent's resolve is not audited
  auto lead = plan_desk_write(who(role::lead, "lee"), f, held_by("lee"), {});
  ASSERT_EQ(lead.req.fields.ops().size(), 1u);
  EXPECT_EQ(lead.req.fields.ops()[0].op, store::field_op::kind::audit);
}

TEST(DeskPlans, AnEscalationNeedsItsTeamsEscalationQueue) {
  v1::ClientFrame f;
  f.mutable_escalate()->set_reason("angry");
  auto none = plan_desk_write(who(role::agent, "ann"), f, held_by("ann"), queues({"care"}));
  ASSERT_TRUE(none.refused);
  EXPECT_EQ(none.refused->error().code(), "no_escalation_queue");
  auto w = plan_desk_write(who(role::agent, "ann"), f, held_by("ann"), queues({"care", "escalations-care"}));
  ASSERT_FALSE(w.refused);
  EXPECT_EQ(w.req.event.escalation().queue(), "escalations-care");
  EXPECT_EQ(guard_text(w.req.guard), "owner_id=ann|;state=assigned|waiting_customer|wrap_up|;");
}

TEST(DeskPlans, ATransferToYourselfIsRefusedAndAnyOtherPrefersItsTarget) {
  v1::ClientFrame f;
  f.mutable_transfer()->set_to_agent_id("ann");
  EXPECT_TRUE(plan_desk_write(who(role::agent, "ann"), f, held_by("ann"), {}).refused);
  f.mutable_transfer()->set_to_agent_id("bob");
  auto w = plan_desk_write(who(role::agent, "ann"), f, held_by("ann"), {});
  ASSERT_FALSE(w.refused);
  const std::vector<store::field_op> want{{store::field_op::kind::set, "preferred_agent", "bob"},
                                          {store::field_op::kind::set, "last_owner", "ann"}};
  EXPECT_EQ(w.req.fields.ops(), want);
  EXPECT_TRUE(w.leaves);
}

TEST(LeadPlans, ABargeInGoesToTheCustomerWhereTheyLastWroteAndJoins) {
  v1::ClientFrame f;
  f.mutable_barge()->mutable_message()->set_body("Hello, I am the lead");
  f.mutable_barge()->mutable_message()->set_client_message_id("b1");
  auto a = plan_lead_action(who(role::lead, "lee"), f, held_by("ann"));
  ASSERT_FALSE(a.refused);
  EXPECT_EQ(a.req.event.message().direction(), v1::DIRECTION_OUTBOUND);
  EXPECT_EQ(a.req.event.message().channel(), v1::CHANNEL_WHATSAPP);
  EXPECT_EQ(a.what, "barge");
  EXPECT_TRUE(a.join);
  f.mutable_barge()->mutable_message()->clear_client_message_id();
  EXPECT_TRUE(plan_lead_action(who(role::lead, "lee"), f, held_by("ann")).refused);
}

TEST(LeadPlans, TakeOverPriorityMonitorAndWhisper) {
  v1::ClientFrame take;
  take.mutable_take_over()->set_reason("escalated by phone");
  EXPECT_TRUE(plan_lead_action(who(role::lead, "lee"), take, held_by("lee")).refused);  // yours already
  auto t = plan_lead_action(who(role::lead, "lee"), take, held_by("ann"));
  EXPECT_EQ(t.req.event.takeover().from_agent_id(), "ann");
  EXPECT_EQ(t.why, "escalated by phone");
  v1::ClientFrame prio;
  prio.mutable_set_priority()->set_priority(5);
  auto p = plan_lead_action(who(role::lead, "lee"), prio, held_by("ann"));
  EXPECT_EQ(p.req.event.priority_change().from(), 1);
  EXPECT_EQ(p.audit_extra.at("priority").as_int64(), 5);
  v1::ClientFrame stop;
  stop.mutable_monitor()->set_active(false);
  auto m = plan_lead_action(who(role::lead, "lee"), stop, held_by("ann"));
  EXPECT_EQ(m.what, "stop_monitoring");
  EXPECT_TRUE(m.leave);
  v1::ClientFrame whisper;
  whisper.mutable_whisper();
  EXPECT_TRUE(plan_lead_action(who(role::lead, "lee"), whisper, held_by("ann")).refused);
}

TEST(LeadPlans, AnEditedDraftBecomesTheTraineesMessageAndARejectionAReview) {
  v1::Message draft;
  draft.set_body("we can't do that");
  draft.set_author_id("tim");
  draft.set_client_message_id("t1");
  v1::ClientFrame f;
  f.mutable_review_draft()->set_draft_seq(7);
  f.mutable_review_draft()->set_verdict(v1::ReviewDraft::EDIT);
  f.mutable_review_draft()->set_body("we will look into it");
  lead_plan edit;
  plan_review(f, "lee", "cv1", draft, edit);
  EXPECT_EQ(edit.req.event.message().body(), "we will look into it");
  EXPECT_EQ(edit.req.event.message().author_id(), "tim");
  EXPECT_EQ(edit.req.idempotency_key, store::idempotency::draft_review("cv1", 7));
  EXPECT_EQ(edit.audit_extra.at("final").as_string(), "we will look into it");
  f.mutable_review_draft()->set_verdict(v1::ReviewDraft::REJECT);
  lead_plan reject;
  plan_review(f, "lee", "cv1", draft, reject);
  EXPECT_FALSE(reject.req.event.draft_review().approved());
  EXPECT_EQ(reject.what, "reject_draft");
  EXPECT_EQ(reject.audit_extra.at("final").as_string(), "");
}

}  // namespace
}  // namespace switchboard::conversation
