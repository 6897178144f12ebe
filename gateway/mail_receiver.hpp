#pragma once
// Customers' mail into conversations (issue 14; docs/CHANNELS.md, "Email"): one received message
// (from the SMTP listener, smtp_listener.hpp) is parsed (channels/email/mime.hpp), sorted and
// stored through conversation::inbox::ingest, like every channel's messages.
//
// - Noise is never routed: an auto-reply or list mail, and our own mail come back, are counted
//   and dropped; a bounce of a reply of ours marks that reply FAILED with the report's reason (a
//   `delivery` event), a delay report only counts.
// - The customer is the sender (From; else Reply-To, else the envelope's): one email identity.
// - Threading, first match: the reply address the mail was sent to (support+<conversation>.<mac>@);
//   our own Message-ID in In-Reply-To / References; the customer's earlier mail named there
//   (store/mail_threads.hpp); "Re: <subject>" of a conversation whose last mail is recent enough
//   (channels.email.subject_window_hours). Each must be a conversation of this customer. A reply
//   to a resolved conversation reopens it. A forward ("Fwd:") and new mail start a new
//   conversation of the same customer.
// - The message keeps what the customer wrote now as its body, the quoted history and signature
//   apart, the sanitised HTML, the subject and the ids; attachments go to the blob store first
//   (content-addressed: a retry writes nothing new); an attachment over media.max_bytes or of a
//   type not taken is left out and said so in the body; a body cut at its limit keeps the whole
//   mail as an attachment (original.eml).
// - The Message-ID is the idempotency key: the same mail delivered twice is stored once. A mail
//   without one gets one made from its bytes (the same bytes again are the same mail).
// - The answer is `stored` only after Redis took it; Redis down is `retry` (the sending server
//   tries again later: SMTP 451).
// No Beast, no sockets. Thread-safe: receive() parses on the caller's executor and stores on the
// core strand.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "channels/email/mime.hpp"
#include "conversation/context.hpp"
#include "conversation/inbox.hpp"
#include "media/blob_store.hpp"
#include "proto/config.pb.h"
#include "store/mail_threads.hpp"

namespace switchboard::gateway {

/** One mail as the listener (or a mailbox poller) got it. */
struct received_mail {
  std::string mail_from;                // the envelope's reverse path ("" for a bounce)
  std::vector<std::string> recipients;  // the envelope's recipients (our inboxes); empty: read To and Cc
  std::string data;                     // the message as received
  // From a mailbox (no envelope): the inbox it receives for, when To and Cc name none of ours.
  std::string inbox;
};

struct mail_receipt {
  enum class verdict {
    stored,   // in a conversation (`text`: which)
    dropped,  // understood and not stored: noise (`text`: what it was)
    refused,  // never to be taken (`text`: why; SMTP 554)
    retry,    // not now (`text`: why; SMTP 451)
  };
  verdict what = verdict::refused;
  std::string text;
};

class mail_receiver {
 public:
  mail_receiver(const v1::Config& cfg, const live_config& live, boost::asio::any_io_executor core, store::redis_client& redis, const store::key_layout& keys,
                store::timeline_repository& timeline, store::identity_repository& identities, store::agent_repository& agents,
                media::blob_store& blobs);

  /** Whether `address` is one of channels.email.inboxes, or a reply address made for one. */
  bool accepts(std::string_view address) const;

  boost::asio::awaitable<mail_receipt> receive(received_mail mail);

  /** Mails seen since start, by what became of them ("stored", "auto-reply", "bounce", ...). */
  std::map<std::string, long> counts() const;
  /** Counts a mail that never reached receive() ("too large" in a mailbox). */
  void note(const std::string& outcome) { counted(mail_receipt(), outcome); }

 private:
  struct thread_choice {
    std::string conversation_id;  // empty: a new conversation
    std::string how;              // "reply address", "message id", "subject", "new", "forward"
  };
  const v1::EmailInbox* inbox_of(std::string_view address) const;
  boost::asio::awaitable<mail_receipt> store(received_mail mail, channels::email::parsed_mail parsed);
  boost::asio::awaitable<mail_receipt> bounce(const channels::email::parsed_mail& parsed);
  boost::asio::awaitable<result<thread_choice>> thread_of(const std::string& customer, const std::vector<std::string>& recipients,
                                                          const channels::email::parsed_mail& parsed);
  // Whether the conversation exists and is the customer's (a reply address or id of another's is ignored).
  boost::asio::awaitable<result<bool>> theirs(const std::string& conversation_id, const std::string& customer);
  // Attachments into the blob store; what was left out is added to `left_out`. Empty: Redis-free failure.
  boost::asio::awaitable<result<std::vector<v1::Attachment>>> keep_attachments(const received_mail& mail,
                                                                               channels::email::parsed_mail& parsed, bool keep_original,
                                                                               std::vector<std::string>& left_out);
  mail_receipt counted(mail_receipt r, const std::string& kind);

  std::vector<v1::EmailInbox> inboxes_;
  std::string secret_;
  std::string hostname_;
  std::int64_t subject_window_ms_;
  std::string blob_secret_;
  std::int64_t max_attachment_bytes_;
  std::vector<std::string> allowed_types_;
  channels::email::mail_limits limits_;
  boost::asio::any_io_executor core_;
  conversation::context ctx_;
  conversation::inbox inbox_;
  store::timeline_repository& timeline_;
  store::mail_thread_repository threads_;
  media::blob_store& blobs_;
  mutable std::mutex counts_mutex_;
  std::map<std::string, long> counts_;
};

}  // namespace switchboard::gateway
