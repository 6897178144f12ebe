// The router's writes: each decision recorded with its reasons and carried out under the lease's
// fencing token, and the requeue of an agent's conversations once their grace period is over
// (see router/service.hpp). Part of router::service, split from service.cpp along this seam.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include "core/log.hpp"
#include "proto/wire.pb.h"
#include "router/service.hpp"

namespace switchboard::router {

namespace asio = boost::asio;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t kPreviewChars = 140;

store::append_guard guard_of(std::string field, std::string value) {
  store::append_guard g;
  g.require(std::move(field), std::move(value));
  return g;
}

}  // namespace

// ---- writing decisions ----

asio::awaitable<result<store::append_result>> service::write(const std::string& conversation_id, v1::Event ev,
                                                              store::append_guard guard, store::field_changes fields) {
  store::append_request req;
  const auto* c = state_ ? state_->find(conversation_id) : nullptr;
  if (c) req.customer_id = c->customer;
  req.conversation_id = conversation_id;
  req.fencing_token = token_;
  req.guard = std::move(guard);
  req.fields = std::move(fields);
  ev.set_actor("router");
  req.event = std::move(ev);
  auto r = co_await timeline_.append(std::move(req));
  if (!r && r.error() == errc::fenced) step_down("fenced: a newer router wrote in a group");
  if (r && state_) state_->wrote(conversation_id, r->seq);
  co_return r;
}

asio::awaitable<void> service::apply(decisions ds, bool requeue_is_timeout) {
  for (auto& d : ds) {
    if (!leader_) co_return;
    co_await apply_one(std::move(d), requeue_is_timeout);
  }
}

asio::awaitable<void> service::apply_one(v1::Decision d, bool requeue_is_timeout) {
  const std::string cid = d.conversation_id();
  const time_ms now = clock_.unix_ms();
  log_with(spdlog::level::debug, {.conversation = cid}, "router: decision {} agent={} queue={}",
           v1::Decision::Kind_Name(d.kind()), d.agent_id(), d.queue());
  d.set_decision_id(ids_.next());
  if (d.kind() != v1::Decision::SET_AGENT_AWAY) {
    // The decision with its reasons, in the conversation's own timeline.
    v1::Event trace;
    *trace.mutable_decision() = d;
    auto r = co_await write(cid, std::move(trace), {}, {});
    if (!r) {
      if (r.error() != errc::fenced) log_warn({.conversation = cid}, "router: cannot record a decision: {}", r.error().message());
      if (r.error() == errc::not_found || r.error() == errc::wrong_state) co_await execute(state_->refused(cid, now));
      co_return;
    }
  }
  switch (d.kind()) {
    case v1::Decision::OFFER:
      co_await apply_offer(std::move(d), now);
      break;
    case v1::Decision::REQUEUE:
      co_await apply_requeue(std::move(d), requeue_is_timeout, now);
      break;
    case v1::Decision::OVERFLOW: {
      v1::Event ev;
      ev.mutable_transfer()->set_from_id("router");
      ev.mutable_transfer()->set_to_queue(d.queue());
      ev.mutable_transfer()->set_note(d.reason());
      co_await write(cid, std::move(ev), guard_of("state", "queued"), {});
      if (!leader_) co_return;
      state_->overflowed(cid, d.queue());
      break;
    }
    case v1::Decision::SET_AGENT_AWAY: {
      auto r = co_await agents_.set_status(d.agent_id(), v1::AWAY, d.reason());
      if (r) {
        state_->set_away(d.agent_id());
        v1::ServerFrame f;
        auto* st = f.mutable_agent_state();
        st->set_status(v1::AWAY);
        st->set_status_since_ms(r->agent.status_since_ms());
        st->set_reason(d.reason());
        co_await publish_to_agent(d.agent_id(), f);
      }
      break;
    }
    default:
      break;
  }
}

// The offer, guarded on "still waiting"; then the agent's index and the offer on their channel.
asio::awaitable<void> service::apply_offer(v1::Decision d, time_ms now) {
  const std::string cid = d.conversation_id();
  const std::string agent = d.agent_id();
  // The engine's own timer fires at this instant; the desk counts down to the same one.
  const time_ms expires = d.offer_expires_at_ms();
  v1::Event ev;
  ev.mutable_offer()->set_agent_id(agent);
  ev.mutable_offer()->set_expires_at_ms(expires);
  ev.mutable_offer()->set_decision_id(d.decision_id());
  store::append_guard waiting;
  waiting.require("state", {"queued", "escalated"});
  store::field_changes offered;
  offered.set("offer_agent", agent).set("offer_expires_at_ms", std::to_string(expires));
  auto r = co_await write(cid, std::move(ev), std::move(waiting), std::move(offered));
  if (!r) {
    // No longer waiting (resolved, taken over): out of the engine; the store's next change
    // about it brings it back. The store unreachable: the engine keeps it as offered, and the
    // offer's timeout puts it back in the queue, to be offered again once Redis answers.
    if (r.error() == errc::not_found || r.error() == errc::wrong_state) co_await execute(state_->refused(cid, now));
    co_return;
  }
  if (const auto* c = state_->find(cid)) {
    metrics_.offered(c->queue, std::chrono::milliseconds(std::max<time_ms>(0, now - c->queued_at)));
  }
  state_->offered(cid, agent);
  v1::AgentConversation entry;
  entry.set_conversation_id(cid);
  entry.set_state(v1::OFFERED);
  entry.set_offer_expires_at_ms(expires);
  v1::ServerFrame f;
  auto* o = f.mutable_offer();
  o->set_conversation_id(cid);
  o->set_expires_at_ms(expires);
  o->set_queue(d.queue());
  if (const auto* c = state_->find(cid)) {
    entry.set_customer_id(c->customer);
    entry.set_queue(c->queue);
    entry.set_channel(c->channel);
    o->set_channel(c->channel);
    o->set_preview(c->preview.substr(0, kPreviewChars));
  }
  co_await index_agent_conversation(entry, agent);
  *o->mutable_decision() = d;
  co_await publish_to_agent(agent, f);
}

