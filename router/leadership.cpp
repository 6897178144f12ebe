// The router's leadership (router/service.hpp): starting and stopping, keeping the lease,
// taking over from the previous leader (the engine rebuilt from the store, pending notes
// re-claimed), stepping down when fenced, and recovering from a routing loop that died. Part of
// router::service, split from service.cpp along this seam.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "store/routing_notes.hpp"
#include "router/service.hpp"
#include "store/scripts.hpp"

namespace switchboard::router {

namespace asio = boost::asio;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
constexpr const char* kGroup = kConsumerGroup;

// What an exception says, for a log line.
std::string what_of(std::exception_ptr e) {
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& x) {
    return x.what();
  } catch (...) {
    return "an exception that is not a std::exception";
  }
}

}  // namespace

void service::start() {
  reader_->start();
  tasks_ = 2;  // keep_lease() and the routing loop (with its recoveries)
  asio::co_spawn(ex_, keep_lease(), [this](std::exception_ptr e) {
    if (e) spdlog::error("router {}: the lease keeper died ({}); the lease expires within its TTL", opts_.instance,
                         what_of(e));
    task_done();
  });
  run_loop();
}

// The routing loop as a fresh contender. One that dies (an exception: a bug) must not leave the
// lease held by a process that routes nothing: recover() gives it up and starts the loop again.
void service::run_loop() {
  loop_started_ = clock_.steady();
  asio::co_spawn(ex_, loop(), [this](std::exception_ptr e) {
    if (!e) return task_done();  // stopped
    asio::co_spawn(ex_, recover(what_of(e)), [this](std::exception_ptr, bool restart) {
      if (restart) return run_loop();
      task_done();
    });
  });
}

// After the loop died: out of the leadership at once (keep_lease() renews nothing once token_ is 0)
// and the lease released, so a standby takes over now rather than never; then, after a backoff
// (restart_backoff, doubled per death in a row up to 30 times it; a loop that ran a minute starts
// the count again), the loop contends afresh — unless the service was stopped meanwhile.
asio::awaitable<bool> service::recover(std::string why) {
  const std::uint64_t held = token_;
  leader_ = false;
  token_ = 0;
  lost_ = false;
  drop_state();
  ++loop_failures_;
  deaths_in_row_ = clock_.steady() - loop_started_ > std::chrono::minutes(1) ? 1 : deaths_in_row_ + 1;
  const auto backoff = std::min(opts_.restart_backoff * (1 << std::min(deaths_in_row_ - 1, 5)),
                                opts_.restart_backoff * 30);
  // Also when no token was set yet (dead while taking over): it releases only this owner's lease.
  auto released = co_await lease_.release();
  // No ?: over temporaries in a coroutine: GCC 12 may destroy them twice (router/customers.cpp).
  std::string lease = "held no lease";
  if (!released) lease = "could not reach Redis to give the lease up (it expires within its TTL)";
  else if (*released) lease = "gave the lease up (token " + std::to_string(held) + ")";
  std::string next = "stopping";
  if (!stopping_) next = "contending again in " + std::to_string(backoff.count()) + " ms";
  spdlog::error("router {}: the routing loop died ({}); {}; {}", opts_.instance, why, lease, next);
  if (stopping_) co_return false;
  co_await sleep_for(backoff);
  if (stopping_) co_return false;
  next_renew_ = {};  // contend at once
  co_return true;
}

void service::task_done() {
  if (--tasks_ > 0) return;
  leader_ = false;
  metrics_.stepped_down();
  if (auto done = std::move(on_stopped_)) done();
}

// The leader renews its lease every third of the TTL whatever the main loop is busy with (a burst
// of decisions can take longer than the TTL): the renewal is pipelined on the same connection
// behind at most one blocking read. A renewal that does not return our token means the lease was
// lost; the main loop steps down at its next turn.
asio::awaitable<void> service::keep_lease() {
  while (!stopping_) {
    lease_timer_.expires_after(opts_.lease_ttl / 3);
    co_await lease_timer_.async_wait(use_tuple);
    if (stopping_ || token_ == 0) continue;  // not holding it (also renewed while taking over)
    const std::uint64_t held = token_;
    auto t = co_await lease_.acquire();
    if (t && *t != held && token_ == held) lost_ = true;
  }
}

void service::stop(std::function<void()> done) {
  asio::post(ex_, [this, done = std::move(done)]() mutable {
    stopping_ = true;
    on_stopped_ = std::move(done);
    timer_.cancel();
    lease_timer_.cancel();
    reader_->stop();
  });
}

void service::reload(std::vector<v1::Queue> queues) {
  asio::post(ex_, [this, queues = std::move(queues)]() mutable { reloaded_ = std::move(queues); });
}

// Between two turns of the loop every request read has been handled and acknowledged, so the
// store holds all a leader knows: it is rebuilt from there with the new queues (with their
// policies), as a takeover does, under the same lease and token. Should the store not answer, the
// router is a contender holding the lease: the next renewal takes over again.
asio::awaitable<void> service::take_reload() {
  opts_.queues = std::move(*reloaded_);
  reloaded_.reset();
  if (!leader_) co_return;  // a standby routes with them once it takes over
  spdlog::info("router {} takes the reloaded queues ({}): rebuilding from the store", opts_.instance, opts_.queues.size());
  leader_ = false;
  state_.reset();  // the metrics go on saying leader: the lease and its term stay
  co_await take_over(true);
}

