#pragma once
// Ids that sort by time and are unique across nodes: 26 characters of Crockford base32 holding a
// 48-bit Unix millisecond timestamp and 80 random bits (the ULID layout). Within one millisecond a
// generator increments the random part, so its ids are strictly increasing; two nodes collide only
// if they draw the same 80 random bits in the same millisecond.

#include <array>
#include <cstdint>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <string_view>

#include "core/clock.hpp"

namespace switchboard {

class id_generator {
 public:
  // `seed` 0 draws one from std::random_device.
  explicit id_generator(const clock& c, std::uint64_t seed = 0);

  // A new id. Thread-safe.
  std::string next();

 private:
  const clock& clock_;
  std::mutex mutex_;
  std::mt19937_64 rng_;
  std::int64_t last_ms_ = -1;
  std::array<std::uint8_t, 10> random_{};
};

// The millisecond timestamp of an id made by id_generator, or nullopt if it is not one.
std::optional<std::int64_t> id_time_ms(std::string_view id) noexcept;

}  // namespace switchboard
