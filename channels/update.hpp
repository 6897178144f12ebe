#pragma once
// What a provider's webhook says, in Switchboard's words: each parser (meta.hpp, telegram.hpp,
// twilio.hpp) turns one verified request body into a list of updates, and counts what it skips on
// purpose. Pure: no I/O; the gateway stores the updates through conversation::inbox.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "proto/channel.pb.h"
#include "proto/model.pb.h"

namespace switchboard::channels {

// A customer's message (text, media, location, contacts, a button pressed or a quick reply
// chosen: all become a message with a body and attachments).
struct inbound_message {
  v1::Channel channel = v1::CHANNEL_UNSPECIFIED;
  std::string business_id;          // our side: the phone number id, page id, bot, number written to
  std::string address;              // the customer's: E.164 phone, page-scoped id, Telegram user id
  std::string display_name;         // the name the provider gives, if any
  std::string provider_message_id;  // the provider's id: a re-delivery is stored once
  std::string in_reply_to;          // the provider's id of the message this one answers
  std::string body;                 // plain text, never empty unless there are attachments
  std::vector<v1::Attachment> attachments;  // the provider's media (its id or URL; not fetched here)
  std::int64_t at_ms = 0;           // when the customer sent it, by the provider's clock
};

// A provider's word on a message we sent: it reached the customer's device, was read, or failed.
struct status_update {
  v1::Channel channel = v1::CHANNEL_UNSPECIFIED;
  std::string provider_message_id;
  std::string state;   // "delivered", "read" or "failed"
  std::string reason;  // failed: the provider's words
};

// The customer reacted to, edited or deleted a message: one of theirs, or a reply we sent them.
struct message_change {
  v1::Channel channel = v1::CHANNEL_UNSPECIFIED;
  std::string business_id;
  std::string address;              // the customer's, as in inbound_message
  std::string change_id;            // the provider's id of this update: a re-delivery is stored once
  std::string provider_message_id;  // the message it is about
  v1::MessageChange::Kind kind = v1::MessageChange::KIND_UNSPECIFIED;
  std::string emoji;                // REACTION; empty: taken back
  std::string body;                 // EDIT: the text as it reads now
  std::int64_t at_ms = 0;
};

// The customer read everything we sent them up to a time (Messenger's and Instagram's read
// receipts carry a watermark, not message ids).
struct read_watermark {
  v1::Channel channel = v1::CHANNEL_UNSPECIFIED;
  std::string business_id;
  std::string address;
  std::int64_t watermark_ms = 0;
};

struct parsed_webhook {
  // Set when the body is not the provider's webhook at all (not JSON, not its envelope): why, for
  // the 400 and the log. Nothing of such a body is stored.
  std::string error;
  std::vector<inbound_message> messages;
  std::vector<status_update> statuses;
  std::vector<message_change> changes;
  std::vector<read_watermark> reads;
  // Updates understood and not stored as a message, by kind ("status", "echo", "reaction", ...).
  std::map<std::string, int> skipped;
};

}  // namespace switchboard::channels
