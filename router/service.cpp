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
#include "router/note_fields.hpp"
#include "store/conversation_rules.hpp"
#include "store/scripts.hpp"

namespace switchboard::router {

namespace asio = boost::asio;
using boost::system::error_code;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
constexpr const char* kGroup = kConsumerGroup;
constexpr time_ms kPositionEveryMs = 1000;

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

asio::awaitable<void> service::boards_if_due() {
  const time_ms now = clock_.unix_ms();
  if (!leader_ || !engine_ || now < next_board_) co_return;
  next_board_ = now + kPositionEveryMs;
  co_await publish_boards(now);
}

asio::awaitable<void> service::sleep_for(std::chrono::milliseconds d) {
  timer_.expires_after(d);
  co_await timer_.async_wait(use_tuple);
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
