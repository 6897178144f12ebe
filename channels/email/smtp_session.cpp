#include "channels/email/smtp_session.hpp"

#include "channels/email/ascii.hpp"

#include <algorithm>
#include <charconv>
#include <utility>

namespace switchboard::channels::email {
namespace {

// A data line without CRLF this long is passed on in pieces (it can be neither "." nor stuffed).
constexpr std::size_t kDataChunk = 64 * 1024;

bool iequals(std::string_view a, std::string_view b) { return ascii_iequals(a, b); }

bool istarts(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string_view next_word(std::string_view& s) {
  s = trim(s);
  const auto end = s.find_first_of(" \t");
  std::string_view word = s.substr(0, end);
  s = end == std::string_view::npos ? std::string_view{} : s.substr(end);
  return word;
}

// An address: local@domain (the local part may be quoted), or "postmaster"; no controls, no spaces
// outside quotes, a domain without spaces or brackets other than an address literal's.
bool valid_address(std::string_view a) {
  if (iequals(a, "postmaster")) return true;
  const auto at = a.rfind('@');
  if (at == std::string_view::npos || at == 0 || at + 1 == a.size()) return false;
  bool quoted = false;
  for (std::size_t i = 0; i < at; ++i) {
    const auto c = static_cast<unsigned char>(a[i]);
    if (c < 0x20 || c == 0x7f) return false;
    if (c == '\\' && quoted) {
      ++i;
    } else if (c == '"') {
      quoted = !quoted;
    } else if (!quoted && (c == ' ' || c == '<' || c == '>' || c == ',' || c == ';')) {
      return false;
    }
  }
  if (quoted) return false;
  for (char ch : a.substr(at + 1)) {
    const auto c = static_cast<unsigned char>(ch);
    if (c <= 0x20 || c == 0x7f || c == '<' || c == '>' || c == '@' || c == ',' || c == ';') return false;
  }
  return true;
}

}  // namespace

std::optional<std::string> smtp_path(std::string_view arg, std::string_view& rest) {
  arg = trim(arg);
  rest = {};
  if (arg.empty()) return std::nullopt;
  if (arg.front() != '<') {
    // Lenient, as Postfix is by default: a bare address without its angle brackets.
    std::string_view bare = next_word(arg);
    rest = arg;
    if (!valid_address(bare)) return std::nullopt;
    return std::string(bare);
  }
  bool quoted = false;
  std::size_t close = std::string_view::npos;
  for (std::size_t i = 1; i < arg.size(); ++i) {
    if (quoted && arg[i] == '\\') {
      ++i;
    } else if (arg[i] == '"') {
      quoted = !quoted;
    } else if (!quoted && arg[i] == '>') {
      close = i;
      break;
    }
  }
  if (close == std::string_view::npos) return std::nullopt;
  std::string_view inside = arg.substr(1, close - 1);
  rest = arg.substr(close + 1);
  if (!rest.empty() && rest.front() != ' ' && rest.front() != '\t') return std::nullopt;
  if (!inside.empty() && inside.front() == '@') {  // a source route (RFC 5321 §4.1.2): ignored
    const auto colon = inside.find(':');
    if (colon == std::string_view::npos) return std::nullopt;
    inside.remove_prefix(colon + 1);
  }
  if (!inside.empty() && !valid_address(inside)) return std::nullopt;
  return std::string(inside);
}

smtp_session::smtp_session(smtp_options options) : options_(std::move(options)) {}

std::string smtp_session::greeting() const { return "220 " + options_.hostname + " ESMTP Switchboard\r\n"; }

smtp_step smtp_session::feed(std::string_view bytes) {
  if (state_ == state::closed) return {};
  in_.append(bytes);
  if (state_ == state::waiting) return {};  // a message being stored, or a handshake: later
  return drain();
}

smtp_step smtp_session::drain() {
  smtp_step out;
  while (state_ == state::command || state_ == state::data) {
    if (state_ == state::data) {
      const auto crlf = in_.find("\r\n");
      if (crlf == std::string::npos) {
        if (in_.size() < kDataChunk) break;
        // A very long line: its start goes on (it is no terminator), the rest waits for its CRLF.
        const std::size_t keep = in_.back() == '\r' ? 1 : 0;
        std::string_view piece(in_.data(), in_.size() - keep);
        if (!mid_line_ && !piece.empty() && piece.front() == '.') piece.remove_prefix(1);
        append_data(piece);
        mid_line_ = true;
        in_.erase(0, in_.size() - keep);
        break;
      }
      data_line(std::string_view(in_.data(), crlf), out);
      in_.erase(0, crlf + 2);
      continue;
    }
    const auto lf = in_.find('\n');
    if (lf == std::string::npos) {
      if (in_.size() > options_.limits.max_line_bytes) {
        too_long_ = true;  // kept no longer: refused once its end comes
        in_.clear();
      }
      break;
    }
    std::string_view line(in_.data(), lf);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (too_long_ || line.size() > options_.limits.max_line_bytes) {
      too_long_ = false;
      refuse(out, "500 5.5.2 Error: line too long\r\n");
    } else {
      command(line, out);
    }
    in_.erase(0, lf + 1);
    if (out.close || out.start_tls || out.message) break;
  }
  return out;  // after a STARTTLS, what was pipelined is thrown away by tls_started()
}

void smtp_session::append_data(std::string_view bytes) {
  if (data_too_large_) return;
  if (data_.size() + bytes.size() > options_.limits.max_message_bytes) {
    data_too_large_ = true;
    data_.clear();
    data_.shrink_to_fit();
    return;
  }
  data_.append(bytes);
}

void smtp_session::data_line(std::string_view line, smtp_step& out) {
  if (!mid_line_ && line == ".") {
    if (data_too_large_) {
      out.reply += "552 5.3.4 Error: message too large\r\n";
      reset_transaction();
      state_ = state::command;
      return;
    }
    smtp_message m;
    m.helo = helo_;
    m.mail_from = mail_from_;
    m.recipients = recipients_;
    m.data = std::move(data_);
    m.tls = tls_;
    m.smtputf8 = smtputf8_;
    out.message = std::move(m);
    state_ = state::waiting;
    return;
  }
  if (!mid_line_ && !line.empty() && line.front() == '.') line.remove_prefix(1);  // dot-stuffing
  mid_line_ = false;
  append_data(line);
  append_data("\r\n");
}

void smtp_session::command(std::string_view line, smtp_step& out) {
  std::string_view arg = line;
  const std::string_view verb = next_word(arg);
  arg = trim(arg);
  if (iequals(verb, "EHLO") || iequals(verb, "HELO")) return ehlo(arg, iequals(verb, "EHLO"), out);
  if (iequals(verb, "MAIL")) return mail(arg, out);
  if (iequals(verb, "RCPT")) return rcpt(arg, out);
  if (iequals(verb, "DATA")) return arg.empty() ? data(out) : refuse(out, "501 5.5.4 Syntax: DATA\r\n");
  if (iequals(verb, "STARTTLS")) return arg.empty() ? starttls(out) : refuse(out, "501 5.5.4 Syntax: STARTTLS\r\n");
  if (iequals(verb, "RSET")) {
    reset_transaction();
    out.reply += "250 2.0.0 Ok\r\n";
  } else if (iequals(verb, "NOOP")) {
    out.reply += "250 2.0.0 Ok\r\n";
  } else if (iequals(verb, "QUIT")) {
    out.reply += "221 2.0.0 Bye\r\n";
    out.close = true;
    state_ = state::closed;
  } else if (iequals(verb, "VRFY")) {
    out.reply += "252 2.0.0 Cannot VRFY a user; send some mail and it will be tried\r\n";
  } else if (iequals(verb, "HELP")) {
    out.reply += "214 2.0.0 Commands: EHLO HELO MAIL RCPT DATA RSET NOOP QUIT STARTTLS VRFY HELP\r\n";
  } else if (iequals(verb, "EXPN") || iequals(verb, "AUTH") || iequals(verb, "BDAT") || iequals(verb, "ETRN")) {
    refuse(out, "502 5.5.1 Error: command not implemented\r\n");
  } else {
    refuse(out, "500 5.5.2 Error: command not recognized\r\n");
  }
}

void smtp_session::ehlo(std::string_view arg, bool extended, smtp_step& out) {
  if (arg.empty()) return refuse(out, extended ? "501 5.5.4 Syntax: EHLO hostname\r\n" : "501 5.5.4 Syntax: HELO hostname\r\n");
  reset_transaction();
  helo_ = std::string(next_word(arg));
  if (!extended) {
    out.reply += "250 " + options_.hostname + "\r\n";
    return;
  }
  out.reply += "250-" + options_.hostname + "\r\n250-PIPELINING\r\n250-SIZE " +
               std::to_string(options_.limits.max_message_bytes) + "\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n";
  if (options_.tls_available && !tls_) out.reply += "250-STARTTLS\r\n";
  out.reply += "250 ENHANCEDSTATUSCODES\r\n";
}

void smtp_session::mail(std::string_view arg, smtp_step& out) {
  if (helo_.empty()) return refuse(out, "503 5.5.1 Error: send HELO/EHLO first\r\n");
  if (have_mail_) return refuse(out, "503 5.5.1 Error: nested MAIL command\r\n");
  if (options_.tls_required && !tls_) return refuse(out, "530 5.7.0 Must issue a STARTTLS command first\r\n");
  if (!istarts(arg, "FROM:")) return refuse(out, "501 5.5.4 Syntax: MAIL FROM:<address>\r\n");
  std::string_view params;
  auto from = smtp_path(arg.substr(5), params);
  if (!from) return refuse(out, "501 5.1.7 Bad sender address syntax\r\n");
  bool utf8 = false;
  for (std::string_view p = next_word(params); !p.empty(); p = next_word(params)) {
    if (istarts(p, "SIZE=")) {
      std::size_t size = 0;
      const auto v = p.substr(5);
      const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), size);
      if (ec != std::errc() || end != v.data() + v.size()) return refuse(out, "501 5.5.4 Bad SIZE parameter\r\n");
      if (size > options_.limits.max_message_bytes) {
        return refuse(out, "552 5.3.4 Message size exceeds fixed limit\r\n");
      }
    } else if (iequals(p, "BODY=7BIT") || iequals(p, "BODY=8BITMIME")) {
    } else if (iequals(p, "SMTPUTF8")) {
      utf8 = true;
    } else {
      return refuse(out, "555 5.5.4 Unsupported option\r\n");
    }
  }
  mail_from_ = std::move(*from);
  smtputf8_ = utf8;
  have_mail_ = true;
  out.reply += "250 2.1.0 Ok\r\n";
}

