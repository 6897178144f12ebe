// Customers who go (router/service.hpp): a waiting conversation whose customer left and stayed
// gone past the queue's abandon_after_seconds is abandoned (resolved unanswered, with the reason);
// a held conversation whose customer stays silent is warned, then resolved as inactive. Both are
// the router's writes, under its fencing token, and count in the KPIs and the board like any
// resolve. And customers who write on another channel while they wait: told their place there
// (docs/CHANNELS.md). Part of router::service, split from service.cpp along this seam.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include "core/actors.hpp"
#include "core/log.hpp"
#include "router/service.hpp"

namespace switchboard::router {

namespace asio = boost::asio;

namespace {

// No fields (GCC 12 miscompiles braced lists of strings inside coroutines: decisions.cpp).
store::append_guard held_guard(std::string owner) {
  store::append_guard g;
  g.require("state", {"assigned", "waiting_customer"});
  if (!owner.empty()) g.require("owner_id", std::move(owner));
  return g;
}

v1::Event resolve_event(std::string disposition, std::string reason) {
  v1::Event ev;
  auto* sc = ev.mutable_status_change();
  sc->set_to(v1::RESOLVED);
  sc->set_actor("router");
  sc->set_disposition(std::move(disposition));
  sc->set_reason(std::move(reason));
  return ev;
}

}  // namespace

asio::awaitable<void> service::watch_customers(time_ms now) {
  for (const auto& w : state_->customers_due(now)) {
    if (!leader_) co_return;
    if (w.what == reconciler::customer_due::warn) {
      v1::Event ev;
      ev.set_actor("router");
      const time_ms left = std::max<time_ms>(0, w.resolves_at - now);
      ev.mutable_inactivity_warning()->set_resolves_in_seconds(static_cast<std::int32_t>((left + 999) / 1000));
      auto r = co_await write(w.id, std::move(ev), held_guard(""), {});
      if (r) state_->warned(w.id);
      continue;
    }
    const bool abandon = w.what == reconciler::customer_due::abandon;
    // Named values, not temporaries of a ?: inside the co_await: GCC 12 destroys those twice.
    store::append_guard guard;
    v1::Event ev;
    if (abandon) {
      guard.require("state", {"queued", "escalated"});
      ev = resolve_event("abandoned", "the customer left " + std::to_string((now - w.since) / 1000) +
                                          " s ago while waiting and did not come back");
    } else {
      guard = held_guard(w.owner);
      ev = resolve_event("inactive", "the customer was silent for " + std::to_string((now - w.since) / 1000) + " s");
    }
    auto r = co_await write(w.id, std::move(ev), std::move(guard), {});
    if (!leader_) co_return;
    if (!r) continue;  // the customer or an agent got there first: their note follows
    log_info({.conversation = w.id}, "router: conversation {}", abandon ? "abandoned" : "resolved as inactive");
    co_await execute(state_->ended(w.id, now));
  }
}

asio::awaitable<void> service::tell_customer(const action& a) {
  v1::Event ev;
  auto* m = ev.mutable_message();
  m->set_direction(v1::DIRECTION_OUTBOUND);
  m->set_channel(a.channel);
  m->set_body(a.text);
  m->set_author_id(std::string(kRouterActor));
  store::append_guard waiting;
  waiting.require("state", {"queued", "escalated"});
  auto r = co_await write(a.conversation, std::move(ev), std::move(waiting), {});
  // Offered or taken meanwhile: there is no place to tell any more.
  if (!r && r.error() != errc::wrong_state && r.error() != errc::fenced) {
    log_warn({.conversation = a.conversation}, "router: cannot tell the customer their place: {}", r.error().message());
  }
}

}  // namespace switchboard::router
