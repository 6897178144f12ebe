#include "core/clock.hpp"

#include <gtest/gtest.h>

#include "core/error.hpp"

namespace switchboard {
namespace {

TEST(ManualClock, MovesOnlyWhenTold) {
  manual_clock clk(1000);
  auto s = clk.steady();
  EXPECT_EQ(clk.unix_ms(), 1000);
  EXPECT_EQ(clk.steady(), s);
  clk.advance(std::chrono::milliseconds(250));
  EXPECT_EQ(clk.unix_ms(), 1250);
  EXPECT_EQ(clk.steady() - s, std::chrono::milliseconds(250));
}

TEST(SystemClock, ReadsTheRealTime) {
  const auto& c = system_clock_source::instance();
  EXPECT_GT(c.unix_ms(), 1'600'000'000'000);
}

TEST(Errors, RetryableOnesAreTheTransientOnes) {
  EXPECT_TRUE(is_retryable(errc::not_connected));
  EXPECT_TRUE(is_retryable(errc::timeout));
  EXPECT_TRUE(is_retryable(errc::disconnected));
  EXPECT_FALSE(is_retryable(errc::bad_input));
  EXPECT_FALSE(is_retryable(errc::server_error));
  EXPECT_EQ(boost::system::error_code(errc::not_found).message(), "not found");
}

}  // namespace
}  // namespace switchboard
