#pragma once
// Idempotency keys of the append path: every actor's keys live in a namespace of their own, so no
// key one actor can choose equals a key of another (a customer cannot make an agent's reply a
// "duplicate"). Customers' message ids go under "c:"; staff keys carry the actor's id with its
// length, the kind of action and the id the desk chose for that action; the keys the server
// derives itself (read receipts, ratings, draft reviews) have prefixes of their own. Pure.

#include <cstdint>
#include <string>
#include <string_view>

namespace switchboard::store::idempotency {

// A customer's message, by its clientMessageId.
std::string customer_message(std::string_view client_message_id);
// A customer's message on `channel` by the provider's id for it (email Message-ID, wamid, ...).
std::string provider_message(std::string_view channel, std::string_view provider_message_id);
// A staff member's action: `kind` is one of the names below, `id` the desk's own id for it (a
// message's clientMessageId, a frame's actionId).
std::string staff_action(std::string_view actor, std::string_view kind, std::string_view id);
// A read receipt of `who` up to `seq` (one event per reader and seq).
std::string read_receipt(std::string_view who, std::int64_t seq);
// The conversation's rating (once per conversation).
std::string rating(std::string_view conversation_id);
// The review of a trainee's draft (the first review wins).
std::string draft_review(std::string_view conversation_id, std::int64_t draft_seq);

// A customer's proof of a phone number with one code (once, however often the confirmation is retried).
std::string identity_proof(std::string_view customer_id, std::string_view code_hash);
// The record of a customer's attachment fetched into the blob store (once per message and index).
std::string media_stored(std::string_view conversation_id, std::int64_t message_seq, int index);

}  // namespace switchboard::store::idempotency
