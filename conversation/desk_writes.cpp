// The desk's writes (desk_actions::write): reply, note, transfer, escalate, resolve — one guarded
// append each (see desk_actions.hpp).
#include <boost/json/serialize.hpp>

#include <algorithm>

#include "conversation/answers.hpp"
#include "conversation/audit.hpp"
#include "conversation/desk_actions.hpp"
#include "conversation/plans.hpp"
#include "conversation/rules.hpp"
#include "store/idempotency.hpp"
#include "store/keys.hpp"

namespace switchboard::conversation {

namespace asio = boost::asio;

namespace {

void plan_note(const v1::ClientFrame& f, const std::string& me, const v1::Conversation& conv, desk_plan& w) {
  if (f.add_note().body().empty()) {
    w.refused = error_frame(f.request_id(), "bad_request", "an empty note");
    return;
  }
  auto* note = w.req.event.mutable_note();
  note->set_direction(v1::DIRECTION_INTERNAL);
  note->set_body(f.add_note().body());
  note->set_author_id(me);
  note->set_channel(conv.channel());
  if (!f.action_id().empty()) w.req.idempotency_key = store::idempotency::staff_action(me, "note", f.action_id());
}

void plan_escalation(const v1::ClientFrame& f, const std::string& me, const v1::Conversation& conv,
                     const std::vector<v1::Queue>& queues, desk_plan& w) {
  // The team's leads take it from here, through their own queue.
  const std::string queue = "escalations-" + conv.team();
  const bool configured =
      std::any_of(queues.begin(), queues.end(), [&](const v1::Queue& q) { return q.name() == queue; });
  if (conv.team().empty() || !configured) {
    w.refused = error_frame(f.request_id(), "no_escalation_queue",
                            "no queue '" + queue + "' is configured for this conversation's team");
    return;
  }
  auto* e = w.req.event.mutable_escalation();
  e->set_agent_id(me);
  e->set_reason(f.escalate().reason());
  e->set_queue(queue);
  w.req.guard = owner_guard(me);
  if (!f.action_id().empty()) w.req.idempotency_key = store::idempotency::staff_action(me, "escalate", f.action_id());
  w.leaves = true;
}

// The disposition must be one of the queue's list when it has one (its first is the default).
void plan_resolve(const v1::ClientFrame& f, const std::string& me, const v1::Conversation& conv,
                  const std::vector<v1::Queue>& queues, desk_plan& w) {
  const auto q = std::find_if(queues.begin(), queues.end(), [&](const v1::Queue& x) { return x.name() == conv.queue(); });
  const bool listed = q != queues.end() && q->dispositions_size() > 0;
  std::string disposition = f.resolve().disposition();
  if (disposition.empty()) disposition = listed ? q->dispositions(0) : "solved";
  if (listed && std::find(q->dispositions().begin(), q->dispositions().end(), disposition) == q->dispositions().end()) {
    std::string allowed;
    for (const auto& d : q->dispositions()) allowed += (allowed.empty() ? "" : ", ") + d;
    w.refused = error_frame(f.request_id(), "bad_request", "disposition: must be one of " + allowed);
    return;
  }
  auto* sc = w.req.event.mutable_status_change();
  sc->set_to(v1::RESOLVED);
  sc->set_actor(me);
  sc->set_disposition(disposition);
  w.req.guard.require("owner_id", me);
  if (!f.action_id().empty()) w.req.idempotency_key = store::idempotency::staff_action(me, "resolve", f.action_id());
  w.leaves = true;
}

void plan_transfer(const v1::ClientFrame& f, const std::string& me, desk_plan& w) {
  const auto& t = f.transfer();
  auto* ev = w.req.event.mutable_transfer();
  ev->set_from_id(me);
  ev->set_to_agent_id(t.to_agent_id());
  ev->set_to_queue(t.to_queue());
  ev->set_note(t.note());
  w.req.guard = owner_guard(me);
  w.req.fields.set("preferred_agent", t.to_agent_id());
  w.req.fields.set("last_owner", me);
  if (!f.action_id().empty()) w.req.idempotency_key = store::idempotency::staff_action(me, "transfer", f.action_id());
  w.leaves = true;
}

// A lead's hand-back (a transfer of what they own) and resolve are audited like their other actions.
void audit_if_lead(const principal& p, const v1::ClientFrame& f, const v1::Conversation& conv, desk_plan& w) {
  if (!may_lead(p) || !(f.has_transfer() || f.has_resolve())) return;
  auto audit = audit_record(p, f.has_transfer() ? "hand_back" : "resolve",
                            f.has_transfer() ? f.transfer().note() : f.resolve().disposition(), conv);
  if (f.has_transfer()) {
    audit["to"] = f.transfer().to_agent_id().empty() ? f.transfer().to_queue() : f.transfer().to_agent_id();
  }
  w.req.fields.audit(boost::json::serialize(audit));
}

}  // namespace

desk_plan plan_desk_write(const principal& p, const v1::ClientFrame& f, const v1::Conversation& conv,
                          const std::vector<v1::Queue>& queues) {
  desk_plan w;
  const std::string& me = p.subject;
  switch (f.kind_case()) {
    case v1::ClientFrame::kAddNote: plan_note(f, me, conv, w); break;
    case v1::ClientFrame::kEscalate: plan_escalation(f, me, conv, queues, w); break;
    case v1::ClientFrame::kResolve: plan_resolve(f, me, conv, queues, w); break;
    case v1::ClientFrame::kTransfer:
      if (f.transfer().to_agent_id() == me) w.refused = error_frame(f.request_id(), "bad_request", "a transfer to yourself");
      else plan_transfer(f, me, w);
      break;
    default:  // every desk write is named here or is a reply (desk_actions::reply)
      w.refused = error_frame(f.request_id(), "bad_request", "not a desk write");
  }
  if (!w.refused) audit_if_lead(p, f, conv, w);
  w.req.customer_id = conv.customer_id();
  w.req.conversation_id = conv.id();
  w.req.event.set_actor(me);
  return w;
}

asio::awaitable<outcome> desk_actions::write(const principal& p, const v1::ClientFrame& f) {
  const auto& id = f.request_id();
  const std::string& me = p.subject;
  const std::string cid = conversation_of(f);
  if (cid.empty()) co_return answer_with(error_frame(id, "bad_request", "conversationId is required"));
  auto conv = co_await readable(ctx_, p, cid);
  if (!conv) co_return answer_with(error_for(id, conv.error()));
  if (f.has_send_message()) co_return co_await reply(p, f, *conv);
  if (f.has_transfer() && f.transfer().to_agent_id() != me) {
    auto refused = co_await check_target(ctx_, id, f.transfer().to_agent_id(), f.transfer().to_queue(), *conv);
    if (refused) co_return answer_with(std::move(*refused));
  }
  desk_plan w = plan_desk_write(p, f, *conv, ctx_.queues());
  if (w.refused) co_return answer_with(std::move(*w.refused));
  auto r = co_await ctx_.timeline.append(std::move(w.req));
  if (!r && r.error() == errc::wrong_state) {
    co_return answer_with(error_frame(id, "not_owner", "you do not own this conversation (any more)"));
  }
  if (!r) co_return answer_with(error_for(id, r.error()));
  outcome out = answer_with(ack_frame(id, *r));
  if (w.leaves && !r->duplicate) {
    out.live = outcome::room::leave;
    out.conversation_id = cid;
  }
  co_return out;
}

// A reply to the customer, on the channel they last wrote from or the one the agent picked; a
// trainee's reply is a draft the team's leads review first.
asio::awaitable<outcome> desk_actions::reply(const principal& p, const v1::ClientFrame& f, const v1::Conversation& conv) {
  const auto& id = f.request_id();
  const std::string& me = p.subject;
  const auto& m = f.send_message().message();
  if (m.client_message_id().empty()) {
    co_return answer_with(error_frame(id, "bad_request", "message.clientMessageId is required (it makes a re-send safe)"));
  }
  if (m.body().empty() && m.attachments().empty() && !m.has_template_message()) {
    co_return answer_with(error_frame(id, "bad_request", "an empty message"));
  }
  std::vector<v1::Channel> theirs;
  if (m.channel() != v1::CHANNEL_UNSPECIFIED) {
    auto identities = co_await ctx_.identities.identities(conv.customer_id());
    if (!identities) co_return answer_with(error_for(id, identities.error()));
    for (const auto& i : *identities) theirs.push_back(i.channel());
  }
  const auto channel = reply_channel(conv, m.channel(), theirs);
  if (!channel) {
    co_return answer_with(error_frame(id, "bad_request", "the customer has no " +
                                                             std::string(store::channel_name(m.channel())) + " address"));
  }
  bool draft = false;
  if (p.who == role::agent) {
    auto profile = co_await ctx_.agents.get(me);
    if (!profile && is_retryable(profile.error())) co_return answer_with(error_for(id, profile.error()));
    draft = profile && profile->agent.trainee();  // a lead approves it first
  }
  store::append_request req;
  req.customer_id = conv.customer_id();
  req.conversation_id = conv.id();
  req.event.set_actor(me);
  auto* msg = draft ? req.event.mutable_draft() : req.event.mutable_message();
  *msg = m;
  msg->set_direction(v1::DIRECTION_OUTBOUND);
  msg->set_channel(*channel);
  msg->set_author_id(me);
  msg->set_author_name(p.display_name);
  if (msg->has_template_message()) {
    if (*channel != v1::CHANNEL_WHATSAPP) co_return answer_with(error_frame(id, "bad_request", "templateMessage: only on WhatsApp"));
    if (auto why = fill_template(ctx_.whatsapp_templates, *msg)) co_return answer_with(error_frame(id, "bad_request", "templateMessage: " + *why));
  }
  if (auto why = whatsapp_window_refusal(conv, *msg, ctx_.timeline.time().unix_ms())) {
    co_return answer_with(error_frame(id, "whatsapp_window_closed", *why));
  }
  req.idempotency_key = store::idempotency::staff_action(me, "message", m.client_message_id());
  req.guard = owner_guard(me);
  v1::Event shown;  // not a ?: of temporaries: GCC 12 destroys those twice in a coroutine
  if (draft) shown = req.event;
  auto r = co_await ctx_.timeline.append(std::move(req));
  if (!r && r.error() == errc::wrong_state) {
    co_return answer_with(error_frame(id, "not_owner", "you do not own this conversation (any more)"));
  }
  if (!r) co_return answer_with(error_for(id, r.error()));
  if (draft && !r->duplicate) {
    // The team's leads are shown the draft as stored (its id and time, as the timeline has them);
    // leads monitoring the conversation see it there too.
    v1::ServerFrame tell;
    auto stored = co_await ctx_.timeline.read_conversation(conv.id(), r->seq - 1, 1);
    if (stored && !stored->empty() && stored->front().seq() == r->seq) {
      *tell.mutable_event() = std::move(stored->front());
    } else {
      *tell.mutable_event() = shown;
      tell.mutable_event()->set_conversation_id(conv.id());
      tell.mutable_event()->set_seq(r->seq);
    }
    co_await ctx_.agents.publish_to_team(conv.team(), tell.SerializeAsString());
  }
  co_return answer_with(ack_frame(id, *r));
}

}  // namespace switchboard::conversation
