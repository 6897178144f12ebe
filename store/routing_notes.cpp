#include "store/routing_notes.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>

#include "store/append_request.hpp"
#include "store/conversation_rules.hpp"
#include "store/scripts.hpp"

namespace switchboard::store {

namespace {

std::int64_t leading_int(std::string_view s) {
  std::int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') break;
    v = v * 10 + (c - '0');
  }
  return v;
}

// "a,b" → each non-empty part.
template <typename F>
void for_each_part(std::string_view s, F&& f) {
  while (!s.empty()) {
    const auto end = std::min(s.find(','), s.size());
    if (end > 0) f(s.substr(0, end));
    s.remove_prefix(std::min(end + 1, s.size()));
  }
}

// "name:min" → a skill with its minimum proficiency, clamped to 1..5.
void add_skill(v1::RoutingNote& n, std::string_view part) {
  const auto colon = part.find(':');
  if (colon == std::string_view::npos || colon == 0) return;
  auto* s = n.add_required_skills();
  s->set_name(std::string(part.substr(0, colon)));
  s->set_proficiency(static_cast<int>(std::clamp<std::int64_t>(leading_int(part.substr(colon + 1)), 1, 5)));
}

// "queued" or, for a customer's message on a messaging channel, "queued:whatsapp".
void set_kind(v1::RoutingNote& n, std::string_view v) {
  const auto [kind, channel] = split_note_kind_field(v);
  n.set_kind(kind);
  n.set_message_channel(channel);
}

void set_field(v1::RoutingNote& n, std::string_view k, std::string_view v) {
  if (k == "c") n.set_conversation_id(std::string(v));
  else if (k == "cu") n.set_customer_id(std::string(v));
  else if (k == "at") n.set_at_ms(leading_int(v));
  else if (k == "k") set_kind(n, v);
  else if (k == "st") n.set_state(state_from_name(v));
  else if (k == "sq") n.set_seq(leading_int(v));
  else if (k == "q") n.set_queue(std::string(v));
  else if (k == "ch") n.set_channel(channel_from_name(v).value_or(v1::CHANNEL_UNSPECIFIED));
  else if (k == "p") n.set_priority(static_cast<int>(leading_int(v)));
  else if (k == "t") n.set_team(std::string(v));
  else if (k == "o") n.set_owner_id(std::string(v));
  else if (k == "oa") n.set_offer_agent(std::string(v));
  else if (k == "oe") n.set_offer_expires_at_ms(leading_int(v));
  else if (k == "pa") n.set_preferred_agent(std::string(v));
  else if (k == "lo") n.set_last_owner(std::string(v));
  else if (k == "pv") n.set_preview(std::string(v));
  else if (k == "ca") n.set_created_at_ms(leading_int(v));
  else if (k == "sk") for_each_part(v, [&](std::string_view p) { add_skill(n, p); });
  else if (k == "ex") for_each_part(v, [&](std::string_view p) { n.add_excluded(std::string(p)); });
  else if (k == "sc") n.set_csat(static_cast<int>(leading_int(v)));
  else if (k == "aw") n.set_awaiting_reply_since_ms(leading_int(v));
  else if (k == "gn") n.set_customer_gone_at_ms(leading_int(v));
}

}  // namespace

v1::RoutingNote decode_routing_note(const reply& fields) {
  v1::RoutingNote n;
  for (std::size_t i = 0; i + 1 < fields.elements.size(); i += 2) {
    set_field(n, fields.elements[i].str, fields.elements[i + 1].str);
  }
  return n;
}

std::string_view flat_field(const reply& fields, std::string_view name) {
  for (std::size_t i = 0; i + 1 < fields.elements.size(); i += 2) {
    if (fields.elements[i].str == name) return fields.elements[i + 1].str;
  }
  return {};
}

std::int64_t flat_int(const reply& fields, std::string_view name) { return leading_int(flat_field(fields, name)); }

boost::asio::awaitable<result<std::vector<v1::RoutingNote>>> read_routing_snapshot(redis_client& redis,
                                                                                   const key_layout& keys, int group) {
  auto [ec, r] = co_await redis.async_eval(scripts::router_snapshot(), cmd(keys.active(group)),
                                           cmd(keys.group_conversation_prefix(group)),
                                           boost::asio::as_tuple(boost::asio::use_awaitable));
  if (ec) co_return ec;
  if (!r.is_array()) co_return boost::system::error_code(errc::protocol_error);
  std::vector<v1::RoutingNote> out;
  out.reserve(r.elements.size());
  for (const auto& row : r.elements) {
    auto n = decode_routing_note(row);
    if (!n.conversation_id().empty()) out.push_back(std::move(n));
  }
  co_return out;
}

}  // namespace switchboard::store
