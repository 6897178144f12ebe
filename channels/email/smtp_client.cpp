#include "channels/email/smtp_client.hpp"

#include "channels/email/ascii.hpp"
#include "channels/email/base64.hpp"

#include <algorithm>

namespace switchboard::channels::email {
namespace {

constexpr std::size_t kMaxReplyBytes = 64 * 1024;  // a server that never ends its reply

bool non_ascii(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) >= 0x80; });
}

// The keyword of an EHLO line ("250-AUTH PLAIN LOGIN" → "AUTH"), and the rest.
std::pair<std::string, std::string> extension(const std::string& line) {
  const std::string_view v = std::string_view(line).substr(std::min<std::size_t>(4, line.size()));
  const auto sp = v.find(' ');
  return {ascii_lower(v.substr(0, sp)), sp == std::string_view::npos ? std::string() : ascii_lower(v.substr(sp + 1))};
}

}  // namespace

smtp_client::smtp_client(smtp_client_options options, smtp_envelope envelope)
    : options_(std::move(options)), envelope_(std::move(envelope)), tls_(options_.tls_from_start) {}

smtp_client_step smtp_client::feed(std::string_view bytes) {
  in_.append(bytes);
  smtp_client_step out;
  // A broken reply after good ones in the same bytes: what those asked to send stays in the step
  // (the same as when the bytes came apart).
  const auto broken = [&](std::string why) {
    smtp_client_step s = finish(smtp_verdict::temporary, std::move(why), false);
    s.send = out.send + s.send;
    return s;
  };
  for (;;) {
    const auto eol = in_.find('\n');
    if (eol == std::string::npos) {
      if (in_.size() > kMaxReplyBytes) return broken("the server's reply is too long");
      return out;
    }
    std::string line = in_.substr(0, eol);
    in_.erase(0, eol + 1);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const bool code_ok = line.size() >= 3 && std::all_of(line.begin(), line.begin() + 3, [](char c) { return c >= '0' && c <= '9'; });
    if (!code_ok || (line.size() > 3 && line[3] != ' ' && line[3] != '-')) {
      return broken("not an SMTP reply: " + line.substr(0, 200));
    }
    lines_.push_back(line);
    if (lines_.size() > 200) return broken("the server's reply is too long");
    if (line.size() > 3 && line[3] == '-') continue;  // more lines of this reply
    const int code = std::stoi(line.substr(0, 3));
    const std::vector<std::string> all = std::move(lines_);
    lines_.clear();
    smtp_client_step s = reply(code, line.size() > 4 ? std::string_view(line).substr(4) : std::string_view(), all);
    out.send += s.send;  // after a verdict only QUIT (or nothing) comes
    out.start_tls = s.start_tls;
    out.verdict = s.verdict;
    out.reason = s.reason;
    if (s.verdict != smtp_verdict::pending || s.start_tls) return out;  // what follows is for after the handshake or moot
  }
}

smtp_client_step smtp_client::tls_started() {
  tls_ = true;
  in_.clear();  // nothing read before the handshake counts (RFC 3207 §4.2)
  state_ = state::ehlo;
  return {"EHLO " + options_.helo + "\r\n"};
}

smtp_client_step smtp_client::lost(std::string_view why) {
  if (state_ == state::quit || state_ == state::done) return finish(smtp_verdict::sent, last_refusal_, false);
  return finish(smtp_verdict::temporary, "the connection ended: " + std::string(why), false);
}

smtp_client_step smtp_client::finish(smtp_verdict v, std::string reason, bool quit) {
  state_ = v == smtp_verdict::sent && quit ? state::quit : state::done;
  smtp_client_step s;
  s.verdict = v;
  s.reason = std::move(reason);
  if (quit) s.send = "QUIT\r\n";
  return s;
}

