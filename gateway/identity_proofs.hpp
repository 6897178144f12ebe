#pragma once
// A customer proves a phone number or an email address is theirs (docs/CHANNELS.md, "A customer
// proves who they are"): ProveIdentity sends a six-digit code to the number by SMS, from
// channels.identity_sms_account, or to the address by mail, through channels.email.relay, and keeps
// its hash for ten minutes (store/identity_codes.hpp); ConfirmIdentity with the right code links
// the number (address) to the customer with its proof (method, when, in which conversation),
// merges into them the customers who had it on SMS or WhatsApp (on email) (so the agent sees one
// timeline: the merge's actor is the customer, its reason the proof), and appends an
// `identityProved` event to the conversation. At most 5 tries per code, 5 codes per customer in an
// hour, 3 per number or address in a day, 200 in all in an hour. The SMS goes straight to Twilio's
// API (net/https_client), the mail straight to the relay (outbox/mail_sender): the customer is
// waiting for it, and a failure is theirs to see at once. No Beast here.
// Not thread-safe: run on the core strand.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <optional>
#include <string>

#include "core/clock.hpp"
#include "net/https_client.hpp"
#include "outbox/mail_sender.hpp"
#include "proto/config.pb.h"
#include "proto/wire.pb.h"
#include "store/identities.hpp"
#include "store/identity_codes.hpp"
#include "store/timeline.hpp"

namespace switchboard::gateway {

// "+34 600-111.222" → "+34600111222"; "" if it is not "+" and 8-15 digits.
std::string e164(const std::string& raw);
// " Ana@Example.ORG " → "ana@example.org"; "" if it is not a plain address (local@domain.tld).
std::string plain_email(const std::string& raw);

class identity_proofs {
 public:
  identity_proofs(const v1::Config& cfg, boost::asio::any_io_executor core, store::redis_client& redis,
                  const store::key_layout& keys, store::timeline_repository& timeline, store::identity_repository& identities,
                  outbox::mail_sender& mail);

  // A customer's ProveIdentity or ConfirmIdentity: the answer frame.
  boost::asio::awaitable<v1::ServerFrame> handle(std::string customer_id, v1::ClientFrame f);

 private:
  boost::asio::awaitable<v1::ServerFrame> prove(const std::string& customer, const v1::ClientFrame& f);
  boost::asio::awaitable<v1::ServerFrame> confirm(const std::string& customer, const v1::ClientFrame& f);
  // The code to `address` (a number or an email address): an error frame, or none once sent.
  boost::asio::awaitable<std::optional<v1::ServerFrame>> send_code(const std::string& request_id, const std::string& address,
                                                                   const std::string& code);
  // Merges the customers who had `address` (a number: on SMS, WhatsApp; an email address: on
  // email) into `customer`, or links it; the merged ids.
  boost::asio::awaitable<result<std::vector<std::string>>> claim(const std::string& customer, const std::string& address,
                                                                 const std::string& conversation);
  // The proved number (address) linked (claim), its proof recorded, the identityProved event appended.
  boost::asio::awaitable<result<store::append_result>> link_proved(const std::string& customer, const std::string& address,
                                                                   const std::string& conv, const std::string& hash);
  std::string code_hash(const std::string& customer, const std::string& code) const;

  std::optional<v1::ChannelAccount> sms_;  // the account codes go from
  std::string mail_from_;                  // the first inbox: the address codes by mail go from
  std::string mail_host_;                  // channels.email.hostname: the codes' Message-IDs
  outbox::mail_sender& mail_;
  net::https_client https_;
  store::identity_code_repository codes_;
  store::timeline_repository& timeline_;
  store::identity_repository& identities_;
};

}  // namespace switchboard::gateway
