// Fuzz target: a Twilio webhook as it arrives, a form body: parse_form, then parse_twilio
// (channels/twilio.hpp) and the X-Twilio-Signature check (channels/signature.hpp) over the fields.
// Invariants: the form decoding round-trips; the parser's (fuzz_support.hpp); a signature made for
// the fields verifies, whatever their order by name, and no longer does with a byte changed.
#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>

#include "channels/signature.hpp"
#include "channels/twilio.hpp"
#include "fuzz/fuzz_support.hpp"

namespace {

using namespace switchboard;
using channels::form_fields;
using channels::signature_check;

constexpr std::string_view kToken = "twilio-auth-token";
constexpr std::string_view kUrl = "https://support.example.com/v1/webhooks/twilio/sms";

std::string escape(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

// Encoded again and decoded, the fields come back as they were.
void check_round_trip(const form_fields& fields) {
  std::string body;
  for (const auto& [k, v] : fields) body += (body.empty() ? "" : "&") + escape(k) + "=" + escape(v);
  form_fields again;
  SB_FUZZ_CHECK(channels::parse_form(body, again));
  SB_FUZZ_CHECK(again == fields);
}

void check_signature(const form_fields& fields) {
  const std::string sig = channels::twilio_signature(kToken, kUrl, fields);
  SB_FUZZ_CHECK(sig.size() == 28);  // base64 of a 20-byte HMAC-SHA1
  SB_FUZZ_CHECK(channels::check_twilio_signature(kToken, kUrl, fields, sig) == signature_check::ok);
  SB_FUZZ_CHECK(channels::check_twilio_signature(kToken, kUrl, fields, "") == signature_check::missing);
  form_fields by_name = fields;
  std::stable_sort(by_name.begin(), by_name.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  SB_FUZZ_CHECK(channels::check_twilio_signature(kToken, kUrl, by_name, sig) == signature_check::ok);
  std::string other = sig;
  other[fields.size() % other.size()] ^= 1;
  SB_FUZZ_CHECK(channels::check_twilio_signature(kToken, kUrl, fields, other) == signature_check::wrong);
  if (!fields.empty()) {
    form_fields changed = fields;
    changed.back().second += 'x';
    SB_FUZZ_CHECK(channels::check_twilio_signature(kToken, kUrl, changed, sig) == signature_check::wrong);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  form_fields fields;
  if (!channels::parse_form(body, fields)) return 0;
  check_round_trip(fields);
  check_signature(fields);
  const auto p = channels::parse_twilio(fields);
  fuzz::check_webhook(p);
  SB_FUZZ_CHECK(p.messages.size() + p.statuses.size() <= 1);
  for (const auto& m : p.messages) {
    SB_FUZZ_CHECK(m.channel == v1::CHANNEL_SMS || m.channel == v1::CHANNEL_WHATSAPP);
    SB_FUZZ_CHECK(m.attachments.size() <= 10);
  }
  return 0;
}
