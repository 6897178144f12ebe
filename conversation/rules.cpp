#include "conversation/rules.hpp"

#include <algorithm>

namespace switchboard::conversation {

bool staff_may_read(const principal& p, const v1::Conversation& c) {
  if (p.who == role::admin) return true;
  if (p.who == role::customer) return false;
  if (!c.owner_id().empty() && c.owner_id() == p.subject) return true;
  // A conversation of a queue without a team is everyone's.
  return c.team().empty() || std::find(p.teams.begin(), p.teams.end(), c.team()) != p.teams.end();
}

bool customer_may_read(const std::string& customer_id, const v1::Conversation& c) {
  return !customer_id.empty() && c.customer_id() == customer_id;
}

bool customer_may_see(const v1::Event& ev) {
  switch (ev.kind_case()) {
    case v1::Event::kMessage:
      return ev.message().direction() != v1::DIRECTION_INTERNAL;
    case v1::Event::kStatusChange:
    case v1::Event::kRating:
    case v1::Event::kTyping:
    case v1::Event::kRead:
    case v1::Event::kInactivityWarning:
      return true;
    default:
      return false;
  }
}

bool may_lead(const principal& p) { return p.who == role::lead || p.who == role::admin; }

bool has_desk(const principal& p) { return p.who == role::agent || p.who == role::lead; }

store::append_guard owner_guard(const std::string& who) {
  store::append_guard g;
  g.require("owner_id", who).require("state", {"assigned", "waiting_customer", "wrap_up"});
  return g;
}

store::append_guard unresolved_guard() {
  store::append_guard g;
  g.require("state", {"queued", "offered", "assigned", "waiting_customer", "wrap_up", "escalated"});
  return g;
}

std::optional<v1::Channel> reply_channel(const v1::Conversation& c, v1::Channel picked,
                                         const std::vector<v1::Channel>& customer_channels) {
  if (picked != v1::CHANNEL_UNSPECIFIED) {
    if (std::find(customer_channels.begin(), customer_channels.end(), picked) == customer_channels.end()) {
      return std::nullopt;
    }
    return picked;
  }
  return c.last_channel() != v1::CHANNEL_UNSPECIFIED ? c.last_channel() : c.channel();
}

}  // namespace switchboard::conversation
