#include "router/router_metrics.hpp"

namespace switchboard::router {

router_metrics::router_metrics(metrics::registry* r)
    : registry_(r ? *r : metrics::registry::discard()),
      note_seconds_(registry_.histogram_of("switchboard_router_decision_seconds",
                                           "Routing notes: read from the stream to handled (decisions written, offers sent).",
                                           metrics::fast_buckets())),
      takeovers_(registry_.counter_of("switchboard_router_takeovers_total",
                                      "Times this process became the active router.")),
      collector_(registry_.add_collector([this](metrics::sample_writer& w) { collect(w); })) {}

router_metrics::~router_metrics() { registry_.remove_collector(collector_); }

metrics::counter& router_metrics::per_queue(std::unordered_map<std::string, metrics::counter*>& cache,
                                            const char* name, const char* help, const std::string& queue) {
  auto& c = cache[queue];
  if (!c) c = &registry_.counter_of(name, help, metrics::labels({{"queue", queue}}));
  return *c;
}

void router_metrics::offered(const std::string& queue, std::chrono::milliseconds waited) {
  per_queue(offers_, "switchboard_queue_offers_total", "Offers made to agents, by queue.", queue).add();
  auto& h = waits_[queue];
  if (!h) {
    h = &registry_.histogram_of("switchboard_router_arrival_to_offer_seconds",
                                "A conversation's wait from its arrival in the queue to an offer, by queue.",
                                metrics::wait_buckets(), metrics::labels({{"queue", queue}}));
  }
  h->observe(std::chrono::duration<double>(waited).count());
}

void router_metrics::assigned(const std::string& queue) {
  per_queue(assignments_, "switchboard_queue_assignments_total", "Offers accepted: conversations assigned, by queue.",
            queue)
      .add();
}

void router_metrics::abandoned(const std::string& queue) {
  per_queue(abandonments_, "switchboard_queue_abandonments_total",
            "Conversations whose customer left before an agent accepted, by queue.", queue)
      .add();
}

void router_metrics::leading(std::uint64_t term) {
  takeovers_.add();
  std::lock_guard lock(mutex_);
  leading_ = true;
  term_ = term;
}

void router_metrics::stepped_down() {
  std::lock_guard lock(mutex_);
  leading_ = false;
  term_ = 0;
  unread_ = unacked_ = -1;
  queues_.clear();
}

void router_metrics::boards(const std::map<std::string, v1::Board>& boards) {
  std::vector<queue_row> rows;
  for (const auto& [team, b] : boards) {
    for (const auto& q : b.queues()) {
      rows.push_back({q.queue(), q.waiting(), q.oldest_wait_seconds(), q.service_level_today(),
                      q.answered_today() + q.abandoned_today() > 0});
    }
  }
  std::lock_guard lock(mutex_);
  queues_ = std::move(rows);
}

void router_metrics::behind(std::int64_t unread, std::int64_t unacked) {
  std::lock_guard lock(mutex_);
  unread_ = unread;
  unacked_ = unacked;
}

void router_metrics::collect(metrics::sample_writer& w) const {
  std::lock_guard lock(mutex_);
  w.gauge("switchboard_router_leader", "1 while this process is the active router, else 0.", {}, leading_ ? 1 : 0);
  w.gauge("switchboard_router_lease_term", "The fencing token of the lease this router holds (0: none).", {},
          static_cast<double>(term_));
  if (!leading_) return;  // a standby has no queues to report: sums over routers stay right
  if (unread_ >= 0) {
    const char* help = "Routing notes behind the active router: not yet read, or read and not yet acknowledged.";
    w.gauge("switchboard_router_notes_behind", help, metrics::labels({{"state", "unread"}}), static_cast<double>(unread_));
    w.gauge("switchboard_router_notes_behind", help, metrics::labels({{"state", "unacknowledged"}}),
            static_cast<double>(unacked_));
  }
  for (const auto& q : queues_) {
    const auto l = metrics::labels({{"queue", q.queue}});
    w.gauge("switchboard_queue_waiting", "Conversations waiting in the queue.", l, q.waiting);
    w.gauge("switchboard_queue_oldest_wait_seconds", "How long the queue's oldest waiting conversation has waited.", l,
            q.oldest_wait_seconds);
    if (q.counted) {
      w.gauge("switchboard_queue_service_level_ratio",
              "Today's service level: conversations answered within the queue's target over those answered or "
              "abandoned (created today).",
              l, q.service_level_today);
    }
  }
}

}  // namespace switchboard::router
