#include "core/latency_histogram.hpp"

#include <gtest/gtest.h>

#include <thread>

namespace switchboard {
namespace {

using std::chrono::microseconds;

TEST(LatencyHistogram, QuantilesAreWithinABucketOfTheTruth) {
  latency_histogram h;
  // 1..10,000 µs, one each: the true p50 is 5,000 µs, p99 9,900 µs, p99.9 9,990 µs.
  for (int us = 1; us <= 10000; ++us) h.record(microseconds(us));
  EXPECT_EQ(h.count(), 10000u);
  const auto c = h.counts();
  for (auto [q, truth] : {std::pair{0.5, 5000.0}, {0.99, 9900.0}, {0.999, 9990.0}}) {
    const double got = latency_histogram::quantile_us(c, q);
    EXPECT_GE(got, truth) << q;  // an upper bound...
    EXPECT_LE(got, truth * 1.125 + 1) << q;  // ...within one bucket (an eighth of a power of two)
  }
  EXPECT_EQ(latency_histogram::quantile_us(c, 0.0001), 1.0 + 1);  // the first value, 1 µs: bucket [1, 2)
}

TEST(LatencyHistogram, BucketBoundsIncreaseAndCoverMinutes) {
  for (int i = 1; i < latency_histogram::kBuckets; ++i) {
    EXPECT_GT(latency_histogram::upper_us(i), latency_histogram::upper_us(i - 1)) << i;
  }
  EXPECT_GT(latency_histogram::upper_us(latency_histogram::kBuckets - 1), 60e6);
  latency_histogram h;
  h.record(std::chrono::hours(1));  // past the last bound: counted in the last bucket
  h.record(std::chrono::nanoseconds(-5));  // a clock step back counts as zero
  const auto c = h.counts();
  EXPECT_EQ(c.back(), 1u);
  EXPECT_EQ(c.front(), 1u);
}

TEST(LatencyHistogram, ThreadsRecordWithoutLosingCounts) {
  latency_histogram h;
  std::thread a([&] { for (int i = 0; i < 100000; ++i) h.record(microseconds(i % 3000)); });
  std::thread b([&] { for (int i = 0; i < 100000; ++i) h.record(microseconds(i % 50)); });
  a.join();
  b.join();
  std::uint64_t total = 0;
  for (auto n : h.counts()) total += n;
  EXPECT_EQ(total, 200000u);
  EXPECT_EQ(h.count(), 200000u);
}

TEST(LatencyHistogram, PrometheusTextIsACumulativeHistogramInSeconds) {
  latency_histogram h;
  h.record(microseconds(3));
  h.record(microseconds(1500));
  std::string out;
  h.write_prometheus(out, "x_seconds", "help text", "frame=\"send\"");
  EXPECT_EQ(out.rfind("# HELP x_seconds help text\n# TYPE x_seconds histogram\n", 0), 0u);
  EXPECT_NE(out.find("x_seconds_bucket{frame=\"send\",le=\"4e-06\"} 1\n"), std::string::npos);
  EXPECT_NE(out.find("x_seconds_bucket{frame=\"send\",le=\"+Inf\"} 2\n"), std::string::npos);
  EXPECT_NE(out.find("x_seconds_sum{frame=\"send\"} 0.001503\n"), std::string::npos);
  EXPECT_NE(out.find("x_seconds_count{frame=\"send\"} 2\n"), std::string::npos);
}

}  // namespace
}  // namespace switchboard
