#include "gateway/imap_connection.hpp"

#include "channels/email/base64.hpp"

namespace switchboard::gateway {

namespace asio = boost::asio;
namespace email = channels::email;

namespace {

constexpr std::size_t kMaxUntagged = 10000;  // answers to one command (ours ask for at most a few hundred)

std::string verb_of(const std::string& command) { return command.substr(0, command.find(' ')); }

std::string said(const email::imap_response& r) { return r.status + (r.text.empty() ? "" : " " + r.text); }

email::imap_limits limits_for(std::size_t max_literal) {
  email::imap_limits l;
  l.max_line = 16 * 1024 * 1024;  // a SEARCH answer lists every UID on one line
  l.max_literal = max_literal;
  return l;
}

}  // namespace

imap_connection::imap_connection(asio::any_io_executor ex, const std::string& ca_file, bool verify, std::chrono::milliseconds timeout,
                                 std::size_t max_literal)
    : c_(std::move(ex), ca_file, verify, timeout), timeout_(timeout), reader_(limits_for(max_literal)) {}

asio::awaitable<std::string> imap_connection::read_response(email::imap_response& out) {
  for (;;) {
    if (auto r = reader_.next()) {
      out = std::move(*r);
      co_return std::string();
    }
    if (!reader_.error().empty()) {
      c_.close();
      co_return reader_.error();
    }
    std::string in;
    if (auto err = co_await c_.read(in); !err.empty()) co_return err;
    reader_.feed(in);
  }
}

asio::awaitable<std::string> imap_connection::open(std::string host, std::string port, std::string tls) {
  if (auto err = co_await c_.connect(host, port, tls == "implicit"); !err.empty()) co_return err;
  email::imap_response greeting;
  if (auto err = co_await read_response(greeting); !err.empty()) co_return "no greeting: " + err;
  if (greeting.tag != "*" || (greeting.status != "OK" && greeting.status != "PREAUTH")) {
    c_.close();
    co_return "the server refused us: " + said(greeting);
  }
  if (auto caps = email::imap_capabilities(greeting)) capabilities_ = std::move(*caps);
  if (tls == "starttls") {
    auto a = co_await run("STARTTLS");
    if (!a.error.empty()) co_return a.error;
    if (auto err = co_await c_.start_tls(); !err.empty()) co_return err;
    capabilities_.clear();  // what was said before TLS no longer counts (RFC 9051 §6.2.1)
  }
  co_return co_await learn_capabilities();
}

asio::awaitable<std::string> imap_connection::learn_capabilities() {
  if (!capabilities_.empty()) co_return std::string();
  auto a = co_await run("CAPABILITY");
  if (!a.error.empty()) co_return a.error;
  for (const auto& r : a.untagged) {
    if (auto caps = email::imap_capabilities(r)) capabilities_.insert(caps->begin(), caps->end());
  }
  co_return std::string();
}

asio::awaitable<std::string> imap_connection::sign_in(std::string user, std::string password) {
  imap_answer a;
  if (offers("AUTH=PLAIN")) {
    const std::string token = email::base64(std::string(1, '\0') + user + '\0' + password);
    // Without SASL-IR the credentials follow the server's "+" (RFC 9051 §6.2.2).
    if (offers("SASL-IR")) {
      a = co_await run("AUTHENTICATE PLAIN " + token);
    } else {
      a = co_await run("AUTHENTICATE PLAIN", token);
    }
  } else if (offers("LOGINDISABLED")) {
    co_return "the server allows no sign-in here (LOGINDISABLED): use tls implicit or starttls";
  } else {
    auto u = email::imap_quoted(user);
    auto p = email::imap_quoted(password);
    if (!u || !p) co_return "the user name or password has characters LOGIN cannot carry, and the server offers no AUTH=PLAIN";
    a = co_await run("LOGIN " + *u + " " + *p);
  }
  if (!a.error.empty()) co_return a.error;
  capabilities_.clear();  // they may grow after sign-in (IDLE, MOVE)
  co_return co_await learn_capabilities();
}

asio::awaitable<imap_answer> imap_connection::run(std::string command, std::string then) {
  imap_answer a;
  const std::string tag = next_tag();
  c_.rearm(timeout_);
  if (auto err = co_await c_.write(tag + " " + command + "\r\n"); !err.empty()) {
    a.error = err;
    co_return a;
  }
  for (;;) {
    email::imap_response r;
    if (auto err = co_await read_response(r); !err.empty()) {
      a.error = err;
      co_return a;
    }
    if (r.tag == tag) {
      if (r.status != "OK") a.error = verb_of(command) + ": " + said(r);
      co_return a;
    }
    if (r.tag == "+") {
      if (then.empty()) {
        c_.close();
        a.error = verb_of(command) + ": the server asks for more than we have";
        co_return a;
      }
      if (auto err = co_await c_.write(then + "\r\n"); !err.empty()) {
        a.error = err;
        co_return a;
      }
      then.clear();
      continue;
    }
    if (r.tag == "*" && r.status == "BYE") {
      c_.close();
      a.error = "the server ended the connection: " + r.text;
      co_return a;
    }
    if (a.untagged.size() >= kMaxUntagged) {
      c_.close();
      a.error = "over " + std::to_string(kMaxUntagged) + " answers to one command";
      co_return a;
    }
    a.untagged.push_back(std::move(r));
  }
}

asio::awaitable<std::string> imap_connection::idle(std::chrono::milliseconds wait, bool& news) {
  news = false;
  const std::string tag = next_tag();
  c_.rearm(timeout_);
  if (auto err = co_await c_.write(tag + " IDLE\r\n"); !err.empty()) co_return err;
  bool idling = false;
  for (;;) {
    email::imap_response r;
    if (auto err = co_await read_response(r); !err.empty()) {
      if (idling && c_.timed_out()) co_return std::string();  // waited long enough: the caller connects again
      co_return err;
    }
    if (r.tag == tag) co_return r.status == "OK" ? std::string() : "IDLE: " + said(r);
    if (r.tag == "+" && !idling) {
      idling = true;
      if (!news) c_.rearm(wait);
    } else if (r.tag == "*" && r.status == "BYE") {
      c_.close();
      co_return "the server ended the connection: " + r.text;
    } else if (r.tag == "*" && (r.status == "NO" || r.status == "BAD" || email::imap_code_number(r.text, "UIDVALIDITY"))) {
      // The folder changed under us (Dovecot says "NO Internal error" when it was rebuilt): what
      // this session knows no longer holds; a new one selects the folder afresh.
      c_.close();
      co_return "the server said " + said(r);
    } else if (email::imap_exists(r)) {
      news = true;
    }
    if (news && idling) {
      idling = false;  // DONE sent: now wait for the tagged answer
      c_.rearm(timeout_);
      if (auto err = co_await c_.write("DONE\r\n"); !err.empty()) co_return err;
    }
  }
}

}  // namespace switchboard::gateway
