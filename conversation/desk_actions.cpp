#include "conversation/desk_actions.hpp"

#include <algorithm>

#include "conversation/answers.hpp"
#include "conversation/rules.hpp"
#include "store/idempotency.hpp"

namespace switchboard::conversation {

namespace asio = boost::asio;
using boost::system::error_code;

namespace {

constexpr std::size_t kTimelinePage = 500;   // events per TimelinePage frame
constexpr int kTimelinePagesOnAccept = 4;    // more: the page's nextAfter, for GET /v1/customers/{id}/timeline

outcome unavailable(const std::string& id) {
  return answer_with(error_frame(id, "offer_unavailable", "this offer is not open for you (expired or answered)"));
}

}  // namespace

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
    case v1::ClientFrame::kTyping: return f.typing().conversation_id();
    case v1::ClientFrame::kRead: return f.read().conversation_id();
    default: return {};
  }
}

asio::awaitable<result<v1::Conversation>> readable(context& ctx, const principal& p, std::string conversation_id) {
  auto conv = co_await ctx.timeline.conversation(std::move(conversation_id));
  if (!conv) co_return conv.error();
  if (!staff_may_read(p, *conv)) co_return error_code(errc::not_found);
  co_return conv;
}

asio::awaitable<std::optional<v1::ServerFrame>> check_target(context& ctx, std::string id, std::string to_agent,
                                                             std::string to_queue, const v1::Conversation& conv) {
  const std::string& team = conv.team();
  if (to_agent.empty() == to_queue.empty()) {
    co_return error_frame(id, "bad_request", "give exactly one of toAgentId and toQueue");
  }
  if (!to_queue.empty() && !ctx.queue(to_queue)) co_return error_frame(id, "not_found", "no queue named '" + to_queue + "'");
  if (!to_agent.empty()) {
    auto target = co_await ctx.agents.get(to_agent);
    if (!target && target.error() == errc::not_found) co_return error_frame(id, "not_found", "no agent '" + to_agent + "'");
    if (!target) co_return error_for(id, target.error());
    // The conversation stays in its queue: the router offers it to the agent only if they serve
    // the queue's team. Anyone else would never get it; say so instead of queueing it.
    const auto& teams = target->agent.teams();
    if (!team.empty() && std::find(teams.begin(), teams.end(), team) == teams.end()) {
      co_return error_frame(id, "bad_request", "'" + to_agent + "' is not in team " + team +
                                                   ": transfer to a queue of their team instead");
    }
    // The same for the queue's required skills: without them the router never offers it to them.
    if (const auto* q = ctx.queue(conv.queue())) {
      for (const auto& need : q->required_skills()) {
        const auto& has = target->agent.skills();
        const bool ok = std::any_of(has.begin(), has.end(), [&](const v1::Skill& s) {
          return s.name() == need.name() && s.proficiency() >= need.proficiency();
        });
        if (!ok) {
          co_return error_frame(id, "bad_request", "'" + to_agent + "' lacks the skill " + need.name() + " " +
                                                       std::to_string(need.proficiency()) + " that queue " + q->name() +
                                                       " needs: transfer to a queue they serve instead");
        }
      }
    }
  }
  co_return std::nullopt;
}

v1::Agent desk_actions::profile_for(const principal& p) const {
  for (const auto& a : ctx_.configured_agents()) {
    if (a.id() == p.subject) return a;
  }
  // Not configured: the token's teams, three conversations at a time on every channel, no skills
  // (PUT /v1/agents gives them) — a lead has the skill "lead", which escalation queues require.
  v1::Agent a;
  a.set_id(p.subject);
  for (const auto& t : p.teams) a.add_teams(t);
  for (int ch = v1::Channel_MIN; ch <= v1::Channel_MAX; ++ch) {
    if (!v1::Channel_IsValid(ch) || ch == v1::CHANNEL_UNSPECIFIED) continue;
    auto* c = a.add_capacity();
    c->set_channel(static_cast<v1::Channel>(ch));
    c->set_max_concurrent(3);
  }
  if (p.who == role::lead) {
    auto* sk = a.add_skills();
    sk->set_name("lead");
    sk->set_proficiency(5);
  }
  return a;
}

