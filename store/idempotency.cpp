#include "store/idempotency.hpp"

namespace switchboard::store::idempotency {

namespace {

// "<prefix><length of who>:<who>:": an actor id that contains ':' cannot end inside another's.
std::string scoped(std::string_view prefix, std::string_view who) {
  std::string out(prefix);
  out += std::to_string(who.size());
  out += ':';
  out += who;
  out += ':';
  return out;
}

}  // namespace

std::string customer_message(std::string_view client_message_id) {
  return "c:" + std::string(client_message_id);
}

std::string provider_message(std::string_view channel, std::string_view provider_message_id) {
  return "p:" + std::string(channel) + ":" + std::string(provider_message_id);
}

std::string staff_action(std::string_view actor, std::string_view kind, std::string_view id) {
  return scoped("s:", actor) + std::string(kind) + ":" + std::string(id);
}

std::string read_receipt(std::string_view who, std::int64_t seq) {
  return scoped("r:", who) + std::to_string(seq);
}

std::string rating(std::string_view conversation_id) { return "k:" + std::string(conversation_id); }

std::string draft_review(std::string_view conversation_id, std::int64_t draft_seq) {
  return "v:" + std::string(conversation_id) + ":" + std::to_string(draft_seq);
}

std::string identity_proof(std::string_view customer_id, std::string_view code_hash) {
  return scoped("i:", customer_id) + std::string(code_hash);
}

std::string media_stored(std::string_view conversation_id, std::int64_t message_seq, int index) {
  return "m:" + std::string(conversation_id) + ":" + std::to_string(message_seq) + ":" + std::to_string(index);
}

}  // namespace switchboard::store::idempotency
