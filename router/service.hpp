#pragma once
// The router service (ARCHITECTURE §1, §4.6, §5): exactly one active router among any number of
// `switchboard serve` processes. Each contends for a Redis lease (store/lease.hpp); the holder
// fences every shard group with its token, rebuilds the engine from the store (unresolved
// conversations of every group, every agent record), re-claims requests a crashed router left
// pending, and then consumes, with one consumer group:
//   - the groups' routing-request streams, which the append script feeds atomically with each
//     change a router must hear of (queued, accepted, declined, transferred, released, ...);
//   - the agent event stream (status, profile, a desk connected or dropped).
// It feeds the engine, times offers and bullseye steps with engine.advance(), and writes every
// decision back through the append path under its fencing token: the decision with its reasons,
// then what it does (an offer guarded on "still queued", a timed-out offer guarded on "still
// offered to that agent", an overflow). A stale leader's writes are refused by the fence, and it
// steps down. Offers and agent state go to the agent's channel; queue positions with an estimated
// wait go to waiting conversations' channels, and every team's live board (queues with today's
// service level and Erlang C staffing advice, agents, conversations at risk) to its leads' team
// channel, every second. An agent whose last desk dropped keeps their conversations for
// `agent_grace`, then they are requeued (their last agent preferred).
//
// Runs on its own executor with its own Redis connection (it blocks in XREADGROUP). start() and
// stop() may be called from any thread; the rest runs on the executor.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <optional>
#include <vector>

#include "core/clock.hpp"
#include "core/ids.hpp"
#include "proto/config.pb.h"
#include "router/board.hpp"
#include "router/engine/engine.hpp"
#include "router/reconciler.hpp"
#include "router/router_metrics.hpp"
#include "store/agents.hpp"
#include "store/day_counts.hpp"
#include "store/group_streams.hpp"
#include "store/keys.hpp"
#include "store/lease.hpp"
#include "store/redis_client.hpp"
#include "store/timeline.hpp"

namespace switchboard::router {

// The consumer group every router reads the request streams with.
inline constexpr const char* kConsumerGroup = "router";

struct service_options {
  // From the config's router section and queues (their defaults: the schema's, proto/config.proto).
  service_options(const v1::Config& cfg, std::string instance);

  std::string instance;                              // lease owner and consumer name; unique per process
  std::chrono::milliseconds lease_ttl;
  std::chrono::milliseconds agent_grace;
  int read_batch;
  int default_handle_seconds;
  std::chrono::milliseconds max_block{1000};         // below the Redis command timeout
  std::vector<v1::Queue> queues;
  // A dead routing loop is restarted after this wait, doubled after each death in a row (up to 30×).
  std::chrono::milliseconds restart_backoff{1000};
  // Test seam only (tests/integration/router_service_test.cpp): called for every routing note before
  // it is handled, on the router's executor; what it throws ends the routing loop as a bug would.
  std::function<void()> on_note_for_test;
  // Where the router's figures go (router_metrics.hpp); none: discarded.
  metrics::registry* metrics = nullptr;
};

class service {
 public:
  // `redis` must be a client of its own (blocking reads) running on `ex`, with the store's scripts.
  service(boost::asio::any_io_executor ex, store::redis_client& redis, const store::key_layout& keys,
          id_generator& ids, const clock& clk, const v1::StoreConfig& store_cfg, service_options opts);
  ~service();

  // Contends for the lease and routes while it holds it. A routing loop that dies (throws) gives
  // the lease up at once, logs one error line, and is restarted as a fresh contender after a
  // bounded backoff (options.restart_backoff), until stop().
  void start();
  // Gives the lease up (a standby takes over at once) and ends the loop and the lease keeper;
  // `done` runs after both ended.
  void stop(std::function<void()> done);
  // Routes with these queues from the next turn of the loop on (a SIGHUP's reload): a leader
  // rebuilds what it knows from the store with them, as a takeover does, keeping its lease; a
  // standby keeps them for its takeover. Thread-safe.
  void reload(std::vector<v1::Queue> queues);
  bool leader() const noexcept { return leader_.load(); }
  // How many times the routing loop died (threw) and was restarted as a fresh contender.
  int loop_failures() const noexcept { return loop_failures_.load(); }

