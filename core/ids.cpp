#include "core/ids.hpp"

namespace switchboard {
namespace {

constexpr char kAlphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
constexpr std::size_t kIdLength = 26;

int decode_char(char c) noexcept {
  for (int i = 0; i < 32; ++i) {
    if (kAlphabet[i] == c) return i;
  }
  return -1;
}

}  // namespace

id_generator::id_generator(const clock& c, std::uint64_t seed)
    : clock_(c), rng_(seed != 0 ? seed : std::random_device{}()) {}

std::string id_generator::next() {
  std::lock_guard lock(mutex_);
  std::int64_t ms = clock_.unix_ms();
  if (ms <= last_ms_) {
    // Same (or an earlier, if the wall clock stepped back) millisecond: stay monotonic by
    // incrementing the random part as an 80-bit number; on overflow borrow the next millisecond.
    ms = last_ms_;
    int i = static_cast<int>(random_.size()) - 1;
    while (i >= 0 && ++random_[static_cast<std::size_t>(i)] == 0) --i;
    if (i < 0) ++ms;
  } else {
    for (std::size_t i = 0; i < random_.size(); i += 8) {
      std::uint64_t r = rng_();
      for (std::size_t j = 0; j < 8 && i + j < random_.size(); ++j) {
        random_[i + j] = static_cast<std::uint8_t>(r >> (8 * j));
      }
    }
    // Keep the top bit clear so that increments within a millisecond never overflow in practice.
    random_[0] &= 0x7f;
  }
  last_ms_ = ms;

  // 128 bits: 48 of time, 80 of randomness, written as 26 base32 digits (130 bits, top 2 zero).
  std::array<std::uint8_t, 16> bytes{};
  for (int i = 0; i < 6; ++i) bytes[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(ms >> (8 * (5 - i)));
  for (std::size_t i = 0; i < 10; ++i) bytes[6 + i] = random_[i];

  std::string out(kIdLength, '0');
  for (std::size_t d = 0; d < kIdLength; ++d) {
    // Digit d holds bits [130 - 5(d+1), 130 - 5d) of the 130-bit number.
    int value = 0;
    for (int b = 0; b < 5; ++b) {
      int bit = 129 - static_cast<int>(5 * d) - b;  // bit index from the least significant
      if (bit < 128) {
        int byte = 15 - bit / 8;
        value = (value << 1) | ((bytes[static_cast<std::size_t>(byte)] >> (bit % 8)) & 1);
      } else {
        value <<= 1;
      }
    }
    out[d] = kAlphabet[value];
  }
  return out;
}

std::optional<std::int64_t> id_time_ms(std::string_view id) noexcept {
  if (id.size() < 10) return std::nullopt;
  // The first 10 digits hold 50 bits: 2 zero bits and the 48-bit timestamp.
  std::int64_t v = 0;
  for (std::size_t i = 0; i < 10; ++i) {
    int d = decode_char(id[i]);
    if (d < 0) return std::nullopt;
    v = (v << 5) | d;
  }
  if (v >> 48) return std::nullopt;
  return v;
}

}  // namespace switchboard
