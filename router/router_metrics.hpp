#pragma once
// The router's figures for GET /metrics (docs/OPERATIONS.md): per queue, offers, assignments and
// abandonments (counters) and, while this router leads, waiting, oldest wait and today's service
// level (gauges from the last board); the router's own: whether it leads and its lease term,
// routing notes not yet handled, a note's handling time and a conversation's wait for an offer.
// Updated on the router's executor; read by a scrape on any thread (a collector under a mutex).

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/metrics.hpp"
#include "proto/wire.pb.h"

namespace switchboard::router {

class router_metrics {
 public:
  // `r` null: metrics::registry::discard().
  explicit router_metrics(metrics::registry* r);
  ~router_metrics();
  router_metrics(const router_metrics&) = delete;
  router_metrics& operator=(const router_metrics&) = delete;

  // Router's executor only, as the rest below.
  void offered(const std::string& queue, std::chrono::milliseconds waited);
  void assigned(const std::string& queue);
  void abandoned(const std::string& queue);
  // A routing note read and handled (its decisions written, its offers sent).
  void note_handled(std::chrono::nanoseconds took) { note_seconds_.observe(took); }
  void leading(std::uint64_t term);
  void stepped_down();
  // The queues' rows of this second's boards.
  void boards(const std::map<std::string, v1::Board>& boards);
  // Routing notes in the streams not yet read by the group, and read but not acknowledged.
  void behind(std::int64_t unread, std::int64_t unacked);

 private:
  metrics::counter& per_queue(std::unordered_map<std::string, metrics::counter*>& cache, const char* name,
                              const char* help, const std::string& queue);
  void collect(metrics::sample_writer& w) const;

  struct queue_row {
    std::string queue;
    int waiting = 0, oldest_wait_seconds = 0;
    double service_level_today = 0;
    bool counted = false;  // any answered or abandoned today
  };

  metrics::registry& registry_;
  metrics::histogram& note_seconds_;
  metrics::counter& takeovers_;
  std::unordered_map<std::string, metrics::counter*> offers_, assignments_, abandonments_;
  std::unordered_map<std::string, metrics::histogram*> waits_;
  int collector_ = 0;

  mutable std::mutex mutex_;  // what the collector reads
  bool leading_ = false;
  std::uint64_t term_ = 0;
  std::int64_t unread_ = -1, unacked_ = -1;  // -1: not measured
  std::vector<queue_row> queues_;
};

}  // namespace switchboard::router
