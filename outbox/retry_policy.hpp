#pragma once
// When the outbox tries a reply again, and how fast it may send from one account. Pure: time is
// a parameter, the randomness is the caller's.

#include <chrono>
#include <cstdint>

namespace switchboard::outbox {

// The wait before attempt `attempts + 1`: exponential from 1 s, capped at `cap`, with equal
// jitter (half fixed, half random: `unit` in [0, 1)) so that senders that failed together do not
// come back together; never less than what the provider asked for (`asked`).
std::chrono::milliseconds retry_delay(int attempts, std::chrono::milliseconds cap, double unit,
                                      std::chrono::milliseconds asked = std::chrono::milliseconds(0));

// At most `per_second` sends from one account: the instant the next one may go, given the
// instant the previous slot was taken (`last`) and now. Takes the slot.
class pacer {
 public:
  explicit pacer(double per_second) : gap_(per_second > 0 ? std::chrono::microseconds(static_cast<std::int64_t>(1e6 / per_second)) : std::chrono::microseconds(0)) {}
  std::chrono::steady_clock::time_point take(std::chrono::steady_clock::time_point now);

 private:
  std::chrono::microseconds gap_;
  std::chrono::steady_clock::time_point next_{};
};

}  // namespace switchboard::outbox
