// Fuzz target: read_answer (channels/outgoing.hpp), what a provider's HTTP answer to our send
// means. Input: a first line "<provider> <status> <Retry-After>", then the answer's body.
// Invariants: the verdict follows the status alone (2xx sent; none, 408, 429, 5xx retry; else
// rejected); a wait asked for is never negative; what is stored (id, reason) is UTF-8.
#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>

#include "channels/outgoing.hpp"
#include "fuzz/fuzz_support.hpp"

namespace {

using namespace switchboard;
using verdict = channels::send_answer::verdict;

std::string_view word(std::string_view& line) {
  const auto sp = line.find(' ');
  const auto w = line.substr(0, sp);
  line = sp == std::string_view::npos ? std::string_view() : line.substr(sp + 1);
  return w;
}

verdict expected(int status) {
  if (status >= 200 && status < 300) return verdict::sent;
  if (status == 0 || status == 408 || status == 429 || status >= 500) return verdict::retry;
  return verdict::rejected;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const auto nl = in.find('\n');
  std::string_view line = in.substr(0, nl);
  const std::string body(nl == std::string_view::npos ? std::string_view() : in.substr(nl + 1));
  const std::string provider(word(line));
  const auto status_text = word(line);
  int status = 0;
  std::from_chars(status_text.data(), status_text.data() + status_text.size(), status);
  if (status < 0 || status > 999) return 0;  // an HTTP client never reports one
  const std::string retry_after(line);

  const auto a = channels::read_answer(provider, status, body, retry_after);
  SB_FUZZ_CHECK(a.what == expected(status));
  SB_FUZZ_CHECK(a.retry_after_ms >= 0);
  if (a.what != verdict::retry) SB_FUZZ_CHECK(a.retry_after_ms == 0);
  if (a.what == verdict::sent) SB_FUZZ_CHECK(a.reason.empty());
  else SB_FUZZ_CHECK(!a.reason.empty() && a.provider_message_id.empty());
  SB_FUZZ_CHECK(fuzz::well_formed_utf8(a.provider_message_id));
  SB_FUZZ_CHECK(fuzz::well_formed_utf8(a.reason));
  return 0;
}