// A declined or timed-out offer: a timeout is recorded (guarded on "still offered to them"); the
// agent's index drops it and their desk hears the outcome.
asio::awaitable<void> service::apply_requeue(v1::Decision d, bool requeue_is_timeout, time_ms now) {
  const std::string cid = d.conversation_id();
  const std::string agent = d.agent_id();
  if (requeue_is_timeout) {
    v1::Event ev;
    ev.mutable_offer_outcome()->set_agent_id(agent);
    ev.mutable_offer_outcome()->set_outcome(v1::OfferOutcome::TIMED_OUT);
    store::append_guard still_offered = guard_of("state", "offered");
    still_offered.require("offer_agent", agent);
    store::field_changes cleared;
    cleared.set("offer_agent", "");
    auto r = co_await write(cid, std::move(ev), std::move(still_offered), std::move(cleared));
    if (!leader_) co_return;
    if (!r && r.error() == errc::wrong_state) {
      co_return;  // accepted or declined at the last moment: the note about it follows
    }
  }
  state_->offer_ended(cid);
  co_await agents_.release(agent, cid);
  v1::ServerFrame f;
  auto* ev = f.mutable_event();
  ev->set_conversation_id(cid);
  ev->set_at_ms(now);
  ev->set_actor("router");
  ev->mutable_offer_outcome()->set_agent_id(agent);
  ev->mutable_offer_outcome()->set_outcome(requeue_is_timeout ? v1::OfferOutcome::TIMED_OUT
                                                              : v1::OfferOutcome::DECLINED);
  co_await publish_to_agent(agent, f);
}

asio::awaitable<void> service::publish_to_agent(const std::string& agent_id, const v1::ServerFrame& f) {
  co_await agents_.publish_to_agent(agent_id, f.SerializeAsString());
}

asio::awaitable<void> service::index_agent_conversation(const v1::AgentConversation& entry,
                                                        const std::string& agent_id) {
  co_await agents_.hold(agent_id, entry);
}

// ---- grace and positions ----

asio::awaitable<void> service::expire_grace(time_ms now) {
  while (leader_) {
    auto over = state_->next_grace_over(now);
    if (!over) co_return;
    const std::string agent = over->first;
    if (!over->second.empty()) {
      spdlog::info("router: agent {} did not come back; requeueing {} conversations", agent, over->second.size());
    }
    for (const auto& id : over->second) {
      v1::Event ev;
      ev.mutable_status_change()->set_to(v1::QUEUED);
      ev.mutable_status_change()->set_actor("router");
      ev.mutable_status_change()->set_reason("agent " + agent + " disconnected and did not come back in time");
      store::append_guard still_theirs = guard_of("owner_id", agent);
      still_theirs.require("state", {"assigned", "waiting_customer", "wrap_up"});
      store::field_changes requeued;
      requeued.set("owner_id", "").set("last_owner", agent);
      auto r = co_await write(id, std::move(ev), std::move(still_theirs), std::move(requeued));
      if (!leader_) co_return;
      if (r) co_await execute(state_->requeued_after_grace(id, agent, now));
    }
  }
}

// ---- what the reconciler asks for ----

asio::awaitable<void> service::execute(actions todo) {
  const time_ms now = clock_.unix_ms();
  for (auto& a : todo) {
    if (!leader_) co_return;
    switch (a.what) {
      case action::kind::decide:
        co_await apply(std::move(a.ds), a.timeouts);
        break;
      case action::kind::index:
        co_await index_agent_conversation(a.entry, a.agent);
        break;
      case action::kind::unindex:
        co_await agents_.release(a.agent, a.conversation);
        break;
      case action::kind::count_answered:
      case action::kind::count_abandoned:
        if (a.what == action::kind::count_answered) metrics_.assigned(a.queue);
        else metrics_.abandoned(a.queue);
        count_today(a, now);
        break;
      case action::kind::warn:
        spdlog::warn("router: {}", a.text);
        break;
      case action::kind::tell:
        co_await tell_customer(a);
        break;
    }
  }
}

}  // namespace switchboard::router
