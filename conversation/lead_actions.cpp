#include "conversation/lead_actions.hpp"

#include "conversation/plans.hpp"

#include <boost/json/serialize.hpp>

#include <algorithm>
#include <optional>

#include "conversation/answers.hpp"
#include "conversation/audit.hpp"
#include "conversation/desk_actions.hpp"
#include "conversation/rules.hpp"
#include "store/idempotency.hpp"

namespace switchboard::conversation {

namespace asio = boost::asio;

namespace {

void plan_monitor(const v1::ClientFrame& f, const std::string& me, lead_plan& a) {
  a.req.event.mutable_monitoring()->set_lead_id(me);
  a.req.event.mutable_monitoring()->set_active(f.monitor().active());
  a.what = f.monitor().active() ? "monitor" : "stop_monitoring";
  a.join = f.monitor().active();
  a.leave = !f.monitor().active();
}

void plan_whisper(const v1::ClientFrame& f, const std::string& me, const v1::Conversation& conv, lead_plan& a) {
  if (f.whisper().body().empty()) {
    a.refused = error_frame(f.request_id(), "bad_request", "an empty whisper");
    return;
  }
  auto* w = a.req.event.mutable_whisper();
  w->set_direction(v1::DIRECTION_INTERNAL);
  w->set_channel(conv.channel());
  w->set_body(f.whisper().body());
  w->set_author_id(me);
  w->set_client_message_id(f.whisper().client_message_id());
  if (!f.whisper().client_message_id().empty()) {
    a.req.idempotency_key = store::idempotency::staff_action(me, "whisper", f.whisper().client_message_id());
  }
  a.what = "whisper";
}

// A lead's barge-in goes to the customer like a reply: on the channel they last wrote from.
void plan_barge(const v1::ClientFrame& f, const principal& p, const v1::Conversation& conv, lead_plan& a) {
  const std::string& me = p.subject;
  const auto& m = f.barge().message();
  if (m.client_message_id().empty()) {
    a.refused = error_frame(f.request_id(), "bad_request", "message.clientMessageId is required (it makes a re-send safe)");
    return;
  }
  if (m.body().empty()) {
    a.refused = error_frame(f.request_id(), "bad_request", "an empty message");
    return;
  }
  auto* msg = a.req.event.mutable_message();
  *msg = m;
  msg->set_direction(v1::DIRECTION_OUTBOUND);
  msg->set_channel(reply_channel(conv, v1::CHANNEL_UNSPECIFIED, {}).value_or(conv.channel()));
  msg->set_author_id(me);
  msg->set_author_name(p.display_name);
  a.req.idempotency_key = store::idempotency::staff_action(me, "message", m.client_message_id());
  a.req.guard = unresolved_guard();
  a.what = "barge";
  a.join = true;
}

void plan_takeover(const v1::ClientFrame& f, const std::string& me, const v1::Conversation& conv, lead_plan& a) {
  if (conv.owner_id() == me) {
    a.refused = error_frame(f.request_id(), "bad_request", "you own it already");
    return;
  }
  auto* t = a.req.event.mutable_takeover();
  t->set_lead_id(me);
  t->set_from_agent_id(conv.owner_id());
  t->set_reason(f.take_over().reason());
  a.req.guard = unresolved_guard();
  a.why = f.take_over().reason();
  a.what = "take_over";
  a.join = true;
}

void plan_reassign(const v1::ClientFrame& f, const std::string& me, const v1::Conversation& conv, lead_plan& a) {
  const auto& r = f.reassign();
  auto* t = a.req.event.mutable_transfer();
  t->set_from_id(me);
  t->set_to_agent_id(r.to_agent_id());
  t->set_to_queue(r.to_queue());
  t->set_note(r.reason());
  a.req.guard = unresolved_guard();
  a.req.fields.set("preferred_agent", r.to_agent_id());
  a.req.fields.set("last_owner", conv.owner_id());
  a.why = r.reason();
  a.what = "reassign";
  a.audit_extra["to"] = r.to_agent_id().empty() ? r.to_queue() : r.to_agent_id();
  a.leave = conv.owner_id() == me;
}

void plan_priority(const v1::ClientFrame& f, const std::string& me, const v1::Conversation& conv, lead_plan& a) {
  const auto& p = f.set_priority();
  auto* pc = a.req.event.mutable_priority_change();
  pc->set_from(conv.priority());
  pc->set_to(p.priority());
  pc->set_actor(me);
  pc->set_reason(p.reason());
  a.req.guard = unresolved_guard();
  a.why = p.reason();
  a.what = "set_priority";
  a.audit_extra["priority"] = p.priority();
}

}  // namespace

void plan_review(const v1::ClientFrame& f, const std::string& me, const std::string& cid, const v1::Message& d,
                 lead_plan& a) {
  const auto& rv = f.review_draft();
  a.req.idempotency_key = store::idempotency::draft_review(cid, rv.draft_seq());
  a.req.guard = unresolved_guard();
  if (rv.verdict() == v1::ReviewDraft::REJECT) {
    auto* dr = a.req.event.mutable_draft_review();
    dr->set_draft_seq(rv.draft_seq());
    dr->set_approved(false);
    dr->set_reviewer_id(me);
    dr->set_reason(rv.reason());
    a.what = "reject_draft";
  } else {
    auto* msg = a.req.event.mutable_message();  // the customer sees it now, as the trainee's
    *msg = d;
    if (rv.verdict() == v1::ReviewDraft::EDIT) msg->set_body(rv.body());
    a.what = rv.verdict() == v1::ReviewDraft::EDIT ? "edit_draft" : "approve_draft";
  }
  a.why = rv.reason();
  a.audit_extra["draft_seq"] = rv.draft_seq();
  a.audit_extra["trainee"] = d.author_id();
  a.audit_extra["draft"] = d.body();
  a.audit_extra["final"] = rv.verdict() == v1::ReviewDraft::REJECT ? ""
                           : rv.verdict() == v1::ReviewDraft::EDIT ? rv.body()
                                                                   : d.body();
}


lead_plan plan_lead_action(const principal& p, const v1::ClientFrame& f, const v1::Conversation& conv) {
  lead_plan a;
  const std::string& me = p.subject;
  switch (f.kind_case()) {
    case v1::ClientFrame::kMonitor: plan_monitor(f, me, a); break;
    case v1::ClientFrame::kWhisper: plan_whisper(f, me, conv, a); break;
    case v1::ClientFrame::kBarge: plan_barge(f, p, conv, a); break;
    case v1::ClientFrame::kTakeOver: plan_takeover(f, me, conv, a); break;
    case v1::ClientFrame::kSetPriority: plan_priority(f, me, conv, a); break;
    case v1::ClientFrame::kReassign: plan_reassign(f, me, conv, a); break;
    default:  // every lead action is named here or is a draft review (plan_review)
      a.refused = error_frame(f.request_id(), "bad_request", "not a lead action");
  }
  return a;
}

asio::awaitable<outcome> lead_actions::act(const principal& p, const v1::ClientFrame& f) {
  const auto& id = f.request_id();
  const std::string& me = p.subject;
  const std::string cid = conversation_of(f);
  if (cid.empty()) co_return answer_with(error_frame(id, "bad_request", "conversationId is required"));
  auto conv = co_await readable(ctx_, p, cid);  // another team's conversation: not found
  if (!conv) co_return answer_with(error_for(id, conv.error()));
  lead_plan a;
  switch (f.kind_case()) {
    case v1::ClientFrame::kReassign:
      a.refused = co_await check_target(ctx_, id, f.reassign().to_agent_id(), f.reassign().to_queue(), *conv);
      if (!a.refused) a = plan_lead_action(p, f, *conv);
      break;
    case v1::ClientFrame::kReviewDraft: {
      const auto& rv = f.review_draft();
      if (rv.verdict() == v1::ReviewDraft::VERDICT_UNSPECIFIED) {
        co_return answer_with(error_frame(id, "bad_request", "verdict must be APPROVE, EDIT or REJECT"));
      }
      if (rv.verdict() == v1::ReviewDraft::EDIT && rv.body().empty()) {
        co_return answer_with(error_frame(id, "bad_request", "EDIT needs the edited body"));
      }
      auto found = co_await ctx_.timeline.read_conversation(cid, std::max<std::int64_t>(0, rv.draft_seq() - 1), 1);
      if (!found) co_return answer_with(error_for(id, found.error()));
      if (found->empty() || found->front().seq() != rv.draft_seq() || !found->front().has_draft()) {
        co_return answer_with(error_frame(id, "not_found", "no draft at that seq"));
      }
      plan_review(f, me, cid, found->front().draft(), a);
      break;
    }
    default:
      a = plan_lead_action(p, f, *conv);
  }
  if (a.refused) co_return answer_with(std::move(*a.refused));
  // A barge-in or an approved draft goes to the customer: on WhatsApp, only inside its window.
  if (a.req.event.has_message()) {
    if (auto why = whatsapp_window_refusal(*conv, a.req.event.message(), ctx_.timeline.time().unix_ms())) {
      co_return answer_with(error_frame(id, "whatsapp_window_closed", *why));
    }
  }
  if (a.req.idempotency_key.empty() && !f.action_id().empty()) {
    a.req.idempotency_key = store::idempotency::staff_action(me, a.what, f.action_id());
  }
  auto audit = audit_record(p, a.what, a.why, *conv);
  for (auto& [k, v] : a.audit_extra) audit[k] = v;
  a.req.fields.audit(boost::json::serialize(audit));
  a.req.customer_id = conv->customer_id();
  a.req.conversation_id = cid;
  a.req.event.set_actor(me);
  auto r = co_await ctx_.timeline.append(std::move(a.req));
  if (!r && r.error() == errc::wrong_state) co_return answer_with(error_frame(id, "resolved", "the conversation is resolved"));
  if (!r) co_return answer_with(error_for(id, r.error()));
  outcome out = answer_with(ack_frame(id, *r));
  out.conversation_id = cid;
  if (a.join) out.live = outcome::room::join;
  if (a.leave) out.live = outcome::room::leave;
  out.after_seq = r->seq;
  co_return out;
}

}  // namespace switchboard::conversation