void smtp_session::rcpt(std::string_view arg, smtp_step& out) {
  if (!have_mail_) return refuse(out, "503 5.5.1 Error: need MAIL command\r\n");
  if (!istarts(arg, "TO:")) return refuse(out, "501 5.5.4 Syntax: RCPT TO:<address>\r\n");
  std::string_view params;
  auto to = smtp_path(arg.substr(3), params);
  if (!to || to->empty()) return refuse(out, "501 5.1.3 Bad recipient address syntax\r\n");
  if (!trim(params).empty()) return refuse(out, "555 5.5.4 Unsupported option\r\n");
  if (recipients_.size() >= options_.limits.max_recipients) {
    out.reply += "452 4.5.3 Error: too many recipients\r\n";
    return;
  }
  if (!options_.accepts || !options_.accepts(*to)) {
    return refuse(out, "550 5.7.1 <" + *to + ">: Recipient address rejected: not an inbox here (no relaying)\r\n");
  }
  recipients_.push_back(std::move(*to));
  out.reply += "250 2.1.5 Ok\r\n";
}

void smtp_session::data(smtp_step& out) {
  if (!have_mail_) return refuse(out, "503 5.5.1 Error: need MAIL command\r\n");
  if (recipients_.empty()) return refuse(out, "554 5.5.1 Error: no valid recipients\r\n");
  state_ = state::data;
  data_.clear();
  data_too_large_ = false;
  mid_line_ = false;
  out.reply += "354 End data with <CR><LF>.<CR><LF>\r\n";
}

