#include "conversation/rules.hpp"

#include "core/actors.hpp"
#include "core/templates.hpp"

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
      // The router's automatic message went to the channel it names; the widget shows the
      // place from its own queuePosition frames.
      return ev.message().direction() != v1::DIRECTION_INTERNAL && !automatic_message(ev);
    case v1::Event::kStatusChange:
    case v1::Event::kRating:
    case v1::Event::kTyping:
    case v1::Event::kRead:
    case v1::Event::kInactivityWarning:
    case v1::Event::kIdentityProved:
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

std::optional<std::string> whatsapp_window_refusal(const v1::Conversation& c, const v1::Message& m, std::int64_t now_ms) {
  if (m.channel() != v1::CHANNEL_WHATSAPP || m.has_template_message()) return std::nullopt;
  const std::int64_t ends = c.whatsapp_window_ends_at_ms();
  if (ends > now_ms) return std::nullopt;
  if (ends == 0) return "the customer has not written on WhatsApp in this conversation: only an approved template may be sent (WhatsApp's 24-hour window)";
  const std::int64_t hours = (now_ms - ends + kWhatsAppWindowMs) / 3'600'000;
  return "WhatsApp's 24-hour window closed " + std::to_string(hours - 24) + " h ago (the customer last wrote " +
         std::to_string(hours) + " h ago): only an approved template may be sent";
}

std::optional<std::string> fill_template(const std::vector<v1::WhatsAppTemplate>& templates, v1::Message& m) {
  auto* t = m.mutable_template_message();
  const v1::WhatsAppTemplate* found = nullptr;
  for (const auto& candidate : templates) {
    if (candidate.name() == t->name() && (t->language().empty() || candidate.language() == t->language())) {
      found = &candidate;
      break;
    }
  }
  if (!found) return "no template '" + t->name() + "'" + (t->language().empty() ? "" : " in " + t->language()) + " (channels.whatsapp_templates)";
  std::vector<std::string> values(t->variables().begin(), t->variables().end());
  for (std::size_t i = 0; i < values.size(); ++i) {
    const auto& v = values[i];
    if (v.empty() || v.size() > 1024 || v.find_first_of("\n\t") != std::string::npos) {
      return "variable {{" + std::to_string(i + 1) + "}} must be 1-1024 characters on one line, without tabs";
    }
  }
  auto body = render_template(found->body(), values);
  if (!body) {
    return "'" + found->name() + "' takes " + std::to_string(found->variables_size()) + " variable(s), " +
           std::to_string(values.size()) + " given";
  }
  t->set_language(found->language());
  m.set_body(std::move(*body));
  return std::nullopt;
}

}  // namespace switchboard::conversation
