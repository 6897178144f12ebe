// Fuzz target: the webhook signature checks of channels/signature.hpp. The input's first byte is
// the secret's length (mod 65), then the secret, then the body. Invariants: Meta's signature of the
// body verifies, and not with one byte of the body or of the header changed, nor under another
// secret; Telegram's secret token matches itself only; base64 is the RFC 4648 length and alphabet.
#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>

#include "channels/signature.hpp"
#include "fuzz/fuzz_support.hpp"

namespace {

using namespace switchboard;
using channels::signature_check;

void check_meta(std::string_view secret, std::string_view body) {
  const std::string sig = channels::meta_signature(secret, body);
  SB_FUZZ_CHECK(sig.size() == 7 + 64 && sig.rfind("sha256=", 0) == 0);
  SB_FUZZ_CHECK(sig.find_first_not_of("0123456789abcdef", 7) == std::string::npos);
  SB_FUZZ_CHECK(channels::check_meta_signature(secret, body, sig) == signature_check::ok);
  SB_FUZZ_CHECK(channels::check_meta_signature(secret, body, "") == signature_check::missing);
  std::string header = sig;
  header[7 + body.size() % 64] ^= 1;
  SB_FUZZ_CHECK(channels::check_meta_signature(secret, body, header) == signature_check::wrong);
  if (!body.empty()) {
    std::string changed(body);
    changed[secret.size() % changed.size()] ^= 0x20;
    SB_FUZZ_CHECK(channels::check_meta_signature(secret, changed, sig) == signature_check::wrong);
  }
  const std::string other = std::string(secret) + "x";
  SB_FUZZ_CHECK(channels::check_meta_signature(other, body, sig) == signature_check::wrong);
  // The body itself as the header: only a body that is its own signature could pass.
  SB_FUZZ_CHECK(channels::check_meta_signature(secret, body, body) != signature_check::ok);
}

void check_telegram(std::string_view secret, std::string_view header) {
  const auto r = channels::check_telegram_secret(secret, header);
  if (header.empty()) SB_FUZZ_CHECK(r == signature_check::missing);
  else SB_FUZZ_CHECK((r == signature_check::ok) == (header == secret));
  if (!secret.empty()) SB_FUZZ_CHECK(channels::check_telegram_secret(secret, secret) == signature_check::ok);
}

void check_base64(std::string_view bytes) {
  const std::string b = channels::base64(bytes);
  SB_FUZZ_CHECK(b.size() == 4 * ((bytes.size() + 2) / 3));
  const auto pad = b.find('=');
  SB_FUZZ_CHECK(pad == std::string::npos || pad + 2 >= b.size());
  SB_FUZZ_CHECK(b.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=") == std::string::npos);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const std::size_t n = in.empty() ? 0 : std::min<std::size_t>(static_cast<unsigned char>(in[0]) % 65, in.size() - 1);
  const std::string_view secret = in.empty() ? in : in.substr(1, n);
  const std::string_view body = in.empty() ? in : in.substr(1 + n);
  check_meta(secret, body);
  check_telegram(secret, body);
  check_base64(body);
  return 0;
}
