#pragma once
// The SMTP listener (issue 14, point 1; docs/CHANNELS.md, "Email"): where the MX delivers
// customers' mail. Each connection runs channels::email::smtp_session (the protocol, no sockets)
// over a TCP socket, upgraded to TLS after STARTTLS when channels.email has a certificate. A
// message is answered 250 only once mail_receiver stored it (451 when Redis is down, so the
// sending server tries again; 554 when it can never be taken). Limits: channels.email's
// max_connections (more: 421 and closed), command_timeout_seconds (silence: 421 and closed), and
// the session's own (size, recipients, line length, errors). Never an open relay: recipients are
// only our inboxes (mail_receiver::accepts). Thread-safe: any function, any thread; each
// connection runs on a strand of its own.

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "channels/email/smtp_session.hpp"
#include "proto/config.pb.h"

namespace boost::asio::ssl {
class context;
}

namespace switchboard::gateway {

class mail_receiver;

class smtp_listener : public std::enable_shared_from_this<smtp_listener> {
 public:
  // Binds at once (throws boost::system::system_error when it cannot) and loads the certificate
  // (throws std::runtime_error naming the file when it cannot be read).
  smtp_listener(boost::asio::io_context& ioc, const boost::asio::ip::tcp::endpoint& at, const v1::EmailConfig& cfg,
                mail_receiver& receiver);
  ~smtp_listener();

  void run();
  // Stops accepting and closes every connection. A message stored whose 250 could not be sent
  // any more comes again from its server, and is then a duplicate (stored once).
  void stop();
  std::size_t open_sessions() const { return open_.load(); }
  unsigned short port() const;

 private:
  struct connection;
  void do_accept();
  boost::asio::awaitable<void> serve(std::shared_ptr<connection> c);
  boost::asio::awaitable<bool> carry_out(connection& c, channels::email::smtp_step step);

  boost::asio::io_context& ioc_;
  boost::asio::ip::tcp::acceptor acceptor_;
  channels::email::smtp_options options_;
  std::size_t max_connections_;
  std::chrono::seconds command_timeout_;
  std::unique_ptr<boost::asio::ssl::context> tls_;
  mail_receiver& receiver_;
  std::atomic<std::size_t> open_{0};
  std::mutex mutex_;
  std::vector<std::weak_ptr<connection>> connections_;
};

}  // namespace switchboard::gateway
