#include "core/metrics.hpp"

#include <gtest/gtest.h>

#include <thread>

namespace switchboard::metrics {
namespace {

TEST(Metrics, FamiliesAreGroupedUnderOneHelpAndTypeInNameOrder) {
  registry r;
  r.counter_of("sb_b_total", "B things.", labels({{"kind", "x"}})).add(2);
  r.gauge_of("sb_a", "A level.").set(1.5);
  r.counter_of("sb_b_total", "B things.", labels({{"kind", "y"}})).add();
  r.counter_of("sb_b_total", "B things.", labels({{"kind", "x"}})).add(3);  // the same counter again
  EXPECT_EQ(r.text(),
            "# HELP sb_a A level.\n# TYPE sb_a gauge\nsb_a 1.5\n"
            "# HELP sb_b_total B things.\n# TYPE sb_b_total counter\n"
            "sb_b_total{kind=\"x\"} 5\nsb_b_total{kind=\"y\"} 1\n");
}

TEST(Metrics, LabelValuesAreEscaped) {
  EXPECT_EQ(labels({{"q", "a\"b\\c\nd"}, {"r", ""}}), "{q=\"a\\\"b\\\\c\\nd\",r=\"\"}");
  EXPECT_EQ(labels({}), "");
}

TEST(Metrics, HistogramBucketsAreCumulativeWithInfSumAndCount) {
  registry r;
  auto& h = r.histogram_of("sb_wait_seconds", "Waits.", {0.1, 1}, labels({{"q", "a"}}));
  h.observe(0.05);
  h.observe(0.1);  // on a bound: in that bucket (le is "less or equal")
  h.observe(0.5);
  h.observe(std::chrono::seconds(7));
  EXPECT_EQ(r.text(),
            "# HELP sb_wait_seconds Waits.\n# TYPE sb_wait_seconds histogram\n"
            "sb_wait_seconds_bucket{q=\"a\",le=\"0.1\"} 2\nsb_wait_seconds_bucket{q=\"a\",le=\"1\"} 3\n"
            "sb_wait_seconds_bucket{q=\"a\",le=\"+Inf\"} 4\nsb_wait_seconds_sum{q=\"a\"} 7.65\n"
            "sb_wait_seconds_count{q=\"a\"} 4\n");
}

TEST(Metrics, CollectorsAddSamplesWhenScrapedUntilRemoved) {
  registry r;
  int depth = 3;
  const int id = r.add_collector([&](sample_writer& w) {
    w.gauge("sb_queue_waiting", "Waiting.", labels({{"queue", "care"}}), depth);
    w.gauge("sb_queue_waiting", "Waiting.", labels({{"queue", "tech"}}), 0);
  });
  EXPECT_EQ(r.text(), "# HELP sb_queue_waiting Waiting.\n# TYPE sb_queue_waiting gauge\n"
                      "sb_queue_waiting{queue=\"care\"} 3\nsb_queue_waiting{queue=\"tech\"} 0\n");
  depth = 4;
  EXPECT_NE(r.text().find("{queue=\"care\"} 4\n"), std::string::npos);
  r.remove_collector(id);
  EXPECT_EQ(r.text(), "");
}

TEST(Metrics, OneNameKeepsOneType) {
  registry r;
  r.counter_of("sb_x_total", "X.");
  EXPECT_THROW(r.gauge_of("sb_x_total", "X."), std::logic_error);
}

TEST(Metrics, CountersAddUpAcrossThreads) {
  registry r;
  auto& c = r.counter_of("sb_n_total", "N.");
  auto& g = r.gauge_of("sb_g", "G.");
  std::vector<std::thread> ts;
  for (int t = 0; t < 4; ++t) {
    ts.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) {
        c.add();
        g.add(0.5);
      }
    });
  }
  for (auto& t : ts) t.join();
  EXPECT_EQ(c.value(), 40000u);
  EXPECT_DOUBLE_EQ(g.value(), 20000.0);
}

}  // namespace
}  // namespace switchboard::metrics
