// The agent desk side of the conversation service (see conversation_service.hpp).
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <algorithm>
#include <chrono>

#include "gateway/conversation_service.hpp"
#include "store/idempotency.hpp"

namespace switchboard::gateway {

namespace asio = boost::asio;
using boost::system::error_code;

namespace {

constexpr std::size_t kTimelinePage = 500;   // events per TimelinePage frame
constexpr int kTimelinePagesOnAccept = 4;    // more: the page's nextAfter, for GET /v1/customers/{id}/timeline

void reply(session_sink& s, v1::ServerFrame f) { reply_to(s, std::move(f)); }

v1::ServerFrame ack(const std::string& request_id, const std::string& conversation, std::int64_t seq, bool dup) {
  return ack_frame(request_id, conversation, seq, dup);
}

// The conversation a staff frame is about.
std::string conversation_of(const v1::ClientFrame& f) {
  switch (f.kind_case()) {
    case v1::ClientFrame::kSendMessage: return f.send_message().conversation_id();
    case v1::ClientFrame::kAddNote: return f.add_note().conversation_id();
    case v1::ClientFrame::kTransfer: return f.transfer().conversation_id();
    case v1::ClientFrame::kEscalate: return f.escalate().conversation_id();
    case v1::ClientFrame::kResolve: return f.resolve().conversation_id();
    case v1::ClientFrame::kMonitor: return f.monitor().conversation_id();
    case v1::ClientFrame::kWhisper: return f.whisper().conversation_id();
    case v1::ClientFrame::kBarge: return f.barge().conversation_id();
    case v1::ClientFrame::kTakeOver: return f.take_over().conversation_id();
    case v1::ClientFrame::kReassign: return f.reassign().conversation_id();
    case v1::ClientFrame::kReviewDraft: return f.review_draft().conversation_id();
    case v1::ClientFrame::kSetPriority: return f.set_priority().conversation_id();
    default: return {};
  }
}

// An audit record (who, role, what, why, the conversation and its owner, when): a JSON object the
// append script adds to the group's audit stream with the action's event.
boost::json::object audit_record(const principal& who, std::string_view what, std::string_view why,
                                 const v1::Conversation& conv) {
  return boost::json::object{
      {"who", who.subject},
      {"role", who.who == role::admin ? "admin" : "lead"},
      {"what", what},
      {"why", why},
      {"conversation", conv.id()},
      {"owner", conv.owner_id()},
      {"at", std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
                 .count()}};
}

// Only the owner replies, transfers or resolves, and only while it is theirs to work on.
store::append_guard owner_guard(const std::string& who) {
  store::append_guard g;
  g.require("owner_id", who).require("state", {"assigned", "waiting_customer", "wrap_up"});
  return g;
}
// Any state but resolved.
store::append_guard unresolved() {
  store::append_guard g;
  g.require("state", {"queued", "offered", "assigned", "waiting_customer", "wrap_up", "escalated"});
  return g;
}

}  // namespace

bool staff_may_read(const principal& p, const v1::Conversation& c) {
  if (p.who == role::admin) return true;
  if (p.who == role::customer) return false;
  if (!c.owner_id().empty() && c.owner_id() == p.subject) return true;
  // A conversation of a queue without a team is everyone's.
  return c.team().empty() || std::find(p.teams.begin(), p.teams.end(), c.team()) != p.teams.end();
}

v1::Agent conversation_service::fallback_profile(const principal& p) const {
  for (const auto& a : configured_agents_) {
    if (a.id() == p.subject) return a;
  }
  // Not configured: the token's teams, web chat with three at a time, no skills (PUT /v1/agents
  // gives them) — a lead has the skill "lead", which escalation queues require.
  v1::Agent a;
  a.set_id(p.subject);
  for (const auto& t : p.teams) a.add_teams(t);
  auto* c = a.add_capacity();
  c->set_channel(v1::CHANNEL_WEB);
  c->set_max_concurrent(3);
  if (p.who == role::lead) {
    auto* sk = a.add_skills();
    sk->set_name("lead");
    sk->set_proficiency(5);
  }
  return a;
}

asio::awaitable<void> conversation_service::desk_opened(std::shared_ptr<session_sink> s) {
  const std::string id = s->who().subject;
  const std::string session = instance_ + "-" + std::to_string(++next_desk_);
  desks_[s.get()] = desk{id, session, false, false};
  auto r = co_await agents_.connected(fallback_profile(s->who()), session);
  auto it = desks_.find(s.get());
  if (!r) {
    if (it != desks_.end()) desks_.erase(it);
    reply(*s, error_for("", r.error()));
    co_return;
  }
  if (it == desks_.end() || it->second.closed) {
    if (it != desks_.end()) desks_.erase(it);
    co_await agents_.dropped(id, session);  // it closed while registering
    co_return;
  }
  it->second.registered = true;
  rooms_.join_agent(id, s);
  if (s->who().who == role::lead) {
    for (const auto& team : s->who().teams) rooms_.join_team(team, s);  // trainee drafts
  }
  reply(*s, co_await agent_state(id, r->agent));
}

asio::awaitable<v1::ServerFrame> conversation_service::agent_state(const std::string& agent_id, const v1::Agent& a) {
  v1::ServerFrame f;
  auto* st = f.mutable_agent_state();
  st->set_status(a.status());
  st->set_status_since_ms(a.status_since_ms());
  auto held = co_await agents_.conversations(agent_id);
  if (held) {
    for (auto& c : *held) *st->add_conversations() = std::move(c);
  }
  co_return f;
}

asio::awaitable<result<v1::Conversation>> conversation_service::readable(const session_sink& s,
                                                                         const std::string& conversation_id) {
  auto conv = co_await timeline_.conversation(conversation_id);
  if (!conv) co_return conv.error();
  if (!staff_may_read(s.who(), *conv)) co_return error_code(errc::not_found);
  co_return conv;
}

asio::awaitable<std::optional<v1::ServerFrame>> conversation_service::check_target(const std::string& id,
                                                                                   const std::string& to_agent,
                                                                                   const std::string& to_queue) {
  if (to_agent.empty() == to_queue.empty()) co_return error_frame(id, "bad_request", "give exactly one of toAgentId and toQueue");
  if (!to_queue.empty() && !queue_exists(to_queue)) co_return error_frame(id, "not_found", "no queue named '" + to_queue + "'");
  if (!to_agent.empty()) {
    auto target = co_await agents_.get(to_agent);
    if (!target) {
      co_return target.error() == errc::not_found ? error_frame(id, "not_found", "no agent '" + to_agent + "'")
                                                  : error_for(id, target.error());
    }
  }
  co_return std::nullopt;
}

asio::awaitable<void> conversation_service::run_staff(std::shared_ptr<session_sink> s, v1::ClientFrame f) {
  const std::string& id = f.request_id();
  try {
    v1::ServerFrame answer;
    switch (f.kind_case()) {
      case v1::ClientFrame::kPing:
      case v1::ClientFrame::kResume:
        co_await run(s, std::move(f), {});  // the same for everyone
        co_return;
      case v1::ClientFrame::kSetStatus:
        answer = co_await set_status(*s, f);
        break;
      case v1::ClientFrame::kAnswerOffer:
        answer = co_await answer_offer(s, f);
        break;
      case v1::ClientFrame::kSendMessage:
      case v1::ClientFrame::kAddNote:
      case v1::ClientFrame::kTransfer:
      case v1::ClientFrame::kResolve:
      case v1::ClientFrame::kEscalate:
        answer = co_await staff_write(s, f);
        break;
      case v1::ClientFrame::kTyping:
      case v1::ClientFrame::kRead:
        answer = co_await staff_presence(*s, f);
        break;
      case v1::ClientFrame::kMonitor:
      case v1::ClientFrame::kWhisper:
      case v1::ClientFrame::kBarge:
      case v1::ClientFrame::kTakeOver:
      case v1::ClientFrame::kReassign:
      case v1::ClientFrame::kSetPriority:
      case v1::ClientFrame::kReviewDraft:
        answer = co_await lead_action(s, f);
        break;
      default:
        answer = error_frame(id, "forbidden", "this role may not send that request");
        break;
    }
    reply(*s, std::move(answer));
  } catch (const std::exception& e) {
    reply(*s, error_frame(id, "internal", e.what()));
  }
}

asio::awaitable<v1::ServerFrame> conversation_service::set_status(const session_sink& s, const v1::ClientFrame& f) {
  const auto& id = f.request_id();
  if (s.who().who != role::agent && s.who().who != role::lead) {
    co_return error_frame(id, "forbidden", "only agents and leads have a status");
  }
  const auto status = f.set_status().status();
  if (status != v1::AVAILABLE && status != v1::AWAY && status != v1::OFFLINE) {
    co_return error_frame(id, "bad_request", "status must be AVAILABLE, AWAY or OFFLINE");
  }
  auto r = co_await agents_.set_status(s.who().subject, status);
  if (!r) co_return error_for(id, r.error());
  auto state = co_await agent_state(s.who().subject, r->agent);
  state.set_request_id(id);
  co_return state;
}

asio::awaitable<v1::ServerFrame> conversation_service::answer_offer(std::shared_ptr<session_sink> s,
                                                                    const v1::ClientFrame& f) {
  const auto& id = f.request_id();
  const auto& a = f.answer_offer();
  const std::string& me = s->who().subject;
  auto conv = co_await timeline_.conversation(a.conversation_id());
  if (!conv && is_retryable(conv.error())) co_return error_for(id, conv.error());
  if (!conv) co_return error_frame(id, "offer_unavailable", "this offer is not open for you (expired or answered)");
  store::append_request req;
  req.customer_id = conv->customer_id();
  req.conversation_id = a.conversation_id();
  req.guard.require("state", "offered").require("offer_agent", me);  // only the agent offered, only while offered
  req.event.set_actor(me);
  req.event.mutable_offer_outcome()->set_agent_id(me);
  req.event.mutable_offer_outcome()->set_outcome(a.accept() ? v1::OfferOutcome::ACCEPTED : v1::OfferOutcome::DECLINED);
  auto r = co_await timeline_.append(std::move(req));
  if (!r && r.error() == errc::wrong_state) {
    // A re-sent accept that already succeeded is a duplicate, not an error.
    auto now = co_await timeline_.conversation(a.conversation_id());
    if (a.accept() && now && now->owner_id() == me && now->state() == v1::ASSIGNED) {
      co_await join_live(s, a.conversation_id(), now->last_seq());
      co_return ack(id, a.conversation_id(), now->last_seq(), true);
    }
    co_return error_frame(id, "offer_unavailable", "this offer is not open for you (expired or answered)");
  }
  if (!r) co_return error_for(id, r.error());
  if (!a.accept()) co_return ack(id, r->conversation_id, r->seq, r->duplicate);
  // Accepted: the room (live before the history is read: nothing falls between), then the
  // customer's whole cross-channel history, then the ack.
  rooms_.join(r->conversation_id, s);
  co_await rooms_.live(r->conversation_id, kJoinConfirmLimit);
  std::string after;
  for (int page = 0; page < kTimelinePagesOnAccept; ++page) {
    auto p = co_await timeline_.read_timeline(conv->customer_id(), after, kTimelinePage);
    if (!p) break;
    v1::ServerFrame tf;  // no request id: the pages come before the answer (the Ack)
    auto* t = tf.mutable_timeline();
    t->set_customer_id(conv->customer_id());
    for (auto& ev : p->events) *t->add_events() = std::move(ev);
    t->set_next_after(p->next_after);
    reply(*s, std::move(tf));
    if (p->next_after.empty()) break;
    after = p->next_after;
  }
  co_return ack(id, r->conversation_id, r->seq, r->duplicate);
}

// Reply, note, transfer, resolve: one guarded append each.
asio::awaitable<v1::ServerFrame> conversation_service::staff_write(std::shared_ptr<session_sink> s,
                                                                   const v1::ClientFrame& f) {
  const auto& id = f.request_id();
  const auto& action = f.action_id();  // the desk's key for this action (never the request id)
  const std::string& me = s->who().subject;
  const std::string cid = conversation_of(f);
  if (cid.empty()) co_return error_frame(id, "bad_request", "conversationId is required");
  auto conv = co_await readable(*s, cid);
  if (!conv) co_return error_for(id, conv.error());

  store::append_request req;
  req.customer_id = conv->customer_id();
  req.conversation_id = cid;
  req.event.set_actor(me);
  bool leaves = false;  // the desk stops following the conversation afterwards
  bool draft = false;   // a trainee's reply: it waits for a lead
  switch (f.kind_case()) {
    case v1::ClientFrame::kSendMessage: {
      const auto& m = f.send_message().message();
      if (m.client_message_id().empty()) {
        co_return error_frame(id, "bad_request", "message.clientMessageId is required (it makes a re-send safe)");
      }
      if (m.body().empty() && m.attachments().empty()) co_return error_frame(id, "bad_request", "an empty message");
      if (s->who().who == role::agent) {
        auto profile = co_await agents_.get(me);
        if (!profile && is_retryable(profile.error())) co_return error_for(id, profile.error());
        draft = profile && profile->agent.trainee();  // a lead approves it first
      }
      auto* msg = draft ? req.event.mutable_draft() : req.event.mutable_message();
      *msg = m;
      msg->set_direction(v1::DIRECTION_OUTBOUND);
      msg->set_channel(conv->channel());
      msg->set_author_id(me);
      req.idempotency_key = store::idempotency::staff_action(me, "message", m.client_message_id());
      req.guard = owner_guard(me);
      break;
    }
    case v1::ClientFrame::kAddNote: {
      if (f.add_note().body().empty()) co_return error_frame(id, "bad_request", "an empty note");
      auto* note = req.event.mutable_note();
      note->set_direction(v1::DIRECTION_INTERNAL);
      note->set_body(f.add_note().body());
      note->set_author_id(me);
      note->set_channel(conv->channel());
      if (!action.empty()) req.idempotency_key = store::idempotency::staff_action(me, "note", action);
      break;
    }
    case v1::ClientFrame::kTransfer: {
      const auto& t = f.transfer();
      if (t.to_agent_id() == me) co_return error_frame(id, "bad_request", "a transfer to yourself");
      if (auto refused = co_await check_target(id, t.to_agent_id(), t.to_queue())) co_return std::move(*refused);
      auto* ev = req.event.mutable_transfer();
      ev->set_from_id(me);
      ev->set_to_agent_id(t.to_agent_id());
      ev->set_to_queue(t.to_queue());
      ev->set_note(t.note());
      req.guard = owner_guard(me);
      req.fields.set("preferred_agent", t.to_agent_id());
      req.fields.set("last_owner", me);
      if (!action.empty()) req.idempotency_key = store::idempotency::staff_action(me, "transfer", action);
      leaves = true;
      break;
    }
    case v1::ClientFrame::kEscalate: {
      // The team's leads take it from here, through their own queue.
      const std::string queue = "escalations-" + conv->team();
      if (conv->team().empty() || !queue_exists(queue)) {
        co_return error_frame(id, "no_escalation_queue",
                              "no queue '" + queue + "' is configured for this conversation's team");
      }
      auto* e = req.event.mutable_escalation();
      e->set_agent_id(me);
      e->set_reason(f.escalate().reason());
      e->set_queue(queue);
      req.guard = owner_guard(me);
      if (!action.empty()) req.idempotency_key = store::idempotency::staff_action(me, "escalate", action);
      leaves = true;
      break;
    }
    case v1::ClientFrame::kResolve: {
      auto* sc = req.event.mutable_status_change();
      sc->set_to(v1::RESOLVED);
      sc->set_actor(me);
      sc->set_disposition(f.resolve().disposition().empty() ? "solved" : f.resolve().disposition());
      req.guard.require("owner_id", me);
      if (!action.empty()) req.idempotency_key = store::idempotency::staff_action(me, "resolve", action);
      leaves = true;
      break;
    }
    default:  // every desk write is named above; nothing else is turned into one
      co_return error_frame(id, "bad_request", "not a desk write");
  }
  if ((s->who().who == role::lead || s->who().who == role::admin) &&
      (f.has_transfer() || f.has_resolve())) {
    // A lead's hand-back (a transfer of what they own) and resolve are audited like their other actions.
    auto audit = audit_record(s->who(), f.has_transfer() ? "hand_back" : "resolve",
                              f.has_transfer() ? f.transfer().note() : f.resolve().disposition(), *conv);
    if (f.has_transfer()) audit["to"] = f.transfer().to_agent_id().empty() ? f.transfer().to_queue() : f.transfer().to_agent_id();
    req.fields.audit(boost::json::serialize(audit));
  }
  const v1::Event req_event_copy = draft ? req.event : v1::Event();
  auto r = co_await timeline_.append(std::move(req));
  if (!r && r.error() == errc::wrong_state) {
    co_return error_frame(id, "not_owner", "you do not own this conversation (any more)");
  }
  if (!r) co_return error_for(id, r.error());
  if (leaves && !r->duplicate) rooms_.leave(cid, s.get());
  if (draft && !r->duplicate) {
    // The team's leads are shown the draft (leads monitoring the conversation see it there too).
    v1::ServerFrame tell;
    auto* ev = tell.mutable_event();
    *ev = req_event_copy;
    ev->set_conversation_id(cid);
    ev->set_seq(r->seq);
    co_await agents_.publish_to_team(conv->team(), tell.SerializeAsString());
  }
  co_return ack(id, r->conversation_id, r->seq, r->duplicate);
}

asio::awaitable<v1::ServerFrame> conversation_service::staff_presence(const session_sink& s, const v1::ClientFrame& f) {
  const auto& id = f.request_id();
  const std::string& me = s.who().subject;
  const auto& cid = f.has_typing() ? f.typing().conversation_id() : f.read().conversation_id();
  auto conv = co_await readable(s, cid);
  if (!conv) co_return error_for(id, conv.error());
  v1::Event ev;
  ev.set_actor(me);
  if (f.has_typing()) {
    ev.mutable_typing()->set_who(me);
    ev.mutable_typing()->set_active(f.typing().active());
    auto r = co_await timeline_.publish_ephemeral(cid, std::move(ev));
    if (!r) co_return error_for(id, r.error());
    co_return ack(id, cid, 0, false);
  }
  const auto up_to = f.read().up_to_seq();
  if (up_to < 1 || up_to > conv->last_seq()) {
    co_return error_frame(id, "bad_request", "upToSeq must be a seq of this conversation");
  }
  ev.mutable_read()->set_who(me);
  ev.mutable_read()->set_up_to_seq(up_to);
  store::append_request req;
  req.customer_id = conv->customer_id();
  req.conversation_id = cid;
  req.idempotency_key = store::idempotency::read_receipt(me, up_to);
  req.event = std::move(ev);
  auto a = co_await timeline_.append(std::move(req));
  if (!a) co_return error_for(id, a.error());
  co_return ack(id, a->conversation_id, a->seq, a->duplicate);
}

// Monitor, whisper, barge in, take over, reassign, change priority: one append each, with the
// audit record (who, what, when, why) written by the same script.
asio::awaitable<v1::ServerFrame> conversation_service::lead_action(std::shared_ptr<session_sink> s,
                                                                   const v1::ClientFrame& f) {
  const auto& id = f.request_id();
  const std::string& me = s->who().subject;
  const std::string cid = conversation_of(f);
  if (cid.empty()) co_return error_frame(id, "bad_request", "conversationId is required");
  auto conv = co_await readable(*s, cid);  // another team's conversation: not found
  if (!conv) co_return error_for(id, conv.error());

  store::append_request req;
  req.customer_id = conv->customer_id();
  req.conversation_id = cid;
  req.event.set_actor(me);
  std::string what, why;
  std::string review_draft, review_final, review_trainee;  // both versions, for the audit
  bool join = false, leave = false;
  switch (f.kind_case()) {
    case v1::ClientFrame::kMonitor:
      req.event.mutable_monitoring()->set_lead_id(me);
      req.event.mutable_monitoring()->set_active(f.monitor().active());
      what = f.monitor().active() ? "monitor" : "stop_monitoring";
      join = f.monitor().active();
      leave = !f.monitor().active();
      break;
    case v1::ClientFrame::kWhisper: {
      if (f.whisper().body().empty()) co_return error_frame(id, "bad_request", "an empty whisper");
      auto* w = req.event.mutable_whisper();
      w->set_direction(v1::DIRECTION_INTERNAL);
      w->set_channel(conv->channel());
      w->set_body(f.whisper().body());
      w->set_author_id(me);
      w->set_client_message_id(f.whisper().client_message_id());
      if (!f.whisper().client_message_id().empty()) {
        req.idempotency_key = store::idempotency::staff_action(me, "whisper", f.whisper().client_message_id());
      }
      what = "whisper";
      break;
    }
    case v1::ClientFrame::kBarge: {
      const auto& m = f.barge().message();
      if (m.client_message_id().empty()) {
        co_return error_frame(id, "bad_request", "message.clientMessageId is required (it makes a re-send safe)");
      }
      if (m.body().empty()) co_return error_frame(id, "bad_request", "an empty message");
      auto* msg = req.event.mutable_message();
      *msg = m;
      msg->set_direction(v1::DIRECTION_OUTBOUND);
      msg->set_channel(conv->channel());
      msg->set_author_id(me);
      req.idempotency_key = store::idempotency::staff_action(me, "message", m.client_message_id());
      req.guard = unresolved();
      what = "barge";
      join = true;
      break;
    }
    case v1::ClientFrame::kTakeOver: {
      if (conv->owner_id() == me) co_return error_frame(id, "bad_request", "you own it already");
      auto* t = req.event.mutable_takeover();
      t->set_lead_id(me);
      t->set_from_agent_id(conv->owner_id());
      t->set_reason(f.take_over().reason());
      req.guard = unresolved();
      why = f.take_over().reason();
      what = "take_over";
      join = true;
      break;
    }
    case v1::ClientFrame::kReassign: {
      const auto& r = f.reassign();
      if (auto refused = co_await check_target(id, r.to_agent_id(), r.to_queue())) co_return std::move(*refused);
      auto* t = req.event.mutable_transfer();
      t->set_from_id(me);
      t->set_to_agent_id(r.to_agent_id());
      t->set_to_queue(r.to_queue());
      t->set_note(r.reason());
      req.guard = unresolved();
      req.fields.set("preferred_agent", r.to_agent_id());
      req.fields.set("last_owner", conv->owner_id());
      why = r.reason();
      what = "reassign";
      leave = conv->owner_id() == me;
      break;
    }
    case v1::ClientFrame::kReviewDraft: {
      const auto& rv = f.review_draft();
      if (rv.verdict() == v1::ReviewDraft::VERDICT_UNSPECIFIED) {
        co_return error_frame(id, "bad_request", "verdict must be APPROVE, EDIT or REJECT");
      }
      if (rv.verdict() == v1::ReviewDraft::EDIT && rv.body().empty()) {
        co_return error_frame(id, "bad_request", "EDIT needs the edited body");
      }
      auto found = co_await timeline_.read_conversation(cid, std::max<std::int64_t>(0, rv.draft_seq() - 1), 1);
      if (!found) co_return error_for(id, found.error());
      if (found->empty() || found->front().seq() != rv.draft_seq() || !found->front().has_draft()) {
        co_return error_frame(id, "not_found", "no draft at that seq");
      }
      const v1::Message& d = found->front().draft();
      req.idempotency_key = store::idempotency::draft_review(cid, rv.draft_seq());  // the first review wins
      req.guard = unresolved();
      if (rv.verdict() == v1::ReviewDraft::REJECT) {
        auto* dr = req.event.mutable_draft_review();
        dr->set_draft_seq(rv.draft_seq());
        dr->set_approved(false);
        dr->set_reviewer_id(me);
        dr->set_reason(rv.reason());
        what = "reject_draft";
      } else {
        auto* msg = req.event.mutable_message();  // the customer sees it now, as the trainee's
        *msg = d;
        if (rv.verdict() == v1::ReviewDraft::EDIT) msg->set_body(rv.body());
        what = rv.verdict() == v1::ReviewDraft::EDIT ? "edit_draft" : "approve_draft";
      }
      why = rv.reason();
      review_draft = d.body();
      review_final = rv.verdict() == v1::ReviewDraft::REJECT ? "" : rv.verdict() == v1::ReviewDraft::EDIT ? rv.body() : d.body();
      review_trainee = d.author_id();
      break;
    }
    case v1::ClientFrame::kSetPriority: {
      const auto& p = f.set_priority();
      auto* pc = req.event.mutable_priority_change();
      pc->set_from(conv->priority());
      pc->set_to(p.priority());
      pc->set_actor(me);
      pc->set_reason(p.reason());
      req.guard = unresolved();
      why = p.reason();
      what = "set_priority";
      break;
    }
    default:  // every lead action is named above; nothing else is turned into one
      co_return error_frame(id, "bad_request", "not a lead action");
  }
  if (req.idempotency_key.empty() && !f.action_id().empty()) {
    req.idempotency_key = store::idempotency::staff_action(me, what, f.action_id());
  }
  auto audit = audit_record(s->who(), what, why, *conv);
  if (f.has_reassign()) audit["to"] = f.reassign().to_agent_id().empty() ? f.reassign().to_queue() : f.reassign().to_agent_id();
  if (f.has_set_priority()) audit["priority"] = f.set_priority().priority();
  if (f.has_review_draft()) {
    audit["draft_seq"] = f.review_draft().draft_seq();
    audit["trainee"] = review_trainee;
    audit["draft"] = review_draft;
    audit["final"] = review_final;
  }
  req.fields.audit(boost::json::serialize(audit));
  auto r = co_await timeline_.append(std::move(req));
  if (!r && r.error() == errc::wrong_state) co_return error_frame(id, "resolved", "the conversation is resolved");
  if (!r) co_return error_for(id, r.error());
  if (join) co_await join_live(s, cid, r->seq);
  if (leave) rooms_.leave(cid, s.get());
  co_return ack(id, r->conversation_id, r->seq, r->duplicate);
}

}  // namespace switchboard::gateway
