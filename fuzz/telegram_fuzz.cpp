// Fuzz target: parse_telegram (channels/telegram.hpp) over any body, with the invariants of every
// parser (fuzz_support.hpp) and Telegram's: one Update is at most one message or change, of the bot asked,
// and a refused body names why.
#include <cstdint>
#include <string_view>

#include "channels/telegram.hpp"
#include "fuzz/fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace switchboard;
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  const auto p = channels::parse_telegram(body, "support_bot");
  fuzz::check_webhook(p);
  SB_FUZZ_CHECK(p.statuses.empty());
  SB_FUZZ_CHECK(p.messages.size() <= 1);
  int counted = 0;
  for (const auto& [kind, n] : p.skipped) counted += n;
  // An Update is one thing: stored (a message, or a change of one), or counted once; nothing at all
  // only when refused.
  SB_FUZZ_CHECK(p.messages.size() + p.changes.size() + static_cast<std::size_t>(counted) == (p.error.empty() ? 1u : 0u));
  SB_FUZZ_CHECK(p.reads.empty());
  for (const auto& m : p.messages) {
    SB_FUZZ_CHECK(m.channel == v1::CHANNEL_TELEGRAM);
    SB_FUZZ_CHECK(m.business_id == "support_bot");
  }
  return 0;
}
