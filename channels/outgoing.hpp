#pragma once
// A reply as each provider's send API takes it, and what its answer means. Pure: the outbox
// (outbox/) sends the call with net/https_client and reads the answer here.
//  - WhatsApp Cloud API: POST {api}/{phone number id}/messages, Bearer token, JSON
//    {"messaging_product": "whatsapp", "to", "type": "text", "text": {"body"}} → {"messages": [{"id"}]}.
//  - Messenger, Instagram: POST {api}/me/messages, Bearer token, JSON {"recipient": {"id"},
//    "messaging_type": "RESPONSE", "message": {"text"}} → {"message_id"}.
//  - Telegram: POST {api}/bot{token}/sendMessage, JSON {"chat_id", "text"} → {"ok", "result":
//    {"message_id"}}.
//  - Twilio: POST {api}/2010-04-01/Accounts/{sid}/Messages.json, Basic sid:token, form From, To,
//    Body (MediaUrl) → {"sid"}.
// Attachments (send_calls) go by URL, which the provider fetches from channels.public_url:
//  - WhatsApp: one message per file, {"type": image|video|audio|document, <type>: {"link",
//    "caption", "filename"}}, the text as the first one's caption (not on audio).
//  - Messenger, Instagram: the text, then one message per file {"attachment": {"type": image|
//    video|audio|file, "payload": {"url", "is_reusable": false}}}.
//  - Telegram: sendPhoto / sendVideo / sendAudio / sendVoice / sendAnimation / sendDocument per
//    file, the text as the first one's caption (up to 1,024 characters).
//  - Twilio: one message, Body and a MediaUrl per file (MMS; at most 10).

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "proto/config.pb.h"
#include "proto/model.pb.h"

namespace switchboard::channels {

struct outgoing_call {
  std::string method = "POST";
  std::string url;  // absolute: https://host[:port]/path
  std::vector<std::pair<std::string, std::string>> headers;
  std::string content_type;
  std::string body;
};

// The account's API base: its api_url, else the provider's public one.
std::string api_base(const v1::ChannelAccount& account);

// The call that sends `message`'s text (or template) to `address` from `account`; `channel` is
// the conversation's (Twilio sends SMS and WhatsApp). Empty url: it cannot be sent from this
// account (error says why).
outgoing_call send_call(const v1::ChannelAccount& account, v1::Channel channel, const std::string& address,
                        const v1::Message& message, std::string& error);
// Every call that sends `message` with its attachments, in order; `public_url` makes the
// attachments' relative URLs absolute. Empty: it cannot be sent (error says why).
std::vector<outgoing_call> send_calls(const v1::ChannelAccount& account, v1::Channel channel, const std::string& address,
                                      const v1::Message& message, const std::string& public_url, std::string& error);

struct send_answer {
  enum class verdict {
    sent,       // the provider took it
    retry,      // try again later (429, 5xx, a timeout, a dropped connection)
    rejected,   // the provider refused it for good (4xx): retrying would not help
  };
  verdict what = verdict::retry;
  std::string provider_message_id;  // sent
  std::string reason;               // retry, rejected: the provider's words (UTF-8)
  std::int64_t retry_after_ms = 0;  // retry: what the provider asked for (Retry-After, at most a day), 0 if nothing
};

// What the provider's answer (`status` 0: no answer at all) means.
send_answer read_answer(const std::string& provider, int status, const std::string& body, const std::string& retry_after);

}  // namespace switchboard::channels
