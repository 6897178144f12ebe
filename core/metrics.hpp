#pragma once
// The process's metrics, written out in Prometheus' text format (GET /metrics, docs/OPERATIONS.md
// lists every name): counters and gauges that any thread updates without locks, histograms with
// a few fixed buckets, and collectors that work out gauges when scraped (a queue's waiting count,
// the router's lease). A family (one name) may hold many label sets; the text groups each family
// under one HELP and TYPE, as the format requires. Owns no I/O: the gateway serves text().

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace switchboard::metrics {

// `{name="value",...}` with the format's escapes (\\, \", \n); empty for no labels.
std::string labels(std::initializer_list<std::pair<std::string_view, std::string_view>> kv);

class counter {
 public:
  void add(std::uint64_t n = 1) noexcept { v_.fetch_add(n, std::memory_order_relaxed); }
  std::uint64_t value() const noexcept { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> v_{0};
};

class gauge {
 public:
  void set(double v) noexcept { v_.store(v, std::memory_order_relaxed); }
  void add(double d) noexcept;
  double value() const noexcept { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> v_{0};
};

// Cumulative buckets with upper bounds in seconds (ascending), plus +Inf, a sum and a count.
class histogram {
 public:
  explicit histogram(std::vector<double> bounds);
  void observe(double seconds) noexcept;
  void observe(std::chrono::nanoseconds d) noexcept { observe(std::chrono::duration<double>(d).count()); }
  std::uint64_t count() const noexcept { return count_.load(std::memory_order_relaxed); }
  const std::vector<double>& bounds() const noexcept { return bounds_; }
  // Per bucket (not cumulative), the last one +Inf.
  std::vector<std::uint64_t> counts() const;
  double sum() const noexcept { return sum_.load(std::memory_order_relaxed); }

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> buckets_;
  std::atomic<std::uint64_t> count_{0};
  std::atomic<double> sum_{0};
};

// Latencies of a request to a nearby server or a decision: 0.5 ms to 2.5 s.
std::vector<double> fast_buckets();
// Waits people feel (a customer waiting for an offer, a reply waiting to leave): 0.1 s to 10 min.
std::vector<double> wait_buckets();

// What a collector writes when scraped: one sample a call.
class sample_writer {
 public:
  virtual ~sample_writer() = default;
  virtual void gauge(std::string_view name, std::string_view help, const std::string& labels, double value) = 0;
  virtual void counter(std::string_view name, std::string_view help, const std::string& labels, double value) = 0;
};

class registry {
 public:
  registry() = default;
  registry(const registry&) = delete;
  registry& operator=(const registry&) = delete;

  // The metric of this name and labels, made on first use; the same object after. `name` and
  // `help` are the family's (a counter's name ends in _total). Thread-safe; the reference lasts as
  // long as the registry.
  counter& counter_of(std::string_view name, std::string_view help, const std::string& labels = {});
  gauge& gauge_of(std::string_view name, std::string_view help, const std::string& labels = {});
  histogram& histogram_of(std::string_view name, std::string_view help, const std::vector<double>& bounds,
                          const std::string& labels = {});

  using collector = std::function<void(sample_writer&)>;
  // Called on every scrape, on the scraping thread, under the registry's lock: it must be
  // thread-safe and write through the writer only (never call the registry). The returned id
  // removes it (remove_collector) before what it reads is gone. Thread-safe.
  int add_collector(collector c);
  void remove_collector(int id);

  // Every family, in name order, in Prometheus' text format 0.0.4. Thread-safe.
  std::string text() const;

  // Where metrics go when a component was given no registry (tests): kept, never shown.
  static registry& discard();

 private:
  enum class kind { counter, gauge, histogram };
  struct family {
    kind type;
    std::string help;
    std::map<std::string, std::size_t> by_labels;  // labels → index in its kind's store
  };
  family& family_of(std::string_view name, std::string_view help, kind type);

  mutable std::mutex mutex_;
  std::map<std::string, family, std::less<>> families_;
  std::deque<counter> counters_;  // deques: references stay valid as they grow
  std::deque<gauge> gauges_;
  std::deque<histogram> histograms_;
  std::map<int, collector> collectors_;
  int next_collector_ = 1;
};

}  // namespace switchboard::metrics