 private:
  boost::asio::awaitable<void> loop();
  void run_loop();
  // After the loop died: gives the lease up, waits the backoff; true: start the loop again.
  boost::asio::awaitable<bool> recover(std::string why);
  // keep_lease() or the loop ended for good; the last one runs stop()'s callback.
  void task_done();
  void drop_state();  // what a leader knows, forgotten (stepping down, or the loop died)
  boost::asio::awaitable<void> ensure_groups();
  boost::asio::awaitable<void> renew();
  boost::asio::awaitable<void> keep_lease();
  boost::asio::awaitable<void> take_over(bool reloading = false);
  boost::asio::awaitable<void> take_reload();
  boost::asio::awaitable<void> claim(std::chrono::milliseconds min_idle);
  void step_down(const char* why);
  boost::asio::awaitable<void> read_and_route(std::chrono::milliseconds block);
  boost::asio::awaitable<void> on_request(const store::reply& fields);
  // Carries out what the reconciler asked for, in order, while this router leads.
  boost::asio::awaitable<void> execute(actions todo);
  boost::asio::awaitable<void> on_agent_event(const store::reply& fields);
  boost::asio::awaitable<void> apply(decisions ds, bool requeue_is_timeout);
  boost::asio::awaitable<void> apply_one(v1::Decision d, bool requeue_is_timeout);
  boost::asio::awaitable<void> apply_offer(v1::Decision d, time_ms now);
  boost::asio::awaitable<void> apply_requeue(v1::Decision d, bool requeue_is_timeout, time_ms now);
  boost::asio::awaitable<void> expire_grace(time_ms now);
  // Abandons waiting conversations whose customer stayed gone; warns, then resolves, held ones
  // whose customer stays silent (router/customers.cpp).
  boost::asio::awaitable<void> watch_customers(time_ms now);
  // A `tell` action: the automatic message to a waiting customer on the channel they wrote from,
  // guarded on "still waiting"; its append puts it in the outbox (router/customers.cpp).
  boost::asio::awaitable<void> tell_customer(const action& a);
  boost::asio::awaitable<void> publish_positions(time_ms now);
  boost::asio::awaitable<void> publish_boards(time_ms now);
  // The notes in the request streams the group has not read, and read but not acknowledged
  // (XINFO GROUPS: lag and pending), for the metrics.
  void measure_behind();
  // The leads' boards when a second has passed since the last: from the main loop and between
  // the notes of a batch (routing a burst on a saturated Redis takes seconds), never while a
  // blocking read holds the connection.
  boost::asio::awaitable<void> boards_if_due();
  queue_day& today(const std::string& queue, time_ms now);
  // Counts a conversation opened today as answered ('a', `in_time` against its queue's target) or
  // abandoned ('x'), once (store/lua/day_count.lua): a new leader or a re-claimed note counts
  // nothing twice. One opened on an earlier day counts nowhere (the reports count it on its day).
  // Not awaited: the script is pipelined and its reply counts it here. A round trip per answered
  // conversation held the notes, and the boards, back by seconds at a saturated Redis.
  void count_today(const action& a, time_ms now);
  // Today's counts as the previous leaders left them (at takeover).
  boost::asio::awaitable<void> load_today(time_ms now);
  boost::asio::awaitable<result<store::append_result>> write(const std::string& conversation_id, v1::Event ev,
                                                             store::append_guard guard, store::field_changes fields);
  boost::asio::awaitable<void> publish_to_agent(const std::string& agent_id, const v1::ServerFrame& f);
  boost::asio::awaitable<void> index_agent_conversation(const v1::AgentConversation& entry, const std::string& agent_id);
  boost::asio::awaitable<void> sleep_for(std::chrono::milliseconds d);

  boost::asio::any_io_executor ex_;
  store::redis_client& redis_;
  const store::key_layout& keys_;
  id_generator& ids_;
  const clock& clock_;
  service_options opts_;
  router_metrics metrics_;
  store::timeline_repository timeline_;
  store::agent_repository agents_;
  store::day_counts day_counts_;
  store::lease lease_;
  boost::asio::steady_timer timer_;
  boost::asio::steady_timer lease_timer_;

  std::atomic<bool> leader_{false};
  std::atomic<int> loop_failures_{0};
  int deaths_in_row_ = 0;
  int tasks_ = 0;                                    // keep_lease() and the loop, while they run
  std::chrono::steady_clock::time_point loop_started_{};
  bool stopping_ = false;
  std::function<void()> on_stopped_;
  std::uint64_t token_ = 0;
  std::uint64_t renewals_ = 0;
  bool lost_ = false;  // keep_lease() saw another token: step down
  std::chrono::steady_clock::time_point next_renew_{};
  time_ms next_positions_ = 0;
  time_ms next_board_ = 0;
  int boards_ = 0;  // boards published by this leader (notes behind are measured every fifth)
  std::unique_ptr<reconciler> state_;                // what the leader knows; null when not leading
  std::optional<std::vector<v1::Queue>> reloaded_;   // queues a reload gave, not taken yet
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);  // replies not awaited check it (count_today)
  std::map<std::string, queue_day> days_;              // queue → today's figures
  std::vector<std::string> streams_;                  // every stream read, rq of each group then agents
  std::unique_ptr<store::group_streams> reader_;      // reads them, one by one, as their bells ring
};

}  // namespace switchboard::router
