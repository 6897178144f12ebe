#include "store/conversation_rules.hpp"

#include <algorithm>
#include <array>

namespace switchboard::store {
namespace {

constexpr std::array<std::pair<v1::ConversationState, std::string_view>, 7> kStates = {{
    {v1::QUEUED, "queued"},
    {v1::OFFERED, "offered"},
    {v1::ASSIGNED, "assigned"},
    {v1::WRAP_UP, "wrap_up"},
    {v1::RESOLVED, "resolved"},
    {v1::WAITING_CUSTOMER, "waiting_customer"},
    {v1::ESCALATED, "escalated"},
}};

}  // namespace

std::string_view state_name(v1::ConversationState s) noexcept {
  for (const auto& [st, name] : kStates) {
    if (st == s) return name;
  }
  return "";
}

v1::ConversationState state_from_name(std::string_view name) noexcept {
  for (const auto& [st, n] : kStates) {
    if (n == name) return st;
  }
  return v1::CONVERSATION_STATE_UNSPECIFIED;
}

append_effects effects_of(const v1::Event& e) {
  append_effects fx;
  switch (e.kind_case()) {
    case v1::Event::kMessage:
      if (e.message().direction() == v1::DIRECTION_INBOUND) {
        // A customer writes: a new conversation waits for an agent; a resolved one reopens; an
        // agent waiting for the customer has their answer.
        fx.create_state = "queued";
        fx.transitions = "resolved>queued,waiting_customer>assigned";
        fx.notify = "queued";
        // The customer's turn: since their first unanswered message (the leads' board watches it).
        fx.set_once = "^awaiting_reply_since_ms";
        fx.fields.emplace_back("-customer_gone_at_ms", "");  // writing is being here
      } else if (e.message().direction() == v1::DIRECTION_OUTBOUND) {
        fx.set_once = "first_response_at_ms";
        fx.notify = "replied";  // a note only when it ends the customer's turn ('turn')
        fx.fields.emplace_back("-awaiting_reply_since_ms", "");
      }
      break;
    case v1::Event::kOffer:
      fx.transitions = "queued>offered,escalated>offered";
      fx.set_once = "first_offered_at_ms";
      break;
    case v1::Event::kOfferOutcome:
      if (e.offer_outcome().outcome() == v1::OfferOutcome::ACCEPTED) {
        fx.transitions = "offered>assigned";
        fx.notify = "accepted";
        fx.fields.emplace_back("owner_id", e.offer_outcome().agent_id());
      } else {
        fx.transitions = "offered>queued";
        fx.notify = e.offer_outcome().outcome() == v1::OfferOutcome::DECLINED ? "declined" : "timed_out";
        // Never offered to them again, also after a router failover (the new leader reads it).
        fx.fields.emplace_back("*excluded", e.offer_outcome().agent_id());
      }
      break;
    case v1::Event::kAssignment:
      fx.transitions = "queued>assigned,offered>assigned,escalated>assigned,waiting_customer>assigned";
      fx.notify = "assigned";
      fx.fields.emplace_back("owner_id", e.assignment().owner_id());
      break;
    case v1::Event::kTransfer:
      fx.transitions = "*>queued";
      fx.notify = "transfer";
      fx.fields.emplace_back("owner_id", "");
      if (!e.transfer().to_queue().empty()) {
        // Queued there anew, without the one who sent it away (never offered straight back).
        fx.fields.emplace_back("excluded", e.transfer().from_id());
        fx.fields.emplace_back("queue", e.transfer().to_queue());
      } else {
        fx.fields.emplace_back("excluded", "");  // a new routing: everyone may be offered it again
      }
      break;
    case v1::Event::kTakeover:
      fx.transitions = "*>assigned";
      fx.notify = "takeover";
      fx.fields.emplace_back("owner_id", e.takeover().lead_id());
      break;
    case v1::Event::kStatusChange: {
      auto to = state_name(e.status_change().to());
      if (!to.empty()) {
        fx.transitions = "*>" + std::string(to);
        fx.notify = e.status_change().to() == v1::RESOLVED ? "released" : "status";
        if (e.status_change().to() == v1::RESOLVED || e.status_change().to() == v1::QUEUED) {
          fx.fields.emplace_back("excluded", "");
        }
        // Resolved: nobody owes a reply any more (a reopen starts a new turn).
        if (e.status_change().to() == v1::RESOLVED) fx.fields.emplace_back("-awaiting_reply_since_ms", "");
      }
      break;
    }
    case v1::Event::kEscalation:
      fx.transitions = "*>escalated";
      fx.notify = "escalated";
      fx.fields.emplace_back("owner_id", "");
      fx.fields.emplace_back("excluded", "");
      fx.fields.emplace_back("queue", e.escalation().queue());
      fx.fields.emplace_back("last_owner", e.escalation().agent_id());
      break;
    case v1::Event::kPriorityChange:
      fx.notify = "!priority";  // the router re-orders a waiting conversation
      fx.fields.emplace_back("priority", std::to_string(e.priority_change().to()));
      break;
    case v1::Event::kCustomerPresence:
      // The router hears when the customer goes and comes back (a 'turn' note): it abandons a
      // waiting conversation whose customer stays gone.
      if (e.customer_presence().present()) {
        fx.fields.emplace_back("-customer_gone_at_ms", "");
      } else {
        fx.set_once = "^customer_gone_at_ms";
      }
      break;
    case v1::Event::kRating:
      // A low rating puts the conversation on its leads' board (at risk: follow up).
      fx.fields.emplace_back("csat", std::to_string(e.rating().score()));
      if (e.rating().score() <= 2) fx.notify = "!low_csat";
      break;
    default:
      // Notes, whispers, monitoring, reads, decisions and merges change no state.
      break;
  }
  return fx;
}

}  // namespace switchboard::store