asio::awaitable<void> service::ensure_groups() {
  for (std::size_t i = 0; i < streams_.size() && !stopping_;) {
    auto [ec, r] = co_await redis_.async_exec(store::cmd("XGROUP", "CREATE", streams_[i], kGroup, "$", "MKSTREAM"),
                                              use_tuple);
    if (!ec || r.error_code() == "BUSYGROUP") {
      ++i;
      continue;
    }
    co_await sleep_for(std::chrono::milliseconds(200));  // Redis not reachable yet: try again
  }
}

asio::awaitable<void> service::renew() {
  next_renew_ = std::chrono::steady_clock::now() + opts_.lease_ttl / 3;
  if (leader_) {
    // The lease itself is kept by keep_lease(); here: what the leader does every third of a TTL.
    if (lost_) {
      lost_ = false;
      step_down("the lease was lost");
      co_return;
    }
    // Desk sessions of gateways that died expire (their agents' drop events follow in the
    // stream); every tenth time, requests a stale reader took after losing the lease are claimed
    // (one XAUTOCLAIM per stream: not every time).
    co_await agents_.sweep();
    if (++renewals_ % 10 == 0) co_await claim(opts_.lease_ttl);
    co_return;
  }
  lost_ = false;
  auto t = co_await lease_.acquire();
  if (!t || *t == 0) co_return;  // Redis unreachable, or another router holds the lease
  token_ = *t;
  auto fenced = co_await lease_.fence(token_);
  if (!fenced || !*fenced) {
    spdlog::warn("router {} could not fence the groups with token {}", opts_.instance, token_);
    token_ = 0;
    co_return;
  }
  co_await take_over();
}

void service::step_down(const char* why) {
  spdlog::warn("router {} steps down: {}", opts_.instance, why);
  leader_ = false;
  token_ = 0;
  drop_state();
}

void service::drop_state() {
  state_.reset();
  metrics_.stepped_down();
}

// Rebuilds what a leader knows from the store (every group's unresolved conversations, every
// agent record: reconciler::take_over), then handles what a crashed leader left pending.
asio::awaitable<void> service::take_over(bool reloading) {
  const time_ms now = clock_.unix_ms();
  state_.reset();
  days_.clear();
  std::vector<v1::RoutingNote> snapshot;
  for (int g = 0; g < keys_.groups(); ++g) {
    auto notes = co_await store::read_routing_snapshot(redis_, keys_, g);
    if (!notes) {
      spdlog::warn("router {} cannot read group {}: {}", opts_.instance, g, notes.error().message());
      co_return;  // not leader yet; the next renewal tries again
    }
    for (auto& n : *notes) snapshot.push_back(std::move(n));
  }
  // Agent keys of a version before agent groups move to their groups first (store/agents.hpp).
  if (auto moved = co_await agents_.adopt_legacy(); !moved) {
    co_return;
  } else if (*moved > 0) {
    spdlog::info("router {} moved {} agents' keys from {{ag}} to their agent groups", opts_.instance, *moved);
  }
  auto records = co_await agents_.list();
  if (!records) co_return;
  std::vector<agent_presence> agents;
  for (auto& rec : *records) agents.push_back({std::move(rec.agent), rec.connections});
  reconciler_settings settings;
  settings.queues = opts_.queues;
  settings.agent_grace_ms = opts_.agent_grace.count();
  settings.default_handle_seconds = opts_.default_handle_seconds;
  state_ = std::make_unique<reconciler>(std::move(settings));
  auto todo = state_->take_over(snapshot, agents, now);
  co_await load_today(now);
  leader_ = true;
  boards_ = 0;
  if (!reloading) metrics_.leading(token_);  // a takeover, counted; a reload is none
  spdlog::info("router {} is the leader with token {}: {} conversations, {} agents", opts_.instance, token_,
               state_->conversations().size(), state_->agents().size());
  // The agents' index of what they hold is rebuilt from what the engine now knows (in `todo`).
  for (const auto& [id, info] : state_->agents()) {
    co_await agents_.clear_held(id);
  }
  co_await execute(std::move(todo));
  // Requests a crashed leader read but never acknowledged (stale ones are skipped by seq).
  co_await claim(std::chrono::milliseconds(0));
}

// Takes over entries pending with other consumers for at least `min_idle`, handles them like
// fresh ones and acknowledges them.
asio::awaitable<void> service::claim(std::chrono::milliseconds min_idle) {
  for (const auto& stream : streams_) {
    if (!leader_) co_return;
    auto [ec, r] = co_await redis_.async_exec(store::cmd("XAUTOCLAIM", stream, kGroup, opts_.instance,
                                                         std::to_string(min_idle.count()), "0-0", "COUNT", "1000"),
                                              use_tuple);
    if (ec || !r.is_array() || r.elements.size() < 2 || r.elements[1].elements.empty()) continue;
    std::vector<std::string> ack = store::cmd("XACK", stream, kGroup);
    for (const auto& entry : r.elements[1].elements) {
      if (entry.elements.size() != 2 || !entry.elements[1].is_array()) continue;
      if (keys_.agent_group_of_events(stream)) {
        co_await on_agent_event(entry.elements[1]);
      } else {
        co_await on_request(entry.elements[1]);
      }
      ack.push_back(entry.elements[0].str);
      co_await boards_if_due();
    }
    if (leader_) co_await redis_.async_exec(std::move(ack), use_tuple);
  }
}

}  // namespace switchboard::router