void smtp_session::starttls(smtp_step& out) {
  if (!options_.tls_available) return refuse(out, "502 5.5.1 Error: command not implemented\r\n");
  if (tls_) return refuse(out, "503 5.5.1 Error: TLS already active\r\n");
  out.reply += "220 2.0.0 Ready to start TLS\r\n";
  out.start_tls = true;
  state_ = state::waiting;
}

void smtp_session::refuse(smtp_step& out, std::string_view reply) {
  if (++errors_ > options_.limits.max_errors) {
    out.reply += "421 4.7.0 " + options_.hostname + " Error: too many errors\r\n";
    out.close = true;
    state_ = state::closed;
    return;
  }
  out.reply += reply;
}

void smtp_session::reset_transaction() {
  have_mail_ = false;
  smtputf8_ = false;
  mail_from_.clear();
  recipients_.clear();
  data_.clear();
  data_too_large_ = false;
  mid_line_ = false;
}

smtp_step smtp_session::stored(bool ok, bool temporary, std::string_view id_or_reason) {
  std::string reply;
  if (ok) {
    reply = "250 2.0.0 Ok: queued as " + std::string(id_or_reason) + "\r\n";
  } else if (temporary) {
    reply = "451 4.3.0 Error: " + std::string(id_or_reason) + ", try again later\r\n";
  } else {
    reply = "554 5.3.0 Error: " + std::string(id_or_reason) + "\r\n";
  }
  reset_transaction();
  if (state_ != state::waiting) return {};
  state_ = state::command;
  smtp_step out = drain();
  out.reply.insert(0, reply);
  return out;
}

void smtp_session::tls_started() {
  tls_ = true;
  too_long_ = false;
  helo_.clear();
  reset_transaction();
  in_.clear();
  state_ = state::command;
}

smtp_step smtp_session::timed_out() {
  smtp_step out;
  if (state_ == state::closed) return out;
  out.reply = "421 4.4.2 " + options_.hostname + " Error: timeout exceeded\r\n";
  out.close = true;
  state_ = state::closed;
  return out;
}

}  // namespace switchboard::channels::email
