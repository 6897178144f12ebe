#pragma once
// A token bucket: `rate` tokens a second, up to `burst` saved. Pure: time is a parameter.
// Not thread-safe (one per connection; the per-user ones are guarded by their owner).

#include <algorithm>
#include <chrono>

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

 private:
  double rate_, burst_, tokens_;
  bool started_ = false;
  std::chrono::steady_clock::time_point last_{};
};

}  // namespace switchboard::gateway
