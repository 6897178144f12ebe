#include "router/service.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>

#include "proto/wire.pb.h"
#include "router/engine/staffing.hpp"
#include "store/conversation_rules.hpp"
#include "store/scripts.hpp"

namespace switchboard::router {

namespace asio = boost::asio;
using boost::system::error_code;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
constexpr const char* kGroup = "router";
constexpr time_ms kPositionEveryMs = 1000;

// Field `name` of a stream entry's flat field list, or "".
std::string field(const store::reply& fields, std::string_view name) {
  for (std::size_t i = 0; i + 1 < fields.elements.size(); i += 2) {
    if (fields.elements[i].str == name) return fields.elements[i + 1].str;
  }
  return {};
}

std::int64_t to_int(const std::string& s) {
  std::int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return v;
    v = v * 10 + (c - '0');
  }
  return v;
}

// "a,b" → {a, b}.
std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < s.size()) {
    auto end = s.find(',', start);
    if (end == std::string::npos) end = s.size();
    if (end > start) out.push_back(s.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

// "name:min,name:min" → skill needs.
std::vector<skill_need> parse_skills(const std::string& s) {
  std::vector<skill_need> out;
  std::size_t start = 0;
  while (start < s.size()) {
    auto end = s.find(',', start);
    if (end == std::string::npos) end = s.size();
    const auto part = s.substr(start, end - start);
    const auto colon = part.find(':');
    if (colon != std::string::npos && colon > 0) {
      out.push_back({part.substr(0, colon), std::clamp(static_cast<int>(to_int(part.substr(colon + 1))), 1, 5)});
    }
    start = end + 1;
  }
  return out;
}

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

service::service(asio::any_io_executor ex, store::redis_client& redis, const store::key_layout& keys, id_generator& ids,
                 const clock& clk, const v1::StoreConfig& store_cfg, service_options opts)
    : ex_(ex),
      redis_(redis),
      keys_(keys),
      ids_(ids),
      clock_(clk),
      opts_(std::move(opts)),
      timeline_(redis, keys, ids, clk, store_cfg),
      agents_(redis, keys, clk),
      lease_(redis, "router", opts_.instance, opts_.lease_ttl, keys),
      timer_(ex),
      lease_timer_(ex) {
  for (int g = 0; g < keys_.groups(); ++g) streams_.push_back(keys_.routing_requests(g));
  streams_.push_back(keys_.agent_events());
  for (const auto& q : opts_.queues) queue_team_[q.name()] = q.team();
}

service::~service() = default;

void service::start() {
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
  const std::string lease = !released ? "could not reach Redis to give the lease up (it expires within its TTL)"
                            : *released ? "gave the lease up (token " + std::to_string(held) + ")"
                                        : "held no lease";
  spdlog::error("router {}: the routing loop died ({}); {}; {}", opts_.instance, why, lease,
                stopping_ ? "stopping" : "contending again in " + std::to_string(backoff.count()) + " ms");
  if (stopping_) co_return false;
  co_await sleep_for(backoff);
  if (stopping_) co_return false;
  next_renew_ = {};  // contend at once
  co_return true;
}

void service::task_done() {
  if (--tasks_ > 0) return;
  leader_ = false;
  if (auto done = std::move(on_stopped_)) done();
}

asio::awaitable<void> service::boards_if_due() {
  const time_ms now = clock_.unix_ms();
  if (!leader_ || !engine_ || now < next_board_) co_return;
  next_board_ = now + kPositionEveryMs;
  co_await publish_boards(now);
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
  });
}

asio::awaitable<void> service::sleep_for(std::chrono::milliseconds d) {
  timer_.expires_after(d);
  co_await timer_.async_wait(use_tuple);
}

// ---- leadership ----

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

