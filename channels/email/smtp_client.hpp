#pragma once
// The client side of one SMTP delivery (RFC 5321, STARTTLS RFC 3207, AUTH PLAIN and LOGIN RFC
// 4954) as a plain state machine: the server's bytes in, what to send and do out, no sockets and
// no clock (net/smtp_sender.hpp carries it out over TCP and TLS, with its deadline). One message,
// then QUIT. The verdict follows the server's codes: 2xx sent, 4xx try again later, 5xx never
// (a permanent failure is not retried: issue 14, point 6). Not thread-safe: one per delivery.

#include <string>
#include <string_view>
#include <vector>

namespace switchboard::channels::email {

struct smtp_client_options {
  std::string helo = "localhost";  // our name in EHLO
  bool starttls = true;            // required: a server that does not offer it fails the delivery
  bool tls_from_start = false;     // the connection is TLS already (port 465): no STARTTLS
  std::string username;            // AUTH when set (PLAIN, else LOGIN), only over TLS
  std::string password;
  // Delivery straight to a customer's server: STARTTLS when it offers it, else (or when it answers
  // STARTTLS with a refusal) in the clear, as servers deliver to each other (RFC 3207 §4.1).
  bool starttls_when_offered = false;
};

struct smtp_envelope {
  std::string mail_from;                // the reverse path, without < >
  std::vector<std::string> recipients;  // without < >
  std::string data;                     // the message, lines ending CRLF, not dot-stuffed
};

enum class smtp_verdict {
  pending,    // not finished
  sent,       // the server took the message (`reason`: its 250 line)
  temporary,  // try again later (a 4xx, the connection lost, a protocol error)
  permanent,  // never (a 5xx, STARTTLS or AUTH required and not possible)
};

struct smtp_client_step {
  std::string send;         // bytes to write now (may be empty)
  bool start_tls = false;   // after writing: the TLS handshake, then tls_started()
  smtp_verdict verdict = smtp_verdict::pending;  // not pending: done (send QUIT if `send` holds it, then close)
  std::string reason;       // the server's reply, or what went wrong
};

class smtp_client {
 public:
  smtp_client(smtp_client_options options, smtp_envelope envelope);

  /** Bytes read from the server. */
  smtp_client_step feed(std::string_view bytes);
  /** The TLS handshake after STARTTLS succeeded: EHLO again. */
  smtp_client_step tls_started();
  /** The connection ended before a verdict: a temporary failure. */
  smtp_client_step lost(std::string_view why);

 private:
  enum class state { greeting, ehlo, starttls, auth, auth_user_sent, auth_pass_sent, mail, rcpt, data, body, quit, done };

  smtp_client_step reply(int code, std::string_view text, const std::vector<std::string>& lines);
  smtp_client_step after_ehlo(const std::vector<std::string>& lines);
  smtp_client_step send_mail();
  smtp_client_step finish(smtp_verdict v, std::string reason, bool quit);
  std::string dot_stuffed() const;

  smtp_client_options options_;
  smtp_envelope envelope_;
  state state_ = state::greeting;
  std::string in_;
  std::vector<std::string> lines_;  // of the reply being read (multi-line)
  bool tls_ = false;
  bool smtputf8_ = false;           // the server offers it
  std::size_t next_rcpt_ = 0;
  std::size_t accepted_ = 0;
  std::string last_refusal_;
};

}  // namespace switchboard::channels::email
