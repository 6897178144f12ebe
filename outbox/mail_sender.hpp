#pragma once
// Agents' answers to email customers (issue 14, point 6; docs/EMAIL.md, "Answers by email"): the
// outbox hands each reply here. The mail is made from the conversation (channels/email/
// compose.hpp): From the inbox the customer wrote to with the agent's name, Reply-To the reply
// address that carries the conversation, our stable Message-ID (a retry is the same mail),
// In-Reply-To the customer's last mail before the reply and References the conversation's mails,
// "Re:" on its subject, the customer's last mail quoted, the attachments from the blob store. It
// goes to channels.email.relay over TCP (STARTTLS or TLS from the start, AUTH when configured,
// certificates checked) in one SMTP conversation (channels/email/smtp_client.hpp); with
// channels.email.deliver_direct, to the customer's domain's mail servers instead (their MX hosts
// in order, net/mail_servers.hpp; STARTTLS when offered; a 4xx or no answer tries the next). The
// envelope's sender is the inbox: a bounce comes back to it, and the listener marks the reply
// FAILED. With channels.email.dkim the mail is signed (channels/email/dkim.hpp) before it goes.
// Answers: sent (the provider id is our Message-ID), retry (4xx, no answer, a lost connection),
// rejected (5xx, a domain that takes no mail, or no way out configured: retrying would not help).
// Not thread-safe: used on the outbox's executor.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "channels/email/dkim.hpp"
#include "channels/email/smtp_client.hpp"
#include "channels/outgoing.hpp"
#include "media/blob_store.hpp"
#include "proto/config.pb.h"
#include "store/timeline.hpp"

namespace switchboard::outbox {

class mail_sender {
 public:
  // Throws std::runtime_error naming channels.email.dkim.private_key_file when it is not an RSA key.
  mail_sender(boost::asio::any_io_executor ex, const v1::Config& cfg, store::timeline_repository& timeline, media::blob_store& blobs);

  // The reply `seq` of `conversation_id` to `address`, from the inbox of `account` ("email/<inbox>").
  boost::asio::awaitable<channels::send_answer> send(std::string conversation_id, std::int64_t seq, std::string address,
                                                     std::string account);
  // A mail of our own that answers nothing (the code a customer asked for to prove an address:
  // gateway/identity_proofs.hpp), composed by the caller, signed at `at_s` when DKIM is set.
  boost::asio::awaitable<channels::send_answer> send_notice(std::string from, std::string to, std::string data, std::int64_t at_s);
  // A relay is configured, or channels.email.deliver_direct.
  bool can_send() const { return !cfg_.relay().host().empty() || cfg_.deliver_direct(); }

 private:
  boost::asio::awaitable<channels::send_answer> deliver(std::string from, std::string to, std::string data);
  boost::asio::awaitable<channels::send_answer> talk(std::string who, std::string host, int port, bool verify,
                                                     channels::email::smtp_client_options o, channels::email::smtp_envelope env);

  boost::asio::any_io_executor ex_;
  v1::EmailConfig cfg_;
  std::string ca_file_;
  std::string blob_secret_;
  std::chrono::milliseconds timeout_;
  store::timeline_repository& timeline_;
  media::blob_store& blobs_;
  std::optional<channels::email::dkim_signer> dkim_;  // channels.email.dkim, when set
};

}  // namespace switchboard::outbox
