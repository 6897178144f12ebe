#include "store/conversation_rules.hpp"

#include "core/actors.hpp"
#include "store/keys.hpp"

#include <algorithm>
#include <array>
#include <cctype>

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

bool sent_by_outbox(v1::Channel c) noexcept {
  return c == v1::CHANNEL_WHATSAPP || c == v1::CHANNEL_MESSENGER || c == v1::CHANNEL_INSTAGRAM ||
         c == v1::CHANNEL_TELEGRAM || c == v1::CHANNEL_SMS || c == v1::CHANNEL_EMAIL;
}

namespace {

void message_effects(const v1::Event& e, append_effects& fx) {
  const v1::Message& m = e.message();
  if (automatic_message(e)) {
    // The router telling a waiting customer their place: it only goes out (outbox/); nobody
    // answered them, so no first response and their turn goes on.
    if (sent_by_outbox(m.channel())) fx.fields.outbox(std::string(channel_name(m.channel())));
    return;
  }
  if (m.direction() == v1::DIRECTION_INBOUND) {
    // A customer writes: a new conversation waits for an agent; a resolved one reopens; an
    // agent waiting for the customer has their answer.
    fx.create_state = v1::QUEUED;
    fx.transitions = {{v1::RESOLVED, v1::QUEUED}, {v1::WAITING_CUSTOMER, v1::ASSIGNED}};
    fx.note = v1::RoutingNote::QUEUED;
    if (sent_by_outbox(m.channel()) && m.channel() != v1::CHANNEL_EMAIL) {
      // The router hears of a message on a messaging channel other than the conversation's, with
      // its channel, even when the state stays: a customer waiting there is told their place
      // (never by email: a place in the queue is not worth a mail).
      fx.note_other_channel = true;
      fx.note_channel = m.channel();
    }
    // The customer's turn: since their first unanswered message (the leads' board watches it).
    fx.set_once.push_back({"awaiting_reply_since_ms", true});
    fx.fields.remove("customer_gone_at_ms");  // writing is being here
    // Where a reply goes by default (conversation/rules.hpp, reply_channel).
    fx.fields.set("last_channel", std::string(channel_name(m.channel())));
  } else if (m.direction() == v1::DIRECTION_OUTBOUND) {
    fx.set_once.push_back({"first_response_at_ms", false});
    fx.note = v1::RoutingNote::REPLIED;  // a note only when it ends the customer's turn ('turn')
    fx.fields.remove("awaiting_reply_since_ms");
    // A reply on a messaging channel leaves through the outbox, in this same append (outbox/).
    if (sent_by_outbox(m.channel())) fx.fields.outbox(std::string(channel_name(m.channel())));
  }
}

// The reply's delivery state, which each delivery append's guard only lets move forward
// (store/deliveries.hpp).
void delivery_effects(const v1::Delivery& d, append_effects& fx) {
  std::string state = v1::Delivery::State_Name(d.state());
  for (auto& c : state) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  fx.fields.set("dl:" + std::to_string(d.message_seq()), state);
  // A lead's retry: the reply goes back in the outbox with this append.
  if (d.state() == v1::Delivery::QUEUED) fx.fields.outbox(std::string(channel_name(d.channel())), d.message_seq());
}

void outcome_effects(const v1::OfferOutcome& o, append_effects& fx) {
  if (o.outcome() == v1::OfferOutcome::ACCEPTED) {
    fx.transitions = {{v1::OFFERED, v1::ASSIGNED}};
    fx.note = v1::RoutingNote::ACCEPTED;
    fx.fields.set("owner_id", o.agent_id());
    return;
  }
  fx.transitions = {{v1::OFFERED, v1::QUEUED}};
  fx.note = o.outcome() == v1::OfferOutcome::DECLINED ? v1::RoutingNote::DECLINED : v1::RoutingNote::TIMED_OUT;
  // Never offered to them again, also after a router failover (the new leader reads it).
  fx.fields.append_to_list("excluded", o.agent_id());
}

void status_effects(const v1::StatusChange& sc, append_effects& fx) {
  const auto to = sc.to();
  if (state_name(to).empty()) return;
  fx.transitions = {{v1::CONVERSATION_STATE_UNSPECIFIED, to}};
  fx.note = to == v1::RESOLVED ? v1::RoutingNote::RELEASED : v1::RoutingNote::STATUS;
  if (to == v1::RESOLVED || to == v1::QUEUED) fx.fields.set("excluded", "");
  // Resolved: nobody owes a reply any more (a reopen starts a new turn).
  if (to == v1::RESOLVED) fx.fields.remove("awaiting_reply_since_ms");
}

// The router hears when the customer goes and comes back (a 'turn' note, the state staying): it
// abandons a waiting conversation whose customer stays gone.
void presence_effects(const v1::CustomerPresence& p, append_effects& fx) {
  fx.note = v1::RoutingNote::TURN;
  fx.note_always = true;
  if (p.present()) {
    fx.fields.remove("customer_gone_at_ms");
  } else {
    fx.set_once.push_back({"customer_gone_at_ms", true});
  }
}

}  // namespace