asio::awaitable<v1::ServerFrame> desk_actions::agent_state(const std::string& agent_id, const v1::Agent& a) {
  v1::ServerFrame f;
  auto* st = f.mutable_agent_state();
  st->set_status(a.status());
  st->set_status_since_ms(a.status_since_ms());
  st->set_reason(a.status_reason());
  auto held = co_await ctx_.agents.conversations(agent_id);
  if (!held) co_return f;
  for (auto& c : *held) {
    // The router writes the index once it has read the accept; an offer accepted a moment before
    // (a desk reconnecting at once) shows as what it is now, not as still offered.
    if (c.state() == v1::OFFERED) {
      auto now = co_await ctx_.timeline.conversation(c.conversation_id());
      if (now && now->state() == v1::ASSIGNED && now->owner_id() == agent_id) {
        c.set_state(v1::ASSIGNED);
        c.set_offer_expires_at_ms(0);
      }
    }
    *st->add_conversations() = std::move(c);
  }
  co_return f;
}

asio::awaitable<outcome> desk_actions::set_status(const principal& p, const v1::ClientFrame& f) {
  const auto& id = f.request_id();
  if (!has_desk(p)) co_return answer_with(error_frame(id, "forbidden", "only agents and leads have a status"));
  const auto status = f.set_status().status();
  if (status != v1::AVAILABLE && status != v1::AWAY && status != v1::OFFLINE) {
    co_return answer_with(error_frame(id, "bad_request", "status must be AVAILABLE, AWAY or OFFLINE"));
  }
  if (f.set_status().reason().size() > 200) co_return answer_with(error_frame(id, "bad_request", "reason: at most 200 bytes"));
  auto r = co_await ctx_.agents.set_status(p.subject, status, f.set_status().reason());
  if (!r) co_return answer_with(error_for(id, r.error()));
  std::vector<std::string> withdrawn;
  if (status != v1::AVAILABLE) withdrawn = co_await withdraw_offers(p.subject);
  auto state = co_await agent_state(p.subject, r->agent);
  // The agent's index of conversations catches up with the declines when the router has read
  // them: the answer leaves them out already.
  auto* held = state.mutable_agent_state()->mutable_conversations();
  for (int i = held->size() - 1; i >= 0; --i) {
    if (std::find(withdrawn.begin(), withdrawn.end(), held->Get(i).conversation_id()) != withdrawn.end()) {
      held->DeleteSubrange(i, 1);
    }
  }
  state.set_request_id(id);
  co_return answer_with(std::move(state));
}

// An agent who stops being available declines what is offered to them now: the router offers it
// to the next agent at once rather than when the offer times out (and the agent is not charged a
// missed offer). Best effort: an offer that cannot be declined now still times out as before.
asio::awaitable<std::vector<std::string>> desk_actions::withdraw_offers(const std::string& agent_id) {
  std::vector<std::string> withdrawn;
  auto held = co_await ctx_.agents.conversations(agent_id);
  if (!held) co_return withdrawn;
  for (const auto& c : *held) {
    if (c.state() != v1::OFFERED) continue;
    store::append_request req;
    req.customer_id = c.customer_id();
    req.conversation_id = c.conversation_id();
    req.guard.require("state", "offered").require("offer_agent", agent_id);
    req.event.set_actor(agent_id);
    req.event.mutable_offer_outcome()->set_agent_id(agent_id);
    req.event.mutable_offer_outcome()->set_outcome(v1::OfferOutcome::DECLINED);
    auto r = co_await ctx_.timeline.append(std::move(req));  // wrong_state: answered or expired meanwhile
    if (r && !r->duplicate) withdrawn.push_back(c.conversation_id());
  }
  co_return withdrawn;
}

