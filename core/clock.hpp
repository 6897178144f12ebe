#pragma once
// The injected clock (STYLE.md rule 3): everything below gateway/ reads time through a `clock`,
// so tests drive time by hand with `manual_clock`. Owns no timers; waiting is the caller's job.

#include <atomic>
#include <chrono>
#include <cstdint>

namespace switchboard {

class clock {
 public:
  virtual ~clock() = default;
  // Wall-clock time (for timestamps stored in events). Thread-safe.
  virtual std::chrono::system_clock::time_point wall() const noexcept = 0;
  // Monotonic time (for deadlines and latencies). Thread-safe.
  virtual std::chrono::steady_clock::time_point steady() const noexcept = 0;

  std::int64_t unix_ms() const noexcept {
    return std::chrono::duration_cast<std::chrono::milliseconds>(wall().time_since_epoch()).count();
  }
};

// The real clock.
class system_clock_source final : public clock {
 public:
  std::chrono::system_clock::time_point wall() const noexcept override;
  std::chrono::steady_clock::time_point steady() const noexcept override;
  // One shared instance; the clocks it reads have no state of their own.
  static const system_clock_source& instance() noexcept;
};

// A clock that moves only when told. Thread-safe.
class manual_clock final : public clock {
 public:
  explicit manual_clock(std::int64_t start_unix_ms = 1'700'000'000'000) noexcept
      : now_ms_(start_unix_ms) {}
  std::chrono::system_clock::time_point wall() const noexcept override;
  std::chrono::steady_clock::time_point steady() const noexcept override;
  void advance(std::chrono::milliseconds d) noexcept { now_ms_ += d.count(); }
  void set_unix_ms(std::int64_t ms) noexcept { now_ms_ = ms; }

 private:
  std::atomic<std::int64_t> now_ms_;
};

}  // namespace switchboard
