#pragma once
// A latency histogram that many threads record into without locks: log-linear buckets (8 per
// power of two of microseconds, so a quantile read from it is within 12.5%), from 1 µs to ~67 s.
// Written out in Prometheus' text format as a cumulative histogram in seconds, so a scraper (or
// bench/ws_load, which subtracts two scrapes) can compute any quantile over any interval.

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace switchboard {

class latency_histogram {
 public:
  static constexpr int kSubBuckets = 8;
  static constexpr int kPowers = 26;  // 2^26 µs ≈ 67 s; longer goes to the last bucket
  static constexpr int kBuckets = kSubBuckets * kPowers;

  void record(std::chrono::nanoseconds d) noexcept;
  // The upper bound of bucket i, in microseconds.
  static double upper_us(int i);
  std::uint64_t count() const noexcept { return count_.load(std::memory_order_relaxed); }
  // Snapshot of the counts, one per bucket.
  std::vector<std::uint64_t> counts() const;
  // The value at quantile q (0..1) of a snapshot, in microseconds (a bucket's upper bound).
  static double quantile_us(const std::vector<std::uint64_t>& counts, double q);
  // "# HELP", "# TYPE" and the _bucket/_sum/_count lines; `labels` like `frame="send"` or empty.
  void write_prometheus(std::string& out, std::string_view name, std::string_view help, std::string_view labels) const;

 private:
  static int bucket_of(std::uint64_t us) noexcept;
  std::array<std::atomic<std::uint64_t>, kBuckets> buckets_{};
  std::atomic<std::uint64_t> count_{0};
  std::atomic<std::uint64_t> sum_ns_{0};
};

}  // namespace switchboard
