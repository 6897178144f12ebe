#pragma once
// Who may see or do what (ARCHITECTURE §7), as plain functions: no I/O, unit-tested
// (tests/unit/access_rules_test.cpp). The conversation layer and the gateway both ask these; none
// of them is written twice.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "conversation/principal.hpp"
#include "proto/config.pb.h"
#include "proto/model.pb.h"
#include "store/append_request.hpp"

namespace switchboard::conversation {

// Staff may read a conversation: admins always; agents and leads when it is of one of their teams
// (or of no team) or they own it. Others (customers) never: they get "not found" (no existence leak).
bool staff_may_read(const principal& p, const v1::Conversation& c);
// A customer may read only their own conversation.
bool customer_may_read(const std::string& customer_id, const v1::Conversation& c);
// What a customer sees of their conversation: messages to and from them (never internal notes,
// whispers or drafts, nor the router's automatic messages, sent on their own channel), status
// changes, ratings, typing, reads and inactivity warnings.
bool customer_may_see(const v1::Event& ev);
// Leads and admins act on the conversations they may read (monitor, whisper, barge in, take over,
// reassign, priority, draft review); agents do not.
bool may_lead(const principal& p);
// Only agents and leads have a status and a desk.
bool has_desk(const principal& p);

// The guard of an owner's writes: `who` owns it, and it is theirs to work on.
store::append_guard owner_guard(const std::string& who);
// The guard of a lead's actions: the conversation is not resolved.
store::append_guard unresolved_guard();

// The channel a staff message goes out on: the one the agent picked if it is one of the
// customer's channels (`customer_channels`); when none was picked, the channel the customer last
// wrote from (or, before they wrote, the one the conversation was opened on). nullopt: the agent
// picked a channel the customer has no address on.
std::optional<v1::Channel> reply_channel(const v1::Conversation& c, v1::Channel picked,
                                         const std::vector<v1::Channel>& customer_channels);

// WhatsApp's customer service window: a business may write freely for 24 h after the customer's
// last WhatsApp message; after it, only an approved template (docs/CHANNELS.md).
constexpr std::int64_t kWhatsAppWindowMs = 24LL * 3600 * 1000;
// Why the outbound message `m` may not go to the customer now, or nothing: a WhatsApp message
// that is not a template, after the conversation's window (or with none: they never wrote there).
std::optional<std::string> whatsapp_window_refusal(const v1::Conversation& c, const v1::Message& m, std::int64_t now_ms);
// A template message: its body filled in from the config's template of that name (and language;
// empty: the first of that name), the language set. Else why not (an unknown template, a wrong
// number of variables, a variable WhatsApp would refuse: empty, over 1024 characters, with a
// newline or a tab).
std::optional<std::string> fill_template(const std::vector<v1::WhatsAppTemplate>& templates, v1::Message& m);

}  // namespace switchboard::conversation
