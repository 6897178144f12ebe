// Fuzz target: what a mail relay answers, fed to our SMTP client's state machine
// (channels/email/smtp_client.hpp). The first byte picks the options (STARTTLS required, TLS from
// the start, AUTH, STARTTLS when offered) and where the input is cut in two; the rest is the server's bytes. Invariants:
// the conversation is the same whether the bytes come whole or cut (up to a STARTTLS, after which
// come TLS records); everything sent is whole CRLF lines; the password (AUTH) never goes before TLS;
// once a verdict is given nothing more is sent but QUIT.
#include <cstdint>
#include <string>
#include <string_view>

#include "channels/email/smtp_client.hpp"
#include "fuzz/fuzz_support.hpp"

namespace {

using namespace switchboard::channels::email;

struct run {
  std::string sent;
  smtp_verdict verdict = smtp_verdict::pending;
  bool tls_asked = false;
};

void take(const smtp_client_step& s, bool tls, run& out) {
  if (out.verdict != smtp_verdict::pending || out.tls_asked) {
    SB_FUZZ_CHECK(s.send.empty() || s.send == "QUIT\r\n");
    return;
  }
  SB_FUZZ_CHECK(s.send.empty() || s.send.ends_with("\r\n"));
  if (!tls) SB_FUZZ_CHECK(s.send.find("AUTH") == std::string::npos && s.send.find("dXNlcg") == std::string::npos);
  out.sent += s.send;
  out.verdict = s.verdict;
  out.tls_asked = s.start_tls;
}

run feed(const smtp_client_options& o, std::string_view bytes, std::size_t cut) {
  smtp_envelope e;
  e.mail_from = "support@fuzz.test";
  e.recipients = {"ana@fuzz.test", "bo@fuzz.test"};
  e.data = "Subject: x\r\n\r\n.dot\r\nline\r\n";
  smtp_client c(o, e);
  run out;
  take(c.feed(bytes.substr(0, cut)), o.tls_from_start, out);
  if (out.verdict == smtp_verdict::pending && !out.tls_asked) take(c.feed(bytes.substr(cut)), o.tls_from_start, out);
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::uint8_t mode = data[0];
  const std::string_view bytes(reinterpret_cast<const char*>(data + 1), size - 1);
  smtp_client_options o;
  o.helo = "mx.fuzz.test";
  o.starttls = (mode & 1) != 0;
  o.tls_from_start = (mode & 2) != 0;
  if (mode & 4) {
    o.username = "user";
    o.password = "pass";
  }
  o.starttls_when_offered = (mode & 8) != 0;
  const run whole = feed(o, bytes, bytes.size());
  const run cut = feed(o, bytes, bytes.empty() ? 0 : (mode >> 4) % (bytes.size() + 1));
  SB_FUZZ_CHECK(whole.sent == cut.sent);
  SB_FUZZ_CHECK(whole.verdict == cut.verdict);
  SB_FUZZ_CHECK(whole.tls_asked == cut.tls_asked);
  return 0;
}