smtp_client_step smtp_client::reply(int code, std::string_view text, const std::vector<std::string>& lines) {
  const std::string said = std::to_string(code) + " " + std::string(text).substr(0, 300);
  const auto refused = [&](bool quit) {
    return finish(code >= 500 ? smtp_verdict::permanent : smtp_verdict::temporary, said, quit);
  };
  switch (state_) {
    case state::greeting:
      if (code != 220) return refused(code < 500);
      state_ = state::ehlo;
      return {"EHLO " + options_.helo + "\r\n"};
    case state::ehlo:
      if (code != 250) return refused(true);
      return after_ehlo(lines);
    case state::starttls:
      if (code != 220 && options_.starttls_when_offered && !options_.starttls) return send_mail();
      if (code != 220) return refused(true);
      return {std::string(), true};
    case state::auth:  // AUTH PLAIN answered, or AUTH LOGIN asking for the user name
      if (code == 334) {
        state_ = state::auth_user_sent;
        return {base64(options_.username) + "\r\n"};
      }
      if (code != 235) return refused(true);
      return send_mail();
    case state::auth_user_sent:  // LOGIN asking for the password
      if (code != 334) return refused(true);
      state_ = state::auth_pass_sent;
      return {base64(options_.password) + "\r\n"};
    case state::auth_pass_sent:
      if (code != 235) return refused(true);
      return send_mail();
    case state::mail:
      if (code != 250) return refused(true);
      state_ = state::rcpt;
      return {"RCPT TO:<" + envelope_.recipients[next_rcpt_++] + ">\r\n"};
    case state::rcpt:
      if (code == 250 || code == 251) {
        ++accepted_;
      } else {
        last_refusal_ = said;
        if (code < 500 && accepted_ == 0 && next_rcpt_ == envelope_.recipients.size()) return refused(true);
      }
      if (next_rcpt_ < envelope_.recipients.size()) return {"RCPT TO:<" + envelope_.recipients[next_rcpt_++] + ">\r\n"};
      if (accepted_ == 0) return finish(smtp_verdict::permanent, last_refusal_, true);
      state_ = state::data;
      return {"DATA\r\n"};
    case state::data:
      if (code != 354) return refused(true);
      state_ = state::body;
      return {dot_stuffed()};
    case state::body:
      if (code != 250) return refused(true);
      return finish(smtp_verdict::sent, said, true);
    case state::quit:
    case state::done:
      return finish(smtp_verdict::sent, said, false);
  }
  return finish(smtp_verdict::temporary, "unexpected reply: " + said, false);
}

smtp_client_step smtp_client::after_ehlo(const std::vector<std::string>& lines) {
  bool starttls = false, plain = false, login = false;
  for (std::size_t i = 1; i < lines.size(); ++i) {
    const auto [word, rest] = extension(lines[i]);
    if (word == "starttls") starttls = true;
    if (word == "smtputf8") smtputf8_ = true;
    if (word == "auth") {
      plain = plain || (" " + rest + " ").find(" plain ") != std::string::npos;
      login = login || (" " + rest + " ").find(" login ") != std::string::npos;
    }
  }
  if (!tls_ && (options_.starttls || (options_.starttls_when_offered && starttls))) {
    if (!starttls) return finish(smtp_verdict::permanent, "the server does not offer STARTTLS, which the config requires", true);
    state_ = state::starttls;
    return {"STARTTLS\r\n"};
  }
  if (!options_.username.empty()) {
    if (!tls_) return finish(smtp_verdict::permanent, "AUTH without TLS would send the password in the clear", true);
    state_ = state::auth;
    if (plain) return {"AUTH PLAIN " + base64(std::string(1, '\0') + options_.username + std::string(1, '\0') + options_.password) + "\r\n"};
    if (login) return {"AUTH LOGIN\r\n"};
    return finish(smtp_verdict::permanent, "the server offers neither AUTH PLAIN nor AUTH LOGIN", true);
  }
  return send_mail();
}

smtp_client_step smtp_client::send_mail() {
  if (envelope_.recipients.empty()) return finish(smtp_verdict::permanent, "no recipient", true);
  const bool utf8 = non_ascii(envelope_.mail_from) ||
                    std::any_of(envelope_.recipients.begin(), envelope_.recipients.end(), [](const auto& r) { return non_ascii(r); });
  if (utf8 && !smtputf8_) return finish(smtp_verdict::permanent, "a non-ASCII address and the server does not offer SMTPUTF8", true);
  state_ = state::mail;
  return {"MAIL FROM:<" + envelope_.mail_from + ">" + (utf8 ? " SMTPUTF8" : "") + "\r\n"};
}

std::string smtp_client::dot_stuffed() const {
  std::string out;
  out.reserve(envelope_.data.size() + envelope_.data.size() / 50 + 8);
  bool line_start = true;
  for (char c : envelope_.data) {
    if (line_start && c == '.') out += '.';
    out += c;
    line_start = c == '\n';
  }
  if (!out.empty() && !out.ends_with("\r\n")) out += "\r\n";
  out += ".\r\n";
  return out;
}

}  // namespace switchboard::channels::email
