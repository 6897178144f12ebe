#include "core/clock.hpp"

namespace switchboard {

std::chrono::system_clock::time_point system_clock_source::wall() const noexcept {
  return std::chrono::system_clock::now();
}

std::chrono::steady_clock::time_point system_clock_source::steady() const noexcept {
  return std::chrono::steady_clock::now();
}

const system_clock_source& system_clock_source::instance() noexcept {
  static const system_clock_source c;
  return c;
}

std::chrono::system_clock::time_point manual_clock::wall() const noexcept {
  return std::chrono::system_clock::time_point(std::chrono::milliseconds(now_ms_.load()));
}

std::chrono::steady_clock::time_point manual_clock::steady() const noexcept {
  return std::chrono::steady_clock::time_point(std::chrono::milliseconds(now_ms_.load()));
}

}  // namespace switchboard
