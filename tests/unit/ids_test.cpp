#include "core/ids.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

namespace switchboard {
namespace {

TEST(Ids, CarryTheirMillisecondAndSortByTime) {
  manual_clock clk(1'700'000'000'123);
  id_generator gen(clk, 42);
  auto a = gen.next();
  ASSERT_EQ(a.size(), 26u);
  EXPECT_EQ(id_time_ms(a), 1'700'000'000'123);
  clk.advance(std::chrono::milliseconds(1));
  auto b = gen.next();
  EXPECT_EQ(id_time_ms(b), 1'700'000'000'124);
  EXPECT_LT(a, b);
}

TEST(Ids, StrictlyIncreaseWithinOneMillisecond) {
  manual_clock clk;
  id_generator gen(clk, 7);
  std::vector<std::string> ids;
  for (int i = 0; i < 10000; ++i) ids.push_back(gen.next());
  EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end()));
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), ids.size());
  EXPECT_EQ(id_time_ms(ids.back()), clk.unix_ms());
}

TEST(Ids, StayMonotonicWhenTheClockStepsBack) {
  manual_clock clk(2'000'000);
  id_generator gen(clk, 7);
  auto a = gen.next();
  clk.set_unix_ms(1'000'000);
  auto b = gen.next();
  EXPECT_LT(a, b);
}

TEST(Ids, TwoNodesInTheSameMillisecondDiffer) {
  manual_clock clk;
  id_generator node1(clk, 1), node2(clk, 2);
  std::set<std::string> all;
  for (int i = 0; i < 1000; ++i) {
    all.insert(node1.next());
    all.insert(node2.next());
  }
  EXPECT_EQ(all.size(), 2000u);
}

TEST(Ids, RejectsWhatIsNotAnId) {
  EXPECT_FALSE(id_time_ms("short"));
  EXPECT_FALSE(id_time_ms("ILOU000000000000000000000"));  // letters outside Crockford base32
  EXPECT_FALSE(id_time_ms("ZZZZZZZZZZZZZZZZZZZZZZZZZZ"));  // timestamp beyond 48 bits
}

}  // namespace
}  // namespace switchboard
