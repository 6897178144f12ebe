// Customers who go (router/service.hpp): a waiting conversation whose customer left and stayed
// gone past the queue's abandon_after_seconds is abandoned (resolved unanswered, with the reason);
// a held conversation whose customer stays silent is warned, then resolved as inactive. Both are
// the router's writes, under its fencing token, and count in the KPIs and the board like any
// resolve. Part of router::service, split from service.cpp along this seam.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include "router/service.hpp"

namespace switchboard::router {

namespace asio = boost::asio;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

// A policy's seconds: 0 takes the default, a negative value turns the rule off (-1).
time_ms limit_ms(int seconds, int fallback) {
  if (seconds < 0) return 0;
  return time_ms{seconds > 0 ? seconds : fallback} * 1000;
}

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

service::customer_limits service::limits_of(const std::string& queue) const {
  customer_limits l{limit_ms(0, 60), limit_ms(0, 900), limit_ms(0, 120)};
  for (const auto& q : opts_.queues) {
    if (q.name() != queue) continue;
    l.abandon_after = limit_ms(q.policy().abandon_after_seconds(), 60);
    l.inactive_after = limit_ms(q.policy().inactivity_timeout_seconds(), 900);
    l.warn_before = limit_ms(q.policy().inactivity_warning_seconds(), 120);
  }
  return l;
}

asio::awaitable<void> service::watch_customers(time_ms now) {
  struct due {
    std::string id;
    enum { abandon, warn, inactive } what;
  };
  std::vector<due> work;
  for (const auto& [id, c] : convs_) {
    const auto l = limits_of(c.queue);
    const std::string st = engine_->conversation_state(id);
    if (st == "waiting" && c.gone_since > 0 && l.abandon_after > 0 && now - c.gone_since >= l.abandon_after) {
      work.push_back({id, due::abandon});
    } else if (st == "assigned" && c.awaiting_since == 0 && c.customer_turn_since > 0 && l.inactive_after > 0) {
      const time_ms silent = now - c.customer_turn_since;
      if (silent >= l.inactive_after) {
        work.push_back({id, due::inactive});
      } else if (!c.warned && silent >= l.inactive_after - std::min(l.warn_before, l.inactive_after)) {
        work.push_back({id, due::warn});
      }
    }
  }
  for (const auto& w : work) {
    if (!leader_) co_return;
    auto it = convs_.find(w.id);
    if (it == convs_.end()) continue;
    const conv_info c = it->second;
    if (w.what == due::warn) {
      v1::Event ev;
      const time_ms left = c.customer_turn_since + limits_of(c.queue).inactive_after - now;
      ev.mutable_inactivity_warning()->set_resolves_in_seconds(static_cast<std::int32_t>((left + 999) / 1000));
      auto r = co_await write(w.id, std::move(ev), held_guard(""), {});
      if (r) it->second.warned = true;
      continue;
    }
    const bool abandon = w.what == due::abandon;
    const time_ms since = abandon ? c.gone_since : c.customer_turn_since;
    // Named values, not temporaries of a ?: inside the co_await: GCC 12 destroys those twice.
    store::append_guard guard;
    v1::Event ev;
    if (abandon) {
      guard.require("state", {"queued", "escalated"});
      ev = resolve_event("abandoned", "the customer left " + std::to_string((now - since) / 1000) +
                                          " s ago while waiting and did not come back");
    } else {
      guard = held_guard(c.owner);
      ev = resolve_event("inactive", "the customer was silent for " + std::to_string((now - since) / 1000) + " s");
    }
    auto r = co_await write(w.id, std::move(ev), std::move(guard), {});
    if (!leader_) co_return;
    if (!r) continue;  // the customer or an agent got there first: their note follows
    spdlog::info("router: conversation {} {}", w.id, abandon ? "abandoned" : "resolved as inactive");
    co_await ended(w.id, now);
  }
}

// Out of the engine and the agent's index; counted today as abandoned if never answered.
asio::awaitable<void> service::ended(const std::string& id, time_ms now) {
  auto it = convs_.find(id);
  if (it == convs_.end()) co_return;
  if (!it->second.answered) count_today('x', id, it->second, false, now);
  const std::string held_by = engine_->conversation_agent(id);
  auto ds = engine_->release(id, now);
  if (!held_by.empty()) {
    co_await redis_.async_exec(store::cmd("HDEL", keys_.agent_conversations(held_by), id), use_tuple);
  }
  forget(id, now);
  co_await apply(std::move(ds), false);
}

}  // namespace switchboard::router
