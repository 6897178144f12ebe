#pragma once
// Twilio Programmable Messaging webhooks: an incoming SMS/MMS is a form post (From, To, Body,
// MessageSid, NumMedia, MediaUrl0…, MediaContentType0…); a status callback carries MessageStatus
// and is counted. "whatsapp:+…" senders (Twilio's WhatsApp) are WhatsApp identities. Pure.

#include "channels/signature.hpp"
#include "channels/update.hpp"

namespace switchboard::channels {

parsed_webhook parse_twilio(const form_fields& fields);

}  // namespace switchboard::channels