// On accept: the room (live before the history is read: nothing falls between, the adapter joins
// it from the accept's seq), the customer's whole cross-channel history, then the ack.
asio::awaitable<outcome> desk_actions::answer_offer(const principal& p, const v1::ClientFrame& f) {
  const auto& id = f.request_id();
  const auto& a = f.answer_offer();
  const std::string& me = p.subject;
  auto conv = co_await ctx_.timeline.conversation(a.conversation_id());
  if (!conv && is_retryable(conv.error())) co_return answer_with(error_for(id, conv.error()));
  if (!conv) co_return unavailable(id);
  store::append_request req;
  req.customer_id = conv->customer_id();
  req.conversation_id = a.conversation_id();
  req.guard.require("state", "offered").require("offer_agent", me);  // only the agent offered, only while offered
  req.event.set_actor(me);
  req.event.mutable_offer_outcome()->set_agent_id(me);
  req.event.mutable_offer_outcome()->set_outcome(a.accept() ? v1::OfferOutcome::ACCEPTED : v1::OfferOutcome::DECLINED);
  auto r = co_await ctx_.timeline.append(std::move(req));
  outcome out;
  out.conversation_id = a.conversation_id();
  if (!r && r.error() == errc::wrong_state) {
    // A re-sent accept that already succeeded is a duplicate, not an error.
    auto now = co_await ctx_.timeline.conversation(a.conversation_id());
    if (!a.accept() || !now || now->owner_id() != me || now->state() != v1::ASSIGNED) co_return unavailable(id);
    out.answer = ack_frame(id, a.conversation_id(), now->last_seq(), true);
    out.live = outcome::room::join;
    out.after_seq = now->last_seq();
    co_return out;
  }
  if (!r) co_return answer_with(error_for(id, r.error()));
  out.answer = ack_frame(id, *r);
  if (!a.accept()) co_return out;
  out.live = outcome::room::join;
  out.after_seq = r->seq;
  std::string after;
  for (int page = 0; page < kTimelinePagesOnAccept; ++page) {
    auto pg = co_await ctx_.timeline.read_timeline(conv->customer_id(), after, kTimelinePage);
    if (!pg) break;
    v1::ServerFrame tf;  // no request id: the pages come before the answer (the Ack)
    auto* t = tf.mutable_timeline();
    t->set_customer_id(conv->customer_id());
    for (auto& ev : pg->events) *t->add_events() = std::move(ev);
    t->set_next_after(pg->next_after);
    out.before.push_back(std::move(tf));
    if (pg->next_after.empty()) break;
    after = pg->next_after;
  }
  co_return out;
}

asio::awaitable<outcome> desk_actions::presence(const principal& p, const v1::ClientFrame& f) {
  const auto& id = f.request_id();
  const std::string& me = p.subject;
  const std::string cid = conversation_of(f);
  auto conv = co_await readable(ctx_, p, cid);
  if (!conv) co_return answer_with(error_for(id, conv.error()));
  v1::Event ev;
  ev.set_actor(me);
  if (f.has_typing()) {
    ev.mutable_typing()->set_who(me);
    ev.mutable_typing()->set_name(p.display_name);
    ev.mutable_typing()->set_active(f.typing().active());
    auto r = co_await ctx_.timeline.publish_ephemeral(cid, std::move(ev));
    if (!r) co_return answer_with(error_for(id, r.error()));
    co_return answer_with(ack_frame(id, cid, 0, false));
  }
  const auto up_to = f.read().up_to_seq();
  if (up_to < 1 || up_to > conv->last_seq()) {
    co_return answer_with(error_frame(id, "bad_request", "upToSeq must be a seq of this conversation"));
  }
  ev.mutable_read()->set_who(me);
  ev.mutable_read()->set_up_to_seq(up_to);
  store::append_request req;
  req.customer_id = conv->customer_id();
  req.conversation_id = cid;
  req.idempotency_key = store::idempotency::read_receipt(me, up_to);
  req.event = std::move(ev);
  auto a = co_await ctx_.timeline.append(std::move(req));
  if (!a) co_return answer_with(error_for(id, a.error()));
  co_return answer_with(ack_frame(id, *a));
}

}  // namespace switchboard::conversation
