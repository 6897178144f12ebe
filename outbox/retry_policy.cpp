#include "outbox/retry_policy.hpp"

#include <algorithm>

namespace switchboard::outbox {

using std::chrono::milliseconds;

milliseconds retry_delay(int attempts, milliseconds cap, double unit, milliseconds asked) {
  const int doublings = std::clamp(attempts - 1, 0, 30);
  const auto full = std::min<std::int64_t>(cap.count(), 1000LL << std::min(doublings, 20));
  const auto half = full / 2;
  const auto jitter = static_cast<std::int64_t>(static_cast<double>(full - half) * std::clamp(unit, 0.0, 1.0));
  return std::max(milliseconds(half + jitter), std::min(asked, cap * 10));
}

std::chrono::steady_clock::time_point pacer::take(std::chrono::steady_clock::time_point now) {
  const auto at = std::max(now, next_);
  next_ = at + gap_;
  return at;
}

}  // namespace switchboard::outbox
