#include "store/append_request.hpp"

#include <array>

#include "store/conversation_rules.hpp"
#include "store/keys.hpp"

namespace switchboard::store {

namespace {

constexpr std::array<std::pair<v1::RoutingNote::Kind, std::string_view>, 15> kNoteKinds{{
    {v1::RoutingNote::QUEUED, "queued"},
    {v1::RoutingNote::ACCEPTED, "accepted"},
    {v1::RoutingNote::DECLINED, "declined"},
    {v1::RoutingNote::TIMED_OUT, "timed_out"},
    {v1::RoutingNote::ASSIGNED, "assigned"},
    {v1::RoutingNote::TRANSFER, "transfer"},
    {v1::RoutingNote::TAKEOVER, "takeover"},
    {v1::RoutingNote::RELEASED, "released"},
    {v1::RoutingNote::STATUS, "status"},
    {v1::RoutingNote::ESCALATED, "escalated"},
    {v1::RoutingNote::PRIORITY, "priority"},
    {v1::RoutingNote::LOW_CSAT, "low_csat"},
    {v1::RoutingNote::REPLIED, "replied"},
    {v1::RoutingNote::TURN, "turn"},
    {v1::RoutingNote::SNAPSHOT, "snapshot"},
}};

// The script's mark for each field operation.
std::string marked(const field_op& op) {
  switch (op.op) {
    case field_op::kind::set: return op.field;
    case field_op::kind::set_if_created: return "+" + op.field;
    case field_op::kind::append_to_list: return "*" + op.field;
    case field_op::kind::remove: return "-" + op.field;
    case field_op::kind::audit: return "!audit";
    case field_op::kind::outbox: return ">outbox";
  }
  return op.field;
}

std::string encode_transitions(const append_effects& fx) {
  std::string out;
  for (const auto& [from, to] : fx.transitions) {
    if (!out.empty()) out += ',';
    out += from == v1::CONVERSATION_STATE_UNSPECIFIED ? std::string("*") : std::string(state_name(from));
    out += '>';
    out += state_name(to);
  }
  return out;
}

std::string encode_set_once(const append_effects& fx) {
  std::string out;
  for (const auto& f : fx.set_once) {
    if (!out.empty()) out += ',';
    if (f.starts_turn) out += '^';
    out += f.field;
  }
  return out;
}

std::string encode_guard(const append_guard& g) {
  if (g.empty()) return "-";
  std::string out;
  for (const auto& c : g.clauses()) {
    if (!out.empty()) out += ';';
    out += c.field;
    out += '=';
    for (std::size_t i = 0; i < c.allowed.size(); ++i) {
      if (i) out += '|';
      out += c.allowed[i];
    }
  }
  return out;
}

void push_ops(std::vector<std::string>& a, const field_changes& changes) {
  for (const auto& op : changes.ops()) {
    a.push_back(marked(op));
    a.push_back(op.value);
  }
}

}  // namespace

field_changes& field_changes::set(std::string field, std::string value) {
  ops_.push_back({field_op::kind::set, std::move(field), std::move(value)});
  return *this;
}
field_changes& field_changes::set_if_created(std::string field, std::string value) {
  ops_.push_back({field_op::kind::set_if_created, std::move(field), std::move(value)});
  return *this;
}
field_changes& field_changes::append_to_list(std::string field, std::string value) {
  ops_.push_back({field_op::kind::append_to_list, std::move(field), std::move(value)});
  return *this;
}
field_changes& field_changes::remove(std::string field) {
  ops_.push_back({field_op::kind::remove, std::move(field), std::string()});
  return *this;
}
field_changes& field_changes::audit(std::string record) {
  ops_.push_back({field_op::kind::audit, std::string(), std::move(record)});
  return *this;
}

field_changes& field_changes::outbox(std::string channel, std::int64_t message_seq) {
  if (message_seq > 0) channel += "@" + std::to_string(message_seq);
  ops_.push_back({field_op::kind::outbox, std::string(), std::move(channel)});
  return *this;
}

append_guard& append_guard::require(std::string field, std::initializer_list<std::string_view> allowed) {
  clause c{std::move(field), {}};
  for (auto v : allowed) c.allowed.emplace_back(v);
  clauses_.push_back(std::move(c));
  return *this;
}

append_guard& append_guard::require(std::string field, std::string value) {
  clause c{std::move(field), {}};
  c.allowed.push_back(std::move(value));
  clauses_.push_back(std::move(c));
  return *this;
}

std::vector<std::string> encode_append_args(const append_request& req, const append_effects& fx) {
  std::vector<std::string> a;
  a.emplace_back(fx.create_state == v1::CONVERSATION_STATE_UNSPECIFIED ? std::string_view()
                                                                       : state_name(fx.create_state));
  a.push_back(encode_transitions(fx));
  // The router knows its own changes: its writes add no note.
  std::string note;
  if (req.fencing_token == 0 && (fx.note != v1::RoutingNote::KIND_UNSPECIFIED || fx.note_always)) {
    if (fx.note_always) note = "!";
    else if (fx.note_other_channel) note = "~";
    note += note_kind_field(fx.note, fx.note_channel);
  }
  a.push_back(std::move(note));
  a.push_back(encode_set_once(fx));
  a.emplace_back(channel_name(req.channel));
  a.push_back(req.fencing_token == 0 ? std::string() : std::to_string(req.fencing_token));
  a.push_back(encode_guard(req.guard));
  push_ops(a, fx.fields);
  push_ops(a, req.fields);
  return a;
}

std::string_view note_kind_name(v1::RoutingNote::Kind k) noexcept {
  for (const auto& [kind, name] : kNoteKinds) {
    if (kind == k) return name;
  }
  return "";
}

v1::RoutingNote::Kind note_kind_from_name(std::string_view name) noexcept {
  for (const auto& [kind, n] : kNoteKinds) {
    if (n == name) return kind;
  }
  return v1::RoutingNote::KIND_UNSPECIFIED;
}

std::string note_kind_field(v1::RoutingNote::Kind k, v1::Channel message_channel) {
  std::string out(note_kind_name(k));
  if (message_channel != v1::CHANNEL_UNSPECIFIED) {
    out += ':';
    out += channel_name(message_channel);
  }
  return out;
}

std::pair<v1::RoutingNote::Kind, v1::Channel> split_note_kind_field(std::string_view k) noexcept {
  const auto colon = k.find(':');
  if (colon == std::string_view::npos) return {note_kind_from_name(k), v1::CHANNEL_UNSPECIFIED};
  return {note_kind_from_name(k.substr(0, colon)),
          channel_from_name(k.substr(colon + 1)).value_or(v1::CHANNEL_UNSPECIFIED)};
}

}  // namespace switchboard::store
