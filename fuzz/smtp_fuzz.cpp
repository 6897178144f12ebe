// Fuzz target: what an SMTP client writes, fed to the server's state machine
// (channels/email/smtp_session.hpp). The first byte picks where the input is cut in two and how
// the store answers. Invariants: the conversation is the same whether the bytes come whole or cut
// (a codec must not care how TCP splits them; up to a STARTTLS, after which come TLS records); every reply is one or more lines "ddd-" / "ddd "
// ending CRLF; a message has at least one recipient, every one an inbox, and at most the size
// limit; nothing is answered after the session said it closes.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "channels/email/smtp_session.hpp"
#include "fuzz/fuzz_support.hpp"

namespace {

using namespace switchboard::channels::email;

smtp_options options(bool tls) {
  smtp_options o;
  o.hostname = "mx.fuzz.test";
  o.tls_available = tls;
  o.accepts = [](std::string_view a) { return a == "support@fuzz.test" || a.starts_with("support+"); };
  o.limits.max_message_bytes = 4096;
  o.limits.max_recipients = 3;
  o.limits.max_line_bytes = 512;
  return o;
}

void check_replies(std::string_view r) {
  while (!r.empty()) {
    const auto end = r.find("\r\n");
    SB_FUZZ_CHECK(end != std::string_view::npos);
    const std::string_view line = r.substr(0, end);
    SB_FUZZ_CHECK(line.size() >= 4);
    for (int i = 0; i < 3; ++i) SB_FUZZ_CHECK(line[i] >= '0' && line[i] <= '9');
    SB_FUZZ_CHECK(line[0] >= '2' && line[0] <= '5');
    SB_FUZZ_CHECK(line[3] == ' ' || line[3] == '-');
    r.remove_prefix(end + 2);
  }
}

struct run {
  std::string replies;
  std::vector<smtp_message> messages;
  bool closed = false;
  bool tls = false;  // STARTTLS answered: what follows would be TLS records, so the run ends there
};

void take(smtp_session& s, smtp_step step, run& out, int store_answer) {
  while (true) {
    SB_FUZZ_CHECK(!out.closed || step.reply.empty());
    check_replies(step.reply);
    out.replies += step.reply;
    if (step.close) out.closed = true;
    if (step.start_tls) out.tls = true;
    if (!step.message) return;
    const smtp_message& m = *step.message;
    SB_FUZZ_CHECK(!m.recipients.empty() && m.recipients.size() <= 3);
    for (const auto& r : m.recipients) SB_FUZZ_CHECK(r == "support@fuzz.test" || r.starts_with("support+"));
    SB_FUZZ_CHECK(m.data.size() <= 4096);
    out.messages.push_back(std::move(*step.message));
    step = s.stored(store_answer == 0, store_answer == 1, "x");
  }
}

run conversation(std::string_view input, std::size_t cut, bool tls, int store_answer) {
  smtp_session s(options(tls));
  run out;
  take(s, s.feed(input.substr(0, cut)), out, store_answer);
  if (!out.tls) take(s, s.feed(input.substr(cut)), out, store_answer);
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t control = data[0];
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  const bool tls = control & 1;
  const int store_answer = (control >> 1) % 3;
  const run whole = conversation(input, input.size(), tls, store_answer);
  const run cut = conversation(input, input.empty() ? 0 : (control * 7919u) % input.size(), tls, store_answer);
  SB_FUZZ_CHECK(whole.replies == cut.replies);
  SB_FUZZ_CHECK(whole.closed == cut.closed);
  SB_FUZZ_CHECK(whole.messages.size() == cut.messages.size());
  for (std::size_t i = 0; i < whole.messages.size(); ++i) SB_FUZZ_CHECK(whole.messages[i].data == cut.messages[i].data);
  return 0;
}
