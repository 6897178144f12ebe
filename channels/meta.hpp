#pragma once
// Meta's webhooks: the WhatsApp Cloud API ({"object": "whatsapp_business_account"}, changes of
// field "messages" with messages[], statuses[], contacts[]) and the Messenger Platform, whose
// envelope Instagram shares ({"object": "page"} or "instagram", entry[].messaging[] and
// entry[].standby[]). What each kind of update becomes is in docs/CHANNELS.md. Pure.

#include <string_view>

#include "channels/update.hpp"

namespace switchboard::channels {

parsed_webhook parse_whatsapp(std::string_view body);
// `channel`: CHANNEL_MESSENGER ("object": "page") or CHANNEL_INSTAGRAM ("object": "instagram").
parsed_webhook parse_messenger(std::string_view body, v1::Channel channel);

}  // namespace switchboard::channels
