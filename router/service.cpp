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
#include "store/routing_notes.hpp"
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

service_options::service_options(const v1::Config& cfg, std::string id)
    : instance(std::move(id)),
      lease_ttl(cfg.router().lease_ttl_ms()),
      agent_grace(std::chrono::seconds(cfg.router().agent_grace_seconds())),
      read_batch(cfg.router().read_batch()),
      default_handle_seconds(cfg.router().default_handle_seconds()),
      queues(cfg.queues().begin(), cfg.queues().end()) {}

service::service(asio::any_io_executor ex, store::redis_client& redis, const store::key_layout& keys, id_generator& ids,
                 const clock& clk, const v1::StoreConfig& store_cfg, service_options opts)
    : ex_(ex),
      redis_(redis),
      keys_(keys),
      ids_(ids),
      clock_(clk),
      opts_(std::move(opts)),
      metrics_(opts_.metrics),
      timeline_(redis, keys, ids, clk, store_cfg),
      agents_(redis, keys, clk),
      day_counts_(redis, keys),
      lease_(redis, "router", opts_.instance, opts_.lease_ttl, keys),
      timer_(ex),
      lease_timer_(ex) {
  for (int g = 0; g < keys_.groups(); ++g) streams_.push_back(keys_.routing_requests(g));
  for (int g = 0; g < store::key_layout::kAgentGroups; ++g) streams_.push_back(keys_.agent_events(g));
  store::group_streams::options ro;
  ro.group = kGroup;
  ro.consumer = opts_.instance;
  ro.count = static_cast<std::size_t>(std::max(1, opts_.read_batch));
  reader_ = std::make_unique<store::group_streams>(redis, clk, streams_, ro, "router-bells");
}

service::~service() = default;

asio::awaitable<void> service::boards_if_due() {
  const time_ms now = clock_.unix_ms();
  if (!leader_ || !state_ || now < next_board_) co_return;
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
    if (reloaded_) co_await take_reload();
    if (!leader_) {
      co_await sleep_for(std::chrono::duration_cast<std::chrono::milliseconds>(next_renew_ - std::chrono::steady_clock::now()));
      continue;
    }
    // Block until work comes, the next engine timer, the next renewal or the next positions.
    const time_ms now = clock_.unix_ms();
    const time_ms renew_at = now + std::chrono::duration_cast<std::chrono::milliseconds>(
                                      next_renew_ - std::chrono::steady_clock::now()).count();
    const time_ms until = std::min(std::min(state_->next_timer(), next_positions_), renew_at);
    const auto block = std::chrono::milliseconds(std::clamp<time_ms>(until - now, 1, opts_.max_block.count()));
    co_await read_and_route(block);
    if (!leader_ || stopping_) continue;
    const time_ms after = clock_.unix_ms();
    co_await execute(state_->advance(after));
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
  // Each stream on its own (no command spans two slots), when its bell rang (store/group_streams.hpp).
  auto [ec, r] = co_await reader_->read(block);
  if (ec) {
    if (r.error_code() == "NOGROUP") co_await ensure_groups();  // the streams were deleted (FLUSHALL)
    else co_await sleep_for(std::chrono::milliseconds(100));
    co_return;
  }
  if (!r.is_array()) co_return;  // timed out: nil
  for (const auto& per_stream : r.elements) {
    if (per_stream.elements.size() != 2) continue;
    const std::string& stream = per_stream.elements[0].str;
    const bool agents = keys_.agent_group_of_events(stream).has_value();
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

asio::awaitable<void> service::on_request(const store::reply& fields) {
  if (opts_.on_note_for_test) opts_.on_note_for_test();
  const auto started = clock_.steady();
  co_await execute(state_->on_note(store::decode_routing_note(fields), clock_.unix_ms()));
  metrics_.note_handled(clock_.steady() - started);
}

asio::awaitable<void> service::on_agent_event(const store::reply& fields) {
  const std::string id(store::flat_field(fields, "a"));
  store::agent_record rec;
  if (id.empty() || !store::decode_agent_record(std::string(store::flat_field(fields, "p")),
                                                std::string(store::flat_field(fields, "s")),
                                                store::flat_int(fields, "ss"),
                                                static_cast<int>(store::flat_int(fields, "n")),
                                                store::flat_field(fields, "r"), rec)) {
    co_return;
  }
  rec.agent.set_id(id);
  const bool dropped = store::flat_field(fields, "k") == "drop";
  const time_ms now = clock_.unix_ms();
  if (dropped && rec.connections == 0) {
    spdlog::info("router: agent {} disconnected; conversations kept for {} ms", id, opts_.agent_grace.count());
  }
  co_await execute(state_->on_agent(rec.agent, rec.connections, dropped, now));
}

}  // namespace switchboard::router
