#pragma once
// One client connection to an IMAP server (issue 14, point 2), for the mailbox reader
// (mailbox_reader.hpp): TLS from the start or after STARTTLS (certificates checked unless the
// config says not to), sign-in with AUTHENTICATE PLAIN when offered (else LOGIN), and tagged
// commands whose untagged answers come back with the tagged one (channels/email/imap.hpp reads
// them). Each command has `timeout` to finish; IDLE (RFC 2177) waits for news as long as asked.
// Each call answers "" or what went wrong; after a failure the connection is closed.
// No Beast. Not thread-safe: use it from one executor.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <set>
#include <string>
#include <vector>

#include "channels/email/imap.hpp"
#include "net/tls_connection.hpp"

namespace switchboard::gateway {

struct imap_answer {
  std::string error;                                   // "": the command succeeded (tagged OK)
  std::vector<channels::email::imap_response> untagged;  // what came before the tagged answer
};

class imap_connection {
 public:
  // `tls`: "implicit", "starttls" or "none" (EmailMailbox.tls).
  imap_connection(boost::asio::any_io_executor ex, const std::string& ca_file, bool verify, std::chrono::milliseconds timeout,
                  std::size_t max_literal);

  // Connects, reads the greeting, STARTTLS when asked, learns the capabilities.
  boost::asio::awaitable<std::string> open(std::string host, std::string port, std::string tls);
  boost::asio::awaitable<std::string> sign_in(std::string user, std::string password);
  // `command` without its tag ("SELECT \"INBOX\""); `then`: the line to send when the server
  // asks for more ("+"), once.
  boost::asio::awaitable<imap_answer> run(std::string command, std::string then = "");
  // IDLE until the server tells of new mail (true) or `wait` passed (false; the connection is
  // then closed: open a new one). "" or what went wrong (a warning of the server's, a new
  // UIDVALIDITY, a lost connection: the connection is closed).
  boost::asio::awaitable<std::string> idle(std::chrono::milliseconds wait, bool& news);
  bool offers(const std::string& capability) const { return capabilities_.count(capability) > 0; }
  void close() { c_.close(); }

 private:
  boost::asio::awaitable<std::string> read_response(channels::email::imap_response& out);
  boost::asio::awaitable<std::string> learn_capabilities();
  std::string next_tag() { return "sb" + std::to_string(++tags_); }

  net::tls_connection c_;
  std::chrono::milliseconds timeout_;
  channels::email::imap_reader reader_;
  std::set<std::string> capabilities_;
  unsigned tags_ = 0;
};

}  // namespace switchboard::gateway
