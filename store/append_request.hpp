#pragma once
// What one append asks of the append script (store/lua/append.lua), as types: the event, the
// conversation it goes to, the field changes made with it, the guard that must hold, and the state
// rules it applies (store/conversation_rules.hpp). encode_append_args() is the one place that
// turns it into the script's arguments (the marks '+', '*', '-', '!', '^' and the "a=b|c;d=e"
// guard syntax live there and in the script, nowhere else). Pure; thread-safe.

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "proto/model.pb.h"
#include "proto/routing_note.pb.h"

namespace switchboard::store {

// One change to the conversation's fields, made atomically with the event.
struct field_op {
  enum class kind {
    set,             // HSET field value
    set_if_created,  // only on a conversation this append creates
    append_to_list,  // appended to the field's comma-separated list
    remove,          // HDEL; a routing note (TURN) when the field existed: the customer's turn ended
    audit,           // not a field: `value` is an audit record (JSON) for the group's audit stream
    outbox,          // not a field: the event goes to the group's outbox, to be sent on channel `value`
  };
  kind op = kind::set;
  std::string field;
  std::string value;
  bool operator==(const field_op&) const = default;
};

// The field changes of one append, in order.
class field_changes {
 public:
  field_changes& set(std::string field, std::string value);
  field_changes& set_if_created(std::string field, std::string value);
  field_changes& append_to_list(std::string field, std::string value);
  field_changes& remove(std::string field);
  field_changes& audit(std::string record);
  // The event (a reply) is put in the group's outbox, to be sent on `channel` (its store name);
  // `message_seq` > 0: the conversation's message event of that seq instead (a retry).
  field_changes& outbox(std::string channel, std::int64_t message_seq = 0);
  const std::vector<field_op>& ops() const noexcept { return ops_; }
  bool empty() const noexcept { return ops_.empty(); }

 private:
  std::vector<field_op> ops_;
};

// Conditions on the existing conversation; when one does not hold nothing is written and the
// append fails with wrong_state. A missing field reads as "".
class append_guard {
 public:
  struct clause {
    std::string field;
    std::vector<std::string> allowed;  // the field must equal one of these
    bool operator==(const clause&) const = default;
  };
  // `field` must be one of `allowed` (string_views: GCC 12 mishandles braced lists of std::string
  // temporaries in coroutines).
  append_guard& require(std::string field, std::initializer_list<std::string_view> allowed);
  append_guard& require(std::string field, std::string value);
  const std::vector<clause>& clauses() const noexcept { return clauses_; }
  bool empty() const noexcept { return clauses_.empty(); }

 private:
  std::vector<clause> clauses_;
};

// A KPI timestamp set to now if still unset.
struct set_once_field {
  std::string field;
  bool starts_turn = false;  // a routing note (TURN) when it is set now: the customer's turn began
};

// The state machine's part of an append, from the event's kind (store/conversation_rules.cpp).
struct append_effects {
  // State of a conversation this event opens; unspecified: it may not open one.
  v1::ConversationState create_state = v1::CONVERSATION_STATE_UNSPECIFIED;
  // Applied to the current state, first match wins; `from` unspecified matches any state.
  std::vector<std::pair<v1::ConversationState, v1::ConversationState>> transitions;
  // The routing note added when the state changes; none when unspecified and not `always`.
  v1::RoutingNote::Kind note = v1::RoutingNote::KIND_UNSPECIFIED;
  bool note_always = false;  // added even when the state stays
  // Added even when the state stays if the conversation's channel is not note_channel (decided
  // in the script, which knows the conversation).
  bool note_other_channel = false;
  // A customer's message on a messaging channel: the channel, carried with the note's kind
  // (note_kind_field) so the router knows where they wrote (routing_note.proto message_channel).
  v1::Channel note_channel = v1::CHANNEL_UNSPECIFIED;
  std::vector<set_once_field> set_once;
  field_changes fields;
};

struct append_request {
  enum class target {
    existing,  // conversation_id must exist and belong to the customer
    open_new,  // open a new conversation
    current,   // the customer's open conversation, a recently resolved one reopened, or a new one
    // as current, but refused with errc::merged when the customer has no open conversation and
    // customers merged into them (one of theirs may be waiting: conversation/inbox.cpp)
    current_or_family,
  };
  std::string customer_id;
  target mode = target::existing;
  std::string conversation_id;      // for existing
  v1::Event event;                  // event_id and at_ms are filled in when empty
  std::string idempotency_key;      // client or provider message id; empty: no dedupe
  v1::Channel channel = v1::CHANNEL_UNSPECIFIED;  // channel of a conversation this opens
  field_changes fields;             // made after the event's own (append_effects::fields)
  std::uint64_t fencing_token = 0;  // router writes: the lease token (0: not a router write)
  append_guard guard;
};

// The script's ARGV from 10 on (see append.lua): create state, transitions, note, set-once fields,
// channel, token, guard, then field/value pairs — the event's effects, then the request's fields.
// A router write (fencing_token != 0) adds no note: the router knows its own changes.
std::vector<std::string> encode_append_args(const append_request& req, const append_effects& fx);

std::string_view note_kind_name(v1::RoutingNote::Kind k) noexcept;
v1::RoutingNote::Kind note_kind_from_name(std::string_view name) noexcept;

// The note's `k` as the stream holds it: the kind's name, and ":<channel>" when a customer's
// message on that channel caused it ("queued:whatsapp"); split_note_kind_field reads it back
// (kind unspecified for an unknown name, channel unspecified when there is none or it is unknown).
// The append script writes `k` as it is given: this suffix is the one way the note carries the
// message's channel without a field of its own.
std::string note_kind_field(v1::RoutingNote::Kind k, v1::Channel message_channel);
std::pair<v1::RoutingNote::Kind, v1::Channel> split_note_kind_field(std::string_view k) noexcept;

}  // namespace switchboard::store