asio::awaitable<void> service::loop() {
  co_await ensure_groups();
  while (!stopping_) {
    if (std::chrono::steady_clock::now() >= next_renew_ || lost_) co_await renew();
    if (stopping_) break;
    if (!leader_) {
      co_await sleep_for(std::chrono::duration_cast<std::chrono::milliseconds>(next_renew_ - std::chrono::steady_clock::now()));
      continue;
    }
    // Block until work comes, the next engine timer, the next renewal or the next positions.
    const time_ms now = clock_.unix_ms();
    const time_ms renew_at = now + std::chrono::duration_cast<std::chrono::milliseconds>(
                                      next_renew_ - std::chrono::steady_clock::now()).count();
    const time_ms until = std::min(std::min(engine_->next_timer(), next_positions_), renew_at);
    const auto block = std::chrono::milliseconds(std::clamp<time_ms>(until - now, 1, opts_.max_block.count()));
    co_await read_and_route(block);
    if (!leader_ || stopping_) continue;
    const time_ms after = clock_.unix_ms();
    co_await apply(engine_->advance(after), true);
    if (!leader_) continue;
    co_await expire_grace(after);
    if (leader_ && after >= next_positions_) {
      co_await publish_positions(after);
      if (leader_) co_await watch_customers(after);
      if (leader_) co_await boards_if_due();
      next_positions_ = after + kPositionEveryMs;
    }
  }
  if (leader_) {
    leader_ = false;
    co_await lease_.release();
    spdlog::info("router {} released the lease", opts_.instance);
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
  engine_.reset();
  convs_.clear();
  agent_infos_.clear();
  grace_.clear();
}

// Rebuilds the engine from the store: held conversations first (they use capacity), then agents,
// then waiting conversations in their order of arrival; then what a crashed leader left pending.
asio::awaitable<void> service::take_over() {
  const time_ms now = clock_.unix_ms();
  engine_ = std::make_unique<engine>(engine_config{opts_.queues, 5});
  convs_.clear();
  agent_infos_.clear();
  grace_.clear();
  arrivals_.clear();
  days_.clear();
  low_ratings_.clear();
  struct waiting_row {
    time_ms queued_at;
    std::string id;
    std::vector<std::string> excluded;
  };
  std::vector<waiting_row> waiting;
  std::map<std::string, std::vector<std::pair<std::string, v1::AgentConversation>>> held;
  for (int g = 0; g < keys_.groups(); ++g) {
    auto [ec, r] = co_await redis_.async_eval(store::scripts::router_snapshot(), store::cmd(keys_.active(g)),
                                              store::cmd(keys_.group_conversation_prefix(g)), use_tuple);
    if (ec) {
      spdlog::warn("router {} cannot read group {}: {}", opts_.instance, g, ec.message());
      engine_.reset();
      co_return;  // not leader yet; the next renewal tries again
    }
    for (const auto& row : r.elements) {
      if (row.elements.size() != 19) continue;
      auto s = [&](int i) -> const std::string& { return row.elements[static_cast<std::size_t>(i)].str; };
      const std::string& id = s(0);
      conv_info c;
      c.customer = s(1);
      c.queue = s(3);
      c.channel = store::channel_from_name(s(4)).value_or(v1::CHANNEL_WEB);
      c.priority = static_cast<int>(to_int(s(5)));
      c.preview = s(12);
      c.queued_at = to_int(s(13));
      c.created_at = c.queued_at;
      c.seq = to_int(s(15));
      c.awaiting_since = to_int(s(17));
      c.gone_since = to_int(s(18));
      if (c.awaiting_since == 0) c.customer_turn_since = now;  // unknown since when: from now
      // The arrival rate of the board counts what arrived in the last 15 minutes, also before
      // this router led.
      if (now - c.created_at <= 900'000) arrivals_[c.queue].push_back(c.created_at);
      const std::string state = s(2);
      convs_[id] = c;
      conversation_fact f = conversation_fact_of(id);
      f.required = parse_skills(s(14));
      f.excluded = split(s(16));
      if (state == "queued" || state == "escalated") {
        waiting.push_back({c.queued_at, id, f.excluded});
      } else if (state == "offered" && !s(8).empty()) {
        engine_->restore(f, s(8), true, to_int(s(9)));
        convs_[id].owner = s(8);
        v1::AgentConversation ac;
        ac.set_conversation_id(id);
        ac.set_state(v1::OFFERED);
        held[s(8)].push_back({id, ac});
      } else if ((state == "assigned" || state == "waiting_customer" || state == "wrap_up") && !s(7).empty()) {
        engine_->restore(f, s(7), false, 0);
        convs_[id].owner = s(7);
        convs_[id].assigned_at = now;
      }
    }
  }
  auto agents = co_await agents_.list();
  if (!agents) {
    engine_.reset();
    co_return;
  }
  decisions ds;
  for (auto& rec : *agents) {
    auto& info = agent_infos_[rec.agent.id()];
    info.profile = rec.agent;
    info.status = rec.agent.status();
    info.connections = rec.connections;
    // Nobody connected: they get the grace period from now (their drop may predate this leader).
    if (rec.connections == 0) grace_[rec.agent.id()] = now + opts_.agent_grace.count();
    update_agent(rec.agent.id(), ds);
  }
  std::sort(waiting.begin(), waiting.end(), [](const auto& a, const auto& b) { return a.queued_at < b.queued_at; });
  for (const auto& w : waiting) {
    conversation_fact f = conversation_fact_of(w.id);
    f.excluded = w.excluded;
    auto more = engine_->queue_conversation(f, now);
    ds.insert(ds.end(), more.begin(), more.end());
  }
  co_await load_today(now);
  leader_ = true;
  spdlog::info("router {} is the leader with token {}: {} conversations, {} agents", opts_.instance, token_,
               convs_.size(), agent_infos_.size());
  // The agents' index of what they hold, rebuilt from what the engine now knows.
  for (const auto& [id, info] : agent_infos_) {
    co_await redis_.async_exec(store::cmd("DEL", keys_.agent_conversations(id)), use_tuple);
  }
  for (const auto& [id, c] : convs_) {
    if (c.owner.empty()) continue;
    const bool offered = engine_->conversation_state(id) == "offered";
    co_await index_agent_conversation(c.owner, id, offered ? v1::OFFERED : v1::ASSIGNED, 0);
  }
  co_await apply(std::move(ds), false);
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
      if (stream == keys_.agent_events()) {
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

// ---- reading ----

asio::awaitable<void> service::read_and_route(std::chrono::milliseconds block) {
  std::vector<std::string> args = store::cmd("XREADGROUP", "GROUP", kGroup, opts_.instance, "COUNT",
                                             std::to_string(opts_.read_batch), "BLOCK", std::to_string(block.count()),
                                             "STREAMS");
  args.insert(args.end(), streams_.begin(), streams_.end());
  for (std::size_t i = 0; i < streams_.size(); ++i) args.emplace_back(">");
  auto [ec, r] = co_await redis_.async_exec(std::move(args), use_tuple);
  if (ec) {
    if (r.error_code() == "NOGROUP") co_await ensure_groups();  // the streams were deleted (FLUSHALL)
    else co_await sleep_for(std::chrono::milliseconds(100));
    co_return;
  }
  if (!r.is_array()) co_return;  // timed out: nil
  for (const auto& per_stream : r.elements) {
    if (per_stream.elements.size() != 2) continue;
    const std::string& stream = per_stream.elements[0].str;
    const bool agents = stream == keys_.agent_events();
    std::vector<std::string> ack = store::cmd("XACK", stream, kGroup);
    for (const auto& entry : per_stream.elements[1].elements) {
      if (entry.elements.size() != 2 || !entry.elements[1].is_array()) continue;
      if (!leader_) co_return;  // stepped down mid-batch: the next leader claims the rest
      if (agents) {
        co_await on_agent_event(entry.elements[1]);
      } else {
        co_await on_request(entry.elements[1]);
      }
      ack.push_back(entry.elements[0].str);
      co_await boards_if_due();  // a long batch at a saturated Redis keeps the boards' second
    }
    if (ack.size() > 3 && leader_) co_await redis_.async_exec(std::move(ack), use_tuple);
  }
}

conversation_fact service::conversation_fact_of(const std::string& id) const {
  conversation_fact f;
  f.id = id;
  auto it = convs_.find(id);
  if (it == convs_.end()) return f;
  f.queue = it->second.queue;
  f.channel = it->second.channel;
  f.priority = it->second.priority;
  f.queued_at = it->second.queued_at;
  return f;
}

void service::forget(const std::string& id, time_ms now) {
  auto it = convs_.find(id);
  if (it == convs_.end()) return;
  if (it->second.assigned_at > 0) {
    // Handle time feeds the wait estimate: a moving average per queue.
    const double seconds = static_cast<double>(now - it->second.assigned_at) / 1000.0;
    auto [h, fresh] = handle_seconds_.try_emplace(it->second.queue, opts_.default_handle_seconds);
    h->second = 0.8 * h->second + 0.2 * std::max(1.0, seconds);
  }
  convs_.erase(it);
}

asio::awaitable<void> service::on_request(const store::reply& fields) {
  const std::string id = field(fields, "c");
  const std::string kind = field(fields, "k");
  const std::string state = field(fields, "st");
  const time_ms now = clock_.unix_ms();
  if (id.empty()) co_return;
  if (opts_.on_note_for_test) opts_.on_note_for_test();
  // A note at or below the sequence number already accounted for is stale (re-claimed after a
  // takeover whose snapshot already holds its effect, or superseded by the router's own write).
  const std::int64_t seq = to_int(field(fields, "sq"));
  if (auto known = convs_.find(id); known != convs_.end() && seq <= known->second.seq) co_return;
  const bool fresh = !convs_.count(id);
  auto& c = convs_[id];
  c.seq = seq;
  c.customer = field(fields, "cu");
  c.queue = field(fields, "q");
  c.channel = store::channel_from_name(field(fields, "ch")).value_or(v1::CHANNEL_WEB);
  c.priority = static_cast<int>(to_int(field(fields, "p")));
  if (auto pv = field(fields, "pv"); !pv.empty()) c.preview = pv;
  if (c.queued_at == 0) c.queued_at = to_int(field(fields, "ca"));
  if (c.created_at == 0) c.created_at = to_int(field(fields, "ca"));
  if (fresh && kind == "queued" && state == "queued" && now - c.created_at < 60'000) {
    auto& a = arrivals_[c.queue];
    a.push_back(now);
  }
  if (kind == "transfer") ++c.transfers;
  c.awaiting_since = to_int(field(fields, "aw"));
  c.gone_since = to_int(field(fields, "gn"));
  if (c.awaiting_since > 0) {
    c.customer_turn_since = 0;  // the customer wrote: the agent's turn
    c.warned = false;
  } else if (c.customer_turn_since == 0 || kind == "accepted" || kind == "assigned" || kind == "takeover") {
    // The customer's turn: since staff answered, or since someone new took it.
    const time_ms at = to_int(field(fields, "at"));
    c.customer_turn_since = at > 0 ? at : now;
  }
  // The customer's turn began or ended, nothing else changed: the board reads it.
  if (kind == "turn" && !fresh) co_return;
  const std::string owner = field(fields, "o");
  const std::string engine_state = engine_->conversation_state(id);

  if (kind == "low_csat") {
    // A resolved conversation rated 1 or 2: on its team's board for an hour, to follow up.
    low_ratings_[id] = low_rating{now, static_cast<int>(to_int(field(fields, "sc"))), c.queue, owner};
    if (state == "resolved") forget(id, now);  // known for this note only
    co_return;
  }
  if (kind == "priority") {
    // A new priority re-orders a waiting conversation (its place by arrival is kept).
    if (engine_state == "waiting") {
      decisions ds = engine_->release(id, now);
      conversation_fact f = conversation_fact_of(id);
      f.required = parse_skills(field(fields, "sk"));
      f.excluded = split(field(fields, "ex"));
      auto more = engine_->queue_conversation(f, now);
      ds.insert(ds.end(), more.begin(), more.end());
      c.published_position = 0;
      co_await apply(std::move(ds), false);
    }
    co_return;
  }
  if (state == "resolved") {
    co_await ended(id, now);
    co_return;
  }
  if (kind == "declined" && state == "queued") {
    const std::string offered_to = field(fields, "oa");
    if (engine_state == "offered" && engine_->conversation_agent(id) == offered_to) {
      c.owner.clear();
      co_await apply(engine_->answer_offer(id, offered_to, offer_answer::declined, now), false);
      co_return;
    }
  }
  if (state == "queued" || state == "escalated") {
    // Already waiting or held as the engine sees it: nothing new.
    if ((kind == "queued" || kind == "declined") && !engine_state.empty()) co_return;
    // Queued again (transfer, requeue, reopen): out of the engine, then waiting once more,
    // preferring the agent named.
    decisions ds;
    if (!engine_state.empty()) {
      const std::string held_by = engine_->conversation_agent(id);
      ds = engine_->release(id, now);
      if (!held_by.empty()) {
        co_await redis_.async_exec(store::cmd("HDEL", keys_.agent_conversations(held_by), id), use_tuple);
      }
    }
    c.owner.clear();
    c.assigned_at = 0;
    c.published_position = 0;
    if (kind == "transfer" || kind == "escalated") c.queued_at = now;
    conversation_fact f = conversation_fact_of(id);
    f.required = parse_skills(field(fields, "sk"));
    f.excluded = split(field(fields, "ex"));
    f.preferred_agent = field(fields, "pa");
    // A transfer names its agent or none: its maker is not waited for as the last agent.
    if (kind != "transfer") f.last_agent = field(fields, "lo");
    if (!f.preferred_agent.empty()) {
      // Transferred to an agent: they get it first, for at least one offer's time.
      for (const auto& q : opts_.queues) {
        if (q.name() == f.queue) {
          f.preferred_wait_seconds = std::max(q.policy().preferred_agent_wait_seconds(),
                                              std::max(q.policy().offer_timeout_seconds(), 30) + 5);
        }
      }
    }
    bool accepted = false;
    auto more = engine_->queue_conversation(f, now, &accepted);
    if (!accepted) spdlog::warn("router: conversation {} names unknown queue '{}'", id, c.queue);
    ds.insert(ds.end(), more.begin(), more.end());
    co_await apply(std::move(ds), false);
    co_return;
  }
  if ((state == "assigned" || state == "waiting_customer") && !owner.empty()) {
    if (engine_state == "offered" && engine_->conversation_agent(id) == owner) {
      co_await apply(engine_->answer_offer(id, owner, offer_answer::accepted, now), false);
      if (!leader_) co_return;  // fenced meanwhile: the state is gone
    } else if (engine_state != "assigned" || engine_->conversation_agent(id) != owner) {
      // Held by someone the engine did not expect (an accept racing a timeout, a takeover): the
      // store is the truth.
      const std::string held_by = engine_->conversation_agent(id);
      decisions ds = engine_->release(id, now);
      if (!held_by.empty() && held_by != owner) {
        co_await redis_.async_exec(store::cmd("HDEL", keys_.agent_conversations(held_by), id), use_tuple);
      }
      engine_->restore(conversation_fact_of(id), owner, false, 0);
      co_await apply(std::move(ds), false);
      if (!leader_) co_return;
    }
    if (!c.answered) {
      // First answer: today's service level, counted like the reports (by the day it was opened).
      c.answered = true;
      int target = 60;
      for (const auto& q : opts_.queues) {
        if (q.name() == c.queue && q.policy().service_level_seconds() > 0) target = q.policy().service_level_seconds();
      }
      count_today('a', id, c, now - c.created_at <= time_ms{target} * 1000, now);
    }
    c.owner = owner;
    c.assigned_at = now;
    co_await index_agent_conversation(owner, id, v1::ASSIGNED, 0);
  }
}

void service::update_agent(const std::string& agent_id, decisions& out) {
  auto more = engine_->update_agent(fact_of(agent_id), clock_.unix_ms());
  out.insert(out.end(), more.begin(), more.end());
}

agent_fact service::fact_of(const std::string& agent_id) const {
  agent_fact f;
  f.id = agent_id;
  auto it = agent_infos_.find(agent_id);
  if (it == agent_infos_.end()) {
    f.status = v1::OFFLINE;
    return f;
  }
  const auto& p = it->second.profile;
  f.skills.assign(p.skills().begin(), p.skills().end());
  f.teams.assign(p.teams().begin(), p.teams().end());
  f.capacity.assign(p.capacity().begin(), p.capacity().end());
  // No desk open: no offers (their held conversations wait out the grace period).
  f.status = it->second.connections > 0 ? it->second.status : v1::OFFLINE;
  f.status_since = p.status_since_ms();
  return f;
}

asio::awaitable<void> service::on_agent_event(const store::reply& fields) {
  const std::string id = field(fields, "a");
  const std::string kind = field(fields, "k");
  store::agent_record rec;
  if (id.empty() || !store::decode_agent_record(field(fields, "p"), field(fields, "s"), to_int(field(fields, "ss")),
                                                static_cast<int>(to_int(field(fields, "n"))), rec)) {
    co_return;
  }
  auto& info = agent_infos_[id];
  info.profile = rec.agent;
  info.status = rec.agent.status();
  info.connections = rec.connections;
  if (rec.connections > 0) {
    grace_.erase(id);
  } else if (kind == "drop" && !grace_.count(id)) {
    grace_[id] = clock_.unix_ms() + opts_.agent_grace.count();
    spdlog::info("router: agent {} disconnected; conversations kept for {} ms", id, opts_.agent_grace.count());
  }
  decisions ds;
  update_agent(id, ds);
  co_await apply(std::move(ds), false);
}

}  // namespace switchboard::router
