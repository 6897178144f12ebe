#pragma once
// Telegram Bot API webhooks: one Update per request ({"update_id", and one of message,
// edited_message, callback_query, ...}). A private chat's message or a pressed inline button is a
// customer's message; the rest is counted by kind (docs/CHANNELS.md). Pure.

#include <string_view>

#include "channels/update.hpp"

namespace switchboard::channels {

// `bot`: the account's id, kept as the business side of each message.
parsed_webhook parse_telegram(std::string_view body, std::string_view bot);

}  // namespace switchboard::channels
