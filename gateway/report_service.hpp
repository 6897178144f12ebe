#pragma once
// Where reports run (GET /v1/reports/*): a thread, an io_context and a Redis connection of their
// own, so that a report over a month of conversations never runs on the core strand that serves
// live chat, nor queues Redis commands in front of chat's. Conversations are read in pipelined
// batches (store/report_reads) and counted as they come (reports/kpi_accumulator): memory holds one
// batch and the rows, never the period's events. The thread runs at a lower CPU priority
// (nice +10) so that on a busy machine chat's threads go first. At most kMaxReports run at once;
// one more is refused (busy), never queued. Owns no HTTP: the REST API parses, renders, answers.
// Thread-safe: executor() from any thread; kpis() runs on executor() only.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.hpp"
#include "core/live_config.hpp"
#include "core/error.hpp"
#include "proto/config.pb.h"
#include "reports/kpi.hpp"
#include "store/agents.hpp"
#include "store/keys.hpp"
#include "store/redis_client.hpp"
#include "store/report_reads.hpp"

namespace switchboard::gateway {

// What a KPI report covers: conversations created in [from_ms, to_ms), rows per interval and key.
struct kpi_query {
  std::int64_t from_ms = 0, to_ms = 0;
  std::int64_t interval_ms = 86'400'000;
  reports::dimension by = reports::dimension::all;
};

// What the caller may see (the REST API's rules): a conversation counts if `may_read` says so;
// an agent's presence counts if `may_see`; by team, an agent counts under each team `has_team`.
struct report_access {
  std::function<bool(const v1::Conversation&)> may_read;
  std::function<bool(const v1::Agent&)> may_see;
  std::function<bool(const std::string&)> has_team;
};

struct kpi_outcome {
  enum class status {
    ok,
    busy,      // kMaxReports already running: nothing was read
    too_many,  // more than kMaxConversations created in the period: nothing was read
  };
  status what = status::ok;
  std::vector<reports::kpi_row> rows;  // sorted by (start, key)
  long conversations = 0;              // counted (the caller's)
};

class report_service {
 public:
  static constexpr int kMaxReports = 2;
  static constexpr std::size_t kMaxConversations = 1'000'000;
  static constexpr std::size_t kBatch = 64;  // conversations per round trip

  // `keys` and `clk` must outlive this. Connects nothing until start().
  report_service(const v1::Config& cfg, const live_config& live, const store::redis_options& redis, const store::key_layout& keys,
                 const clock& clk);
  // Stops the connection (a report in progress fails) and joins the thread.
  ~report_service();
  report_service(const report_service&) = delete;
  report_service& operator=(const report_service&) = delete;

  // Starts the thread and the connection (which reconnects by itself while Redis is down).
  void start();
  boost::asio::any_io_executor executor() { return ioc_.get_executor(); }

  // The KPI report of `q` for a caller with `who`'s access. Errors: the store's (Redis down or
  // slow: retryable), and then no partial figures are given.
  boost::asio::awaitable<result<kpi_outcome>> kpis(kpi_query q, report_access who);

 private:
  boost::asio::awaitable<result<std::vector<reports::agent_presence>>> presence(const kpi_query& q,
                                                                               const report_access& who);

  boost::asio::io_context ioc_{1};
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  store::redis_client redis_;
  store::report_reads reads_;
  store::agent_repository agents_;
  const live_config& live_;  // the queues' service-level targets, which SIGHUP may change
  int running_ = 0;                        // reports in progress (on the thread)
  std::thread thread_;
};

}  // namespace switchboard::gateway
