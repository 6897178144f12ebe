#pragma once
// A token bucket: `rate` tokens a second, up to `burst` saved. Pure: time is a parameter.
// Not thread-safe (one per connection; the per-user ones are guarded by their owner).

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>

namespace switchboard::gateway {

class token_bucket {
 public:
  token_bucket(double rate_per_second, double burst) : rate_(rate_per_second), burst_(burst), tokens_(burst) {}

  // Takes one token if there is one.
  bool take(std::chrono::steady_clock::time_point now) {
    if (started_) {
      const double seconds = std::chrono::duration<double>(now - last_).count();
      tokens_ = std::min(burst_, tokens_ + std::max(0.0, seconds) * rate_);
    }
    started_ = true;
    last_ = now;
    if (tokens_ < 1.0) return false;
    tokens_ -= 1.0;
    return true;
  }

  // How long until take() can succeed again, as of the last take() (0 if it can now).
  std::chrono::milliseconds wait() const {
    if (tokens_ >= 1.0 || rate_ <= 0) return std::chrono::milliseconds(0);
    return std::chrono::milliseconds(static_cast<std::int64_t>(std::ceil((1.0 - tokens_) / rate_ * 1000.0)));
  }

 private:
  double rate_, burst_, tokens_;
  bool started_ = false;
  std::chrono::steady_clock::time_point last_{};
};

}  // namespace switchboard::gateway
