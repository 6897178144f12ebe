#pragma once
// The server side of one SMTP connection (RFC 5321 with PIPELINING, SIZE, 8BITMIME, SMTPUTF8,
// ENHANCEDSTATUSCODES and STARTTLS) as a plain state machine: bytes in, replies and actions out,
// no sockets and no clock (the listener in gateway/ carries the actions out, keeps the timers and
// the connection limits, and stores each message before it answers for it). Never an open relay:
// a recipient is taken only when `accepts` says it is one of our inboxes. Not thread-safe: one
// per connection, used on that connection's strand.

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace switchboard::channels::email {

struct smtp_limits {
  std::size_t max_message_bytes = 25u << 20;  // announced as SIZE; more is 552 after the data
  std::size_t max_recipients = 50;            // more in one transaction: 452 (RFC 5321 §4.5.3.1.8)
  std::size_t max_line_bytes = 4096;          // a command line (512 in RFC 5321, extensions add)
  std::size_t max_errors = 10;                // bad or refused commands before 421 and the close
};

struct smtp_options {
  std::string hostname = "localhost";  // ours, in the greeting and EHLO
  bool tls_available = false;          // STARTTLS is announced (a certificate is configured)
  bool tls_required = false;           // MAIL before STARTTLS: 530
  /** Whether a recipient (as given, without < >) is one of our inboxes. */
  std::function<bool(std::string_view address)> accepts;
  smtp_limits limits;
};

/** One message received, whole, to store before it is answered for. */
struct smtp_message {
  std::string helo;                     // the name the client gave
  std::string mail_from;                // the reverse path, without < > ("" for bounces)
  std::vector<std::string> recipients;  // the accepted forward paths, without < >
  std::string data;                     // the message, dots unstuffed, lines ending CRLF
  bool tls = false;                     // received after STARTTLS
  bool smtputf8 = false;                // MAIL FROM … SMTPUTF8
};

/** What the connection does next, in this order: send `reply`, then the rest. */
struct smtp_step {
  std::string reply;                    // zero or more replies (several when pipelined)
  std::optional<smtp_message> message;  // store it, then call stored(); input waits meanwhile
  bool start_tls = false;               // after the reply: the TLS handshake, then tls_started()
  bool close = false;                   // after the reply: close the connection
};

class smtp_session {
 public:
  explicit smtp_session(smtp_options options);

  /** The 220 greeting, sent when the connection opens. */
  std::string greeting() const;

  /** Bytes read from the client. Input after a complete message, a STARTTLS or a close is
   * kept (or, after STARTTLS, thrown away: RFC 3207 §4.2) until the step's action is done. */
  smtp_step feed(std::string_view bytes);

  /** The message of the last step was stored (250) or not: `temporary` 451 (the client's server
   * tries again later), else 554. Goes on with any input already buffered. */
  smtp_step stored(bool ok, bool temporary, std::string_view id_or_reason);

  /** The TLS handshake after STARTTLS succeeded: the session starts over (a new EHLO). */
  void tls_started();

  /** The client was silent for too long (the listener's timer): 421 and close. */
  smtp_step timed_out();

  bool in_data() const { return state_ == state::data; }
  bool tls() const { return tls_; }

 private:
  enum class state { command, data, waiting, closed };

  smtp_step drain();
  void command(std::string_view line, smtp_step& out);
  void data_line(std::string_view line, smtp_step& out);
  void append_data(std::string_view bytes);
  void ehlo(std::string_view arg, bool extended, smtp_step& out);
  void mail(std::string_view arg, smtp_step& out);
  void rcpt(std::string_view arg, smtp_step& out);
  void data(smtp_step& out);
  void starttls(smtp_step& out);
  void refuse(smtp_step& out, std::string_view reply);
  void reset_transaction();

  smtp_options options_;
  state state_ = state::command;
  std::string in_;          // bytes not yet consumed
  std::string helo_;
  bool tls_ = false;
  bool have_mail_ = false;
  bool smtputf8_ = false;
  std::string mail_from_;
  std::vector<std::string> recipients_;
  std::string data_;
  bool data_too_large_ = false;  // over max_message_bytes: read to the end, then 552
  bool mid_line_ = false;        // a data line longer than a chunk is being passed on
  bool too_long_ = false;        // a command line over max_line_bytes is being skipped to its end
  std::size_t errors_ = 0;
};

/** The address inside a MAIL FROM:/RCPT TO: path ("<a@b>" with an optional source route), or
 * nullopt when it is not one; `rest` gets the parameters after it. Exposed for tests. */
std::optional<std::string> smtp_path(std::string_view arg, std::string_view& rest);

}  // namespace switchboard::channels::email
