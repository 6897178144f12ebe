#pragma once
// One client TCP connection that is TLS from the start or becomes TLS later (STARTTLS: SMTP,
// IMAP), for the line protocols' senders: certificates verified against the system's store (plus
// an optional CA file) with the host name checked, one deadline for the whole conversation (past
// it, the connection is closed and every call fails). Each call answers "" or what went wrong.
// No Asio in this header. Not thread-safe: use it from one executor.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <string_view>

namespace switchboard::net {

class tls_connection {
 public:
  // `ca_file`: a PEM of authorities trusted besides the system's ("" for none); throws when it
  // cannot be read. `verify`: false only for a relay on loopback or a private network that the
  // operator chose to trust as it is (the config says so).
  tls_connection(boost::asio::any_io_executor ex, const std::string& ca_file, bool verify, std::chrono::milliseconds deadline);
  ~tls_connection();
  tls_connection(const tls_connection&) = delete;
  tls_connection& operator=(const tls_connection&) = delete;

  boost::asio::awaitable<std::string> connect(std::string host, std::string port, bool tls_at_once);
  boost::asio::awaitable<std::string> start_tls();
  boost::asio::awaitable<std::string> write(std::string bytes);
  // Appends what arrived to `into` (at least one byte); "" or why not ("closed" when the peer closed).
  boost::asio::awaitable<std::string> read(std::string& into);
  void close();
  bool tls() const;
  // A new deadline, `from_now`, in place of the one running (a long-lived connection, such as
  // IMAP's, gives each command its own). Nothing once the deadline passed: the connection is closed.
  void rearm(std::chrono::milliseconds from_now);
  // Whether the deadline passed (and so closed the connection).
  bool timed_out() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace switchboard::net