append_effects effects_of(const v1::Event& e) {
  append_effects fx;
  switch (e.kind_case()) {
    case v1::Event::kMessage:
      message_effects(e, fx);
      break;
    case v1::Event::kOffer:
      fx.transitions = {{v1::QUEUED, v1::OFFERED}, {v1::ESCALATED, v1::OFFERED}};
      fx.set_once.push_back({"first_offered_at_ms", false});
      break;
    case v1::Event::kOfferOutcome:
      outcome_effects(e.offer_outcome(), fx);
      break;
    case v1::Event::kAssignment:
      fx.transitions = {{v1::QUEUED, v1::ASSIGNED},
                        {v1::OFFERED, v1::ASSIGNED},
                        {v1::ESCALATED, v1::ASSIGNED},
                        {v1::WAITING_CUSTOMER, v1::ASSIGNED}};
      fx.note = v1::RoutingNote::ASSIGNED;
      fx.fields.set("owner_id", e.assignment().owner_id());
      break;
    case v1::Event::kTransfer:
      fx.transitions = {{v1::CONVERSATION_STATE_UNSPECIFIED, v1::QUEUED}};
      fx.note = v1::RoutingNote::TRANSFER;
      fx.fields.set("owner_id", "");
      if (!e.transfer().to_queue().empty()) {
        // Queued there anew, without the one who sent it away (never offered straight back).
        fx.fields.set("excluded", e.transfer().from_id());
        fx.fields.set("queue", e.transfer().to_queue());
      } else {
        fx.fields.set("excluded", "");  // a new routing: everyone may be offered it again
      }
      break;
    case v1::Event::kTakeover:
      fx.transitions = {{v1::CONVERSATION_STATE_UNSPECIFIED, v1::ASSIGNED}};
      fx.note = v1::RoutingNote::TAKEOVER;
      fx.fields.set("owner_id", e.takeover().lead_id());
      break;
    case v1::Event::kStatusChange:
      status_effects(e.status_change(), fx);
      break;
    case v1::Event::kEscalation:
      fx.transitions = {{v1::CONVERSATION_STATE_UNSPECIFIED, v1::ESCALATED}};
      fx.note = v1::RoutingNote::ESCALATED;
      fx.fields.set("owner_id", "");
      fx.fields.set("excluded", "");
      fx.fields.set("queue", e.escalation().queue());
      fx.fields.set("last_owner", e.escalation().agent_id());
      break;
    case v1::Event::kPriorityChange:
      fx.note = v1::RoutingNote::PRIORITY;
      fx.note_always = true;  // the router re-orders a waiting conversation
      fx.fields.set("priority", std::to_string(e.priority_change().to()));
      break;
    case v1::Event::kCustomerPresence:
      presence_effects(e.customer_presence(), fx);
      break;
    case v1::Event::kRating:
      // A low rating puts the conversation on its leads' board (at risk: follow up).
      fx.fields.set("csat", std::to_string(e.rating().score()));
      if (e.rating().score() <= 2) {
        fx.note = v1::RoutingNote::LOW_CSAT;
        fx.note_always = true;
      }
      break;
    case v1::Event::kDelivery:
      delivery_effects(e.delivery(), fx);
      break;
    default:
      // Notes, whispers, monitoring, reads, decisions and merges change no state.
      break;
  }
  return fx;
}

}  // namespace switchboard::store
