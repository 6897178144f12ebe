#pragma once
// Mail from a mailbox at the company's provider (issue 14, point 2; docs/EMAIL.md, "Mail from a
// mailbox"): one reader per channels.email.mailboxes entry, over IMAP (imap_connection.hpp).
// A reader signs in, selects the folder and takes every message after the last UID it took
// (store/mailbox_marks.hpp), oldest first: its size checked (over max_message_bytes: left there,
// counted), its bytes fetched without setting \Seen, handed to mail_receiver like mail from the
// SMTP listener (threading, noise, attachments alike), then marked \Seen or moved to move_to, and
// its UID written down. Then it waits: IDLE where the server offers it (new mail within a second;
// renewed every 25 minutes, RFC 2177 asks for less than 29), else a new look every poll_seconds.
//
// - Never twice: the UID mark goes forward only after the message was stored; a message stored
//   whose mark was lost comes again and is a duplicate of its Message-ID (stored once).
// - A new UIDVALIDITY (the folder was recreated): read again from the first message; what was
//   stored before is recognised by its Message-ID.
// - Redis down (mail_receiver answers retry), the server away, a refused sign-in: the message
//   stays where it is, the reader logs why and tries again after poll_seconds.
// - One gateway at a time reads a mailbox: a lease in Redis ("mailbox:<name>"), renewed while it
//   reads; another gateway takes over within a minute of this one stopping.
// Thread-safe: start() and stop() from any thread; each reader runs on a strand of its own.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/io_context.hpp>
#include <memory>
#include <string>
#include <vector>

#include "proto/config.pb.h"
#include "store/keys.hpp"
#include "store/redis_client.hpp"

namespace switchboard::gateway {

class mail_receiver;

class mailbox_readers {
 public:
  mailbox_readers(boost::asio::io_context& ioc, boost::asio::any_io_executor core, const v1::Config& cfg, store::redis_client& redis,
                  const store::key_layout& keys, mail_receiver& receiver, std::string owner);
  ~mailbox_readers();
  mailbox_readers(const mailbox_readers&) = delete;
  mailbox_readers& operator=(const mailbox_readers&) = delete;

  void start();
  // Closes every connection and wait; the readers end soon after (a message being stored is
  // finished first, and each lease is given up, so another gateway takes over at once).
  void stop();
  std::size_t size() const { return readers_.size(); }
  // Readers not finished yet (after stop(): still storing a message or giving the lease up).
  std::size_t running() const;

  struct reader;

 private:
  std::vector<std::shared_ptr<reader>> readers_;
};

// "<user>@<host>:<port>/<folder>": what a mailbox is called in logs and in its Redis keys.
std::string mailbox_name(const v1::EmailMailbox& m);

}  // namespace switchboard::gateway
