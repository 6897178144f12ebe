// Fuzz target: parse_messenger (channels/meta.hpp) over any body, as Messenger and as Instagram
// (the same envelope, told apart by "object"): both are tried on every input, and at most one can
// take it. Invariants of every parser (fuzz_support.hpp), and each update is of the channel asked.
#include <cstdint>
#include <string_view>

#include "channels/meta.hpp"
#include "fuzz/fuzz_support.hpp"

namespace {

bool parse_as(std::string_view body, switchboard::v1::Channel channel) {
  const auto p = switchboard::channels::parse_messenger(body, channel);
  switchboard::fuzz::check_webhook(p);
  for (const auto& m : p.messages) SB_FUZZ_CHECK(m.channel == channel);
  for (const auto& s : p.statuses) SB_FUZZ_CHECK(s.channel == channel && s.state == "delivered");
  return p.error.empty();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace switchboard;
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  const bool messenger = parse_as(body, v1::CHANNEL_MESSENGER);
  const bool instagram = parse_as(body, v1::CHANNEL_INSTAGRAM);
  SB_FUZZ_CHECK(!(messenger && instagram));  // "object" is "page" or "instagram", not both
  return 0;
}
