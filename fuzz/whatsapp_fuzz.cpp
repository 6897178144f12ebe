// Fuzz target: parse_whatsapp (channels/meta.hpp) over any body, with the invariants of every
// parser (fuzz_support.hpp) and WhatsApp's own: each message is WhatsApp's, from an E.164 number.
#include <cstdint>
#include <string_view>

#include "channels/meta.hpp"
#include "fuzz/fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace switchboard;
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  const auto p = channels::parse_whatsapp(body);
  fuzz::check_webhook(p);
  for (const auto& m : p.messages) {
    SB_FUZZ_CHECK(m.channel == v1::CHANNEL_WHATSAPP);
    SB_FUZZ_CHECK(m.address.size() >= 2 && m.address.size() <= 16 && m.address[0] == '+');
    SB_FUZZ_CHECK(m.address.find_first_not_of("0123456789", 1) == std::string_view::npos);
  }
  for (const auto& s : p.statuses) SB_FUZZ_CHECK(s.channel == v1::CHANNEL_WHATSAPP);
  return 0;
}
