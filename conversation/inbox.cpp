#include "conversation/inbox.hpp"

#include "conversation/answers.hpp"
#include "conversation/rules.hpp"
#include "core/utf8.hpp"
#include "store/idempotency.hpp"
#include "store/keys.hpp"

namespace switchboard::conversation {

namespace asio = boost::asio;
using boost::system::error_code;

namespace {

constexpr std::size_t kPreviewChars = 140;  // what the router shows an agent in the offer

// The offer's preview: an email's subject, then the body; at most kPreviewChars bytes, cut
// between UTF-8 characters.
std::string preview_of(const v1::Inbound::Content& content) {
  std::string p = content.subject().empty() ? content.body() : content.subject() + " — " + content.body();
  cut_utf8(p, kPreviewChars);
  return p;
}

}  // namespace

asio::awaitable<result<std::string>> inbox::customer_of(v1::Channel channel, std::string address) {
  auto r = co_await ctx_.identities.resolve(channel, std::move(address));
  if (!r) co_return r.error();
  co_return r->customer_id;
}

asio::awaitable<outcome> inbox::ingest(std::string request_id, v1::Inbound in, std::string customer_id) {
  if (in.channel() == v1::CHANNEL_UNSPECIFIED || !v1::Channel_IsValid(in.channel())) {
    co_return answer_with(error_frame(request_id, "bad_request", "unknown channel"));
  }
  if (customer_id.empty()) {
    auto c = co_await customer_of(in.channel(), in.address());
    if (!c) co_return answer_with(error_for(request_id, c.error()));
    customer_id = *c;
  }
  outcome out;
  switch (in.kind_case()) {
    case v1::Inbound::kMessage: out = co_await message(request_id, in, customer_id); break;
    case v1::Inbound::kRead: out = co_await read(request_id, in, customer_id); break;
    case v1::Inbound::kTyping: out = co_await typing(request_id, in, customer_id); break;
    case v1::Inbound::kRate: out = co_await rate(request_id, in, customer_id); break;
    case v1::Inbound::kLeave: out = co_await leave(request_id, in, customer_id); break;
    default: out = answer_with(error_frame(request_id, "bad_request", "nothing to ingest")); break;
  }
  out.customer_id = customer_id;
  co_return out;
}

asio::awaitable<outcome> inbox::message(const std::string& id, const v1::Inbound& in, const std::string& customer) {
  const auto& content = in.message();
  if (in.client_message_id().empty() == in.provider_message_id().empty()) {
    co_return answer_with(error_frame(id, "bad_request", "message.clientMessageId is required (it makes a re-send safe)"));
  }
  if (content.body().empty() && content.attachments().empty()) {
    co_return answer_with(error_frame(id, "bad_request", "an empty message"));
  }
  if (in.has_customer()) {
    const auto& d = in.customer();
    if (d.display_name().size() > 100) co_return answer_with(error_frame(id, "bad_request", "customer.displayName: at most 100 bytes"));
    if (d.email().size() > 254 || (!d.email().empty() && d.email().find('@') == std::string::npos)) {
      co_return answer_with(error_frame(id, "bad_request", "customer.email: not an email address"));
    }
    // Before the message: an agent offered it finds the name. A failure stores nothing more.
    if (auto set = co_await ctx_.identities.set_details(customer, d); !set) co_return answer_with(error_for(id, set.error()));
  }
  store::append_request req;
  req.customer_id = customer;
  // Without a conversation id: the customer's current one — on a messaging channel also a waiting
  // one of a customer merged into them (the widget goes on by the id it is given, which must be
  // its own customer's: it starts its own).
  req.mode = store::append_request::target::existing;
  if (in.conversation_id().empty()) req.mode = store::append_request::target::current;
  if (in.conversation_id().empty() && in.channel() != v1::CHANNEL_WEB) req.mode = store::append_request::target::current_or_family;
  if (in.conversation_id().empty() && in.new_conversation()) req.mode = store::append_request::target::open_new;  // a new mail
  req.conversation_id = in.conversation_id();
  // Not a ?: of temporaries: GCC 12 destroys those twice in a coroutine.
  if (in.client_message_id().empty()) {
    req.idempotency_key = store::idempotency::provider_message(store::channel_name(in.channel()), in.provider_message_id());
  } else {
    req.idempotency_key = store::idempotency::customer_message(in.client_message_id());
  }
  req.channel = in.channel();
  req.event.set_actor(customer);
  auto* msg = req.event.mutable_message();
  msg->set_direction(v1::DIRECTION_INBOUND);
  msg->set_channel(in.channel());
  msg->set_body(content.body());
  *msg->mutable_attachments() = content.attachments();
  msg->set_subject(content.subject());
  msg->set_in_reply_to(content.in_reply_to());
  msg->set_html_body(content.html_body());
  msg->set_quoted_text(content.quoted_text());
  msg->set_client_message_id(in.client_message_id());
  msg->set_provider_message_id(in.provider_message_id());
  if (in.sent_at_ms() > 0) msg->set_sent_at_ms(in.sent_at_ms());
  req.fields.set("preview", preview_of(content));
  if (!in.account().empty()) {
    // Where a reply on this channel goes, and by which of our accounts (the outbox reads these).
    const std::string ch(store::channel_name(in.channel()));
    req.fields.set("addr:" + ch, in.address());
    req.fields.set("acct:" + ch, in.account());
  }
  if (in.channel() == v1::CHANNEL_WHATSAPP) {
    // WhatsApp's 24-hour window, from when the customer sent it (never later than now).
    const std::int64_t now = ctx_.timeline.time().unix_ms();
    const std::int64_t sent = in.sent_at_ms() > 0 ? std::min(in.sent_at_ms(), now) : now;
    req.fields.set("whatsapp_window_ends_at_ms", std::to_string(sent + kWhatsAppWindowMs));
  }
  if (req.mode != store::append_request::target::existing) {
    const v1::Queue& q = ctx_.queue_for_topic(in.topic());
    req.fields.set_if_created("team", q.team());
    req.fields.set_if_created("queue", q.name());
  }
  std::string owner = customer;  // whose conversation it lands in
  auto r = co_await append_message(std::move(req), owner);
  if (!r) co_return answer_with(error_for(id, r.error()));
  outcome out = answer_with(ack_frame(id, *r));
  out.live = outcome::room::join;
  out.conversation_id = r->conversation_id;
  out.conversation_customer_id = std::move(owner);
  out.after_seq = r->seq;
  co_return out;
}

asio::awaitable<result<store::append_result>> inbox::append_message(store::append_request req, std::string& owner) {
  if (req.mode != store::append_request::target::current_or_family) co_return co_await ctx_.timeline.append(std::move(req));
  auto r = co_await ctx_.timeline.append(req);  // a copy: it may be sent again
  if (r || r.error() != errc::merged) co_return r;
  // Customers were merged into them and nothing of theirs is open (the script said so without a
  // round trip in the usual case): a conversation of one of those may be waiting.
  auto joined = co_await waiting_in_family(req.customer_id);
  if (!joined) co_return joined.error();
  if (*joined) {  // into the conversation they wait in, on the record of the customer who opened it
    req.mode = store::append_request::target::existing;
    req.customer_id = (*joined)->first;
    req.conversation_id = (*joined)->second;
    owner = (*joined)->first;
  } else {
    req.mode = store::append_request::target::current;
  }
  co_return co_await ctx_.timeline.append(std::move(req));
}

asio::awaitable<result<std::optional<std::pair<std::string, std::string>>>> inbox::waiting_in_family(const std::string& customer) {
  using found = std::optional<std::pair<std::string, std::string>>;
  auto family = co_await ctx_.identities.merged_family(customer);
  if (!family) co_return family.error();
  if (family->size() <= 1) co_return found();  // nobody merged into them: the usual case
  for (const auto& source : *family) {
    if (source == customer) continue;
    auto open = co_await ctx_.timeline.open_conversation(source);
    if (!open) co_return open.error();
    if (!open->empty()) co_return found(std::in_place, source, *open);
  }
  co_return found();
}

asio::awaitable<result<v1::Conversation>> inbox::own(const std::string& conversation_id, const std::string& customer) {
  auto conv = co_await ctx_.timeline.conversation(conversation_id);
  if (!conv) co_return conv.error();
  if (!customer_may_read(customer, *conv)) co_return error_code(errc::not_found);
  co_return conv;
}

// Read receipts are stored once per seq.
asio::awaitable<outcome> inbox::read(const std::string& id, const v1::Inbound& in, const std::string& customer) {
  auto conv = co_await own(in.conversation_id(), customer);
  if (!conv) co_return answer_with(error_for(id, conv.error()));
  const auto up_to = in.read().up_to_seq();
  if (up_to < 1 || up_to > conv->last_seq()) {
    co_return answer_with(error_frame(id, "bad_request", "upToSeq must be a seq of this conversation"));
  }
  store::append_request req;
  req.customer_id = customer;
  req.conversation_id = in.conversation_id();
  req.idempotency_key = store::idempotency::read_receipt(customer, up_to);
  req.event.set_actor(customer);
  req.event.mutable_read()->set_who(customer);
  req.event.mutable_read()->set_up_to_seq(up_to);
  auto a = co_await ctx_.timeline.append(std::move(req));
  if (!a) co_return answer_with(error_for(id, a.error()));
  co_return answer_with(ack_frame(id, *a));
}

// Typing is published, not stored (seq 0 on the wire).
asio::awaitable<outcome> inbox::typing(const std::string& id, const v1::Inbound& in, const std::string& customer) {
  auto conv = co_await own(in.conversation_id(), customer);
  if (!conv) co_return answer_with(error_for(id, conv.error()));
  v1::Event ev;
  ev.set_actor(customer);
  ev.mutable_typing()->set_who(customer);
  ev.mutable_typing()->set_active(in.typing().active());
  auto r = co_await ctx_.timeline.publish_ephemeral(in.conversation_id(), std::move(ev));
  if (!r) co_return answer_with(error_for(id, r.error()));
  co_return answer_with(ack_frame(id, in.conversation_id(), 0, false));
}

asio::awaitable<outcome> inbox::rate(const std::string& id, const v1::Inbound& in, const std::string& customer) {
  const auto& r = in.rate();
  if (r.score() < 1 || r.score() > 5) co_return answer_with(error_frame(id, "bad_request", "score must be 1 to 5"));
  auto conv = co_await own(in.conversation_id(), customer);
  if (!conv) co_return answer_with(error_for(id, conv.error()));
  if (conv->state() != v1::RESOLVED) {
    co_return answer_with(error_frame(id, "not_resolved", "rate a conversation once it is resolved"));
  }
  store::append_request req;
  req.customer_id = customer;
  req.conversation_id = in.conversation_id();
  req.idempotency_key = store::idempotency::rating(in.conversation_id());  // a second rating is a duplicate
  req.event.set_actor(customer);
  req.event.mutable_rating()->set_score(r.score());
  req.event.mutable_rating()->set_comment(r.comment());
  auto a = co_await ctx_.timeline.append(std::move(req));
  if (!a) co_return answer_with(error_for(id, a.error()));
  co_return answer_with(ack_frame(id, *a));
}

// The customer stops waiting: a `customerPresence` event; the router abandons a waiting
// conversation after the queue's abandon_after_seconds unless they come back first.
asio::awaitable<outcome> inbox::leave(const std::string& id, const v1::Inbound& in, const std::string& customer) {
  auto conv = co_await own(in.conversation_id(), customer);
  if (!conv) co_return answer_with(error_for(id, conv.error()));
  if (conv->state() == v1::RESOLVED) co_return answer_with(error_frame(id, "resolved", "the conversation is resolved"));
  auto r = co_await presence(customer, in.conversation_id(), false, "left");
  if (!r && r.error() == errc::wrong_state) {
    co_return answer_with(error_frame(id, "resolved", "the conversation is resolved"));
  }
  if (!r) co_return answer_with(error_for(id, r.error()));
  // The connection keeps following the conversation: a widget left open shows the agent's later
  // replies, the resolve and the rating card.
  co_return answer_with(ack_frame(id, *r));
}

asio::awaitable<result<store::append_result>> inbox::presence(std::string customer, std::string conversation_id,
                                                              bool present, std::string why) {
  store::append_request req;
  req.customer_id = customer;
  req.conversation_id = std::move(conversation_id);
  // A disconnect matters only while the customer waits (a held chat has its inactivity limit, and
  // a reload there would only add noise); leaving and coming back, whenever it is not resolved.
  if (why == "disconnected") {
    req.guard.require("state", {"queued", "offered", "escalated"});
  } else {
    req.guard = unresolved_guard();
  }
  req.event.set_actor(std::move(customer));
  req.event.mutable_customer_presence()->set_present(present);
  req.event.mutable_customer_presence()->set_why(std::move(why));
  co_return co_await ctx_.timeline.append(std::move(req));
}

}  // namespace switchboard::conversation
