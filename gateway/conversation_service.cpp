#include "gateway/conversation_service.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>

#include "store/idempotency.hpp"

namespace switchboard::gateway {

namespace asio = boost::asio;
using boost::system::error_code;

namespace {

constexpr std::size_t kResumeLimit = 1000;  // events per Resume; more: a history gap (reload)

v1::ServerFrame ack(const std::string& request_id, const std::string& conversation, std::int64_t seq, bool dup) {
  return ack_frame(request_id, conversation, seq, dup);
}

void reply(session_sink& s, v1::ServerFrame f) { reply_to(s, std::move(f)); }

}  // namespace

v1::ServerFrame ack_frame(const std::string& request_id, const std::string& conversation, std::int64_t seq,
                          bool duplicate) {
  v1::ServerFrame f;
  f.set_request_id(request_id);
  f.mutable_ack()->set_conversation_id(conversation);
  f.mutable_ack()->set_seq(seq);
  f.mutable_ack()->set_duplicate(duplicate);
  return f;
}

void reply_to(session_sink& s, v1::ServerFrame f) {
  s.deliver(std::make_shared<const outbound_frame>(std::move(f), std::chrono::steady_clock::time_point{}, true));
}

v1::ServerFrame error_for(const std::string& request_id, const error_code& ec) {
  if (is_retryable(ec)) return error_frame(request_id, "retry", "storage is unavailable; send the same frame again", true);
  if (ec == errc::not_found) return error_frame(request_id, "not_found", "no such conversation");
  if (ec == errc::bad_input) return error_frame(request_id, "bad_request", "the request cannot be stored as it is");
  if (ec == errc::conflict) return error_frame(request_id, "conflict", "the request contradicts the current state");
  return error_frame(request_id, "internal", ec.message());
}

conversation_service::conversation_service(asio::any_io_executor core, store::timeline_repository& timeline,
                                           store::identity_repository& identities, store::agent_repository& agents,
                                           hub& rooms, const v1::Config& cfg, std::string instance)
    : core_(std::move(core)),
      timeline_(timeline),
      identities_(identities),
      agents_(agents),
      rooms_(rooms),
      queues_(cfg.queues().begin(), cfg.queues().end()),
      configured_agents_(cfg.agents().begin(), cfg.agents().end()),
      instance_(std::move(instance)),
      desk_lifetime_(std::chrono::seconds(cfg.server().desk_presence_seconds())),
      refresh_timer_(std::make_unique<asio::steady_timer>(core_)) {
  if (queues_.empty()) queues_.emplace_back().set_name("default");
}

conversation_service::~conversation_service() = default;

void conversation_service::start() {
  asio::post(core_, [this] { spawn(refresh_desks()); });
}

void conversation_service::stop() {
  asio::post(core_, [this] {
    stopping_ = true;
    refresh_timer_->cancel();
  });
}

// This gateway's desk sessions are alive: their expiry moves on (a gateway that dies stops doing
// this, and its sessions expire — store/agents.hpp).
asio::awaitable<void> conversation_service::refresh_desks() {
  while (!stopping_) {
    refresh_timer_->expires_after(desk_lifetime_ / 3);
    co_await refresh_timer_->async_wait(asio::as_tuple(asio::use_awaitable));  // cancelled: stopping_
    if (stopping_) break;
    std::vector<std::pair<std::string, std::string>> open;
    for (const auto& [s, d] : desks_) {
      if (d.registered) open.emplace_back(d.agent_id, d.session_id);
    }
    co_await agents_.refresh(std::move(open));  // Redis down: the next round tries again
  }
}

void conversation_service::spawn(asio::awaitable<void> work) {
  ++in_flight_;
  asio::co_spawn(core_, std::move(work), [this](std::exception_ptr) { --in_flight_; });
}

void conversation_service::handle(std::shared_ptr<session_sink> s, v1::ClientFrame f,
                                  std::chrono::steady_clock::time_point received) {
  spawn(in_order(std::move(s), std::move(f), received));
}

// A session's frames one after the other: the first becomes the worker and handles what arrives
// meanwhile (pending_ holds it while it works; the common case, one frame at a time, allocates no
// queue); a frame finding a worker waits in its queue.
asio::awaitable<void> conversation_service::in_order(std::shared_ptr<session_sink> s, v1::ClientFrame f,
                                                     std::chrono::steady_clock::time_point received) {
  auto [busy, idle] = pending_.try_emplace(s.get());
  if (!idle) {
    if (busy->second.size() >= kMaxPendingFrames) {
      auto refusal = error_frame(f.request_id(), "rate_limited", "too many requests waiting; send it again later", true);
      refusal.mutable_error()->set_retry_after_ms(1000);
      reply(*s, std::move(refusal));
    } else {
      busy->second.emplace_back(std::move(f), received);
    }
    co_return;
  }
  for (;;) {
    if (s->who().who == role::customer) {
      co_await run(s, std::move(f), received);
    } else {
      co_await run_staff(s, std::move(f));
    }
    auto it = pending_.find(s.get());  // gone: the session closed
    if (it == pending_.end()) co_return;
    if (it->second.empty()) {
      pending_.erase(it);
      co_return;
    }
    std::tie(f, received) = std::move(it->second.front());
    it->second.erase(it->second.begin());
  }
}

void conversation_service::opened(std::shared_ptr<session_sink> s) {
  if (s->who().who == role::customer) {
    // Counted before any of its frames is handled (they are posted after this).
    asio::post(core_, [this, subject = s->who().subject] { ++customer_sessions_[subject]; });
    return;
  }
  if (s->who().who != role::agent && s->who().who != role::lead) return;
  spawn(desk_opened(std::move(s)));
}

// The customer's last connection here closed: they are gone from `conversation_id`. If a new
// connection of theirs arrived while that was being stored, they are back at once (its resume may
// have read the conversation before the departure was stored).
asio::awaitable<void> conversation_service::departed(std::string customer, std::string conversation_id,
                                                     std::string subject) {
  auto gone = co_await customer_presence(customer, conversation_id, false, "disconnected");
  if (gone && !gone->duplicate && customer_sessions_.count(subject)) {
    co_await customer_presence(std::move(customer), std::move(conversation_id), true, "back");
  }
}

void conversation_service::closed(std::shared_ptr<const session_sink> session) {
  ++in_flight_;
  // The session stays alive until this has run: its address cannot be reused by a new session
  // meanwhile, and other sessions' leaving cannot take it for a dead member of its rooms.
  asio::post(core_, [this, session = std::move(session)] {
    const session_sink* s = session.get();
    struct done {
      std::atomic<int>& n;
      ~done() { --n; }
    } counted{in_flight_};  // after the drop below is spawned
    if (s->who().who == role::customer) {
      const std::string& subject = s->who().subject;
      auto n = customer_sessions_.find(subject);
      if (n != customer_sessions_.end() && --n->second <= 0) customer_sessions_.erase(n);
      // Their last connection here: they are gone from its conversations (a waiting one is
      // abandoned if they stay gone: docs/ROUTING.md) — unless another of theirs is connected here
      // (another tab, or the reconnect already in).
      auto c = customers_.find(s);
      if (c != customers_.end() && !customer_sessions_.count(subject)) {
        for (auto& conversation : rooms_.rooms_of(s)) spawn(departed(c->second, std::move(conversation), subject));
      }
    }
    rooms_.leave_all(s);
    customers_.erase(s);
    pending_.erase(s);  // what waits is dropped; the worker stops after the frame it is on
    auto it = desks_.find(s);
    if (it == desks_.end()) return;
    if (!it->second.registered) {
      it->second.closed = true;  // desk_opened drops it once registered
      return;
    }
    std::string agent = it->second.agent_id, session = it->second.session_id;
    desks_.erase(it);
    spawn([](store::agent_repository& agents, std::string id, std::string desk) -> asio::awaitable<void> {
      co_await agents.dropped(std::move(id), std::move(desk));
    }(agents_, std::move(agent), std::move(session)));
  });
}

std::string conversation_service::queue_for_topic(const std::string& topic) const {
  for (const auto& q : queues_) {
    if (q.name() == topic) return q.name();
  }
  return queues_.front().name();
}

bool conversation_service::queue_exists(const std::string& name) const {
  return std::any_of(queues_.begin(), queues_.end(), [&](const v1::Queue& q) { return q.name() == name; });
}

asio::awaitable<result<std::string>> conversation_service::customer_of(const session_sink& s) {
  if (auto it = customers_.find(&s); it != customers_.end()) co_return it->second;
  auto r = co_await identities_.resolve(v1::CHANNEL_WEB, s.who().subject);
  if (!r) co_return r.error();
  customers_[&s] = r->customer_id;
  co_return r->customer_id;
}

asio::awaitable<void> conversation_service::run(std::shared_ptr<session_sink> s, v1::ClientFrame f,
                                                std::chrono::steady_clock::time_point received) {
  const std::string& id = f.request_id();
  try {
    switch (f.kind_case()) {
      case v1::ClientFrame::kPing: {
        v1::ServerFrame pong;
        pong.set_request_id(id);
        pong.mutable_pong()->set_client_time_ms(f.ping().client_time_ms());
        pong.mutable_pong()->set_server_time_ms(
            std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
                .count());
        reply(*s, std::move(pong));
        co_return;
      }
      case v1::ClientFrame::kSendMessage:
      case v1::ClientFrame::kOpenConversation: {
        v1::SendMessage m;
        std::string queue = queues_.front().name();
        if (f.has_send_message()) {
          m = f.send_message();
        } else {
          if (!f.open_conversation().has_first_message()) {
            reply(*s, error_frame(id, "bad_request", "openConversation needs a firstMessage"));
            co_return;
          }
          *m.mutable_message() = f.open_conversation().first_message();
          queue = queue_for_topic(f.open_conversation().topic());
        }
        bool joined = false;
        std::string conversation;
        auto answer = co_await send(*s, id, m, queue, joined, conversation);
        if (joined) co_await join_live(s, conversation, answer.ack().seq());
        s->deliver(std::make_shared<const outbound_frame>(std::move(answer), received, true));
        co_return;
      }
      case v1::ClientFrame::kResume:
        reply(*s, co_await resume(s, f));
        co_return;
      case v1::ClientFrame::kRate:
        reply(*s, co_await rate(*s, f));
        co_return;
      case v1::ClientFrame::kLeave:
        reply(*s, co_await leave(s, f));
        co_return;
      case v1::ClientFrame::kTyping:
      case v1::ClientFrame::kRead:
        reply(*s, co_await presence(*s, f));
        co_return;
      default:
        break;
    }
    reply(*s, error_frame(id, "forbidden", "this role may not send that request"));
  } catch (const std::exception& e) {
    reply(*s, error_frame(id, "internal", e.what()));
  }
}

asio::awaitable<v1::ServerFrame> conversation_service::send(const session_sink& s, const std::string& request_id,
                                                            const v1::SendMessage& m, std::string queue,
                                                            bool& joined_room, std::string& conversation) {
  if (m.message().client_message_id().empty()) {
    co_return error_frame(request_id, "bad_request", "message.clientMessageId is required (it makes a re-send safe)");
  }
  if (m.message().body().empty() && m.message().attachments().empty()) {
    co_return error_frame(request_id, "bad_request", "an empty message");
  }
  auto customer = co_await customer_of(s);
  if (!customer) co_return error_for(request_id, customer.error());
  store::append_request req;
  req.customer_id = *customer;
  req.mode = m.conversation_id().empty() ? store::append_request::target::current
                                         : store::append_request::target::existing;
  req.conversation_id = m.conversation_id();
  req.idempotency_key = store::idempotency::customer_message(m.message().client_message_id());
  req.channel = v1::CHANNEL_WEB;
  req.event.set_actor(*customer);
  auto* msg = req.event.mutable_message();
  *msg = m.message();
  msg->set_direction(v1::DIRECTION_INBOUND);  // whatever the client claimed
  msg->set_channel(v1::CHANNEL_WEB);
  msg->clear_author_id();
  // What the router shows an agent in the offer.
  req.fields.set("preview", m.message().body().substr(0, 140));
  if (req.mode != store::append_request::target::existing) {
    for (const auto& q : queues_) {
      if (q.name() == queue) req.fields.set_if_created("team", q.team());
    }
    req.fields.set_if_created("queue", std::move(queue));
  }
  auto r = co_await timeline_.append(std::move(req));
  if (!r) co_return error_for(request_id, r.error());
  joined_room = true;
  conversation = r->conversation_id;
  co_return ack(request_id, r->conversation_id, r->seq, r->duplicate);
}

asio::awaitable<void> conversation_service::join_live(const std::shared_ptr<session_sink>& s,
                                                     const std::string& conversation_id, std::int64_t after_seq) {
  if (!rooms_.join(conversation_id, s)) co_return;  // a member already: live since it joined
  if (co_await rooms_.live(conversation_id, kJoinConfirmLimit)) co_return;  // the room was live already
  auto events = co_await timeline_.read_conversation(conversation_id, after_seq, kResumeLimit);
  if (!events) co_return;  // Redis failing: the client resumes from the last seq it has
  for (auto& ev : *events) {
    if (s->who().who == role::customer && !customer_may_see(ev)) continue;
    v1::ServerFrame frame;
    *frame.mutable_event() = std::move(ev);
    reply(*s, std::move(frame));
  }
}

asio::awaitable<v1::ServerFrame> conversation_service::resume(std::shared_ptr<session_sink> s,
                                                              const v1::ClientFrame& f) {
  const auto& id = f.request_id();
  const auto& conv_id = f.resume().conversation_id();
  // A customer coming back: a departure of their previous connection stored before the read below
  // is answered here with their return; one stored after it, by departed() itself.
  result<std::string> customer = std::string();
  if (s->who().who == role::customer) customer = co_await customer_of(*s);
  if (!customer) co_return error_for(id, customer.error());
  auto conv = co_await timeline_.conversation(conv_id);
  if (!conv) co_return error_for(id, conv.error());
  if (s->who().who == role::customer) {
    if (conv->customer_id() != *customer) co_return error_for(id, errc::not_found);  // no existence leak
  } else if (!staff_may_read(s->who(), *conv)) {
    co_return error_for(id, errc::not_found);
  }
  if (s->who().who == role::customer && conv->customer_gone_at_ms() > 0) {
    auto back = co_await customer_presence(conv->customer_id(), conv_id, true, "back");
    if (!back && is_retryable(back.error())) co_return error_for(id, back.error());
  }
  // Join first, then read once the room is live: an event published in between is seen twice (the
  // client drops what it has by seq), never lost.
  rooms_.join(conv_id, s);
  co_await rooms_.live(conv_id, kJoinConfirmLimit);
  const std::int64_t after = std::max<std::int64_t>(0, f.resume().after_seq());
  if (conv->last_seq() - after > static_cast<std::int64_t>(kResumeLimit)) {
    v1::ServerFrame gap;
    gap.set_request_id(id);
    gap.mutable_history_gap()->set_conversation_id(conv_id);
    gap.mutable_history_gap()->set_oldest_available_seq(1);
    co_return gap;
  }
  auto events = co_await timeline_.read_conversation(conv_id, after, kResumeLimit);
  if (!events) co_return error_for(id, events.error());
  for (auto& ev : *events) {
    if (s->who().who == role::customer && !customer_may_see(ev)) continue;
    v1::ServerFrame frame;
    *frame.mutable_event() = std::move(ev);
    reply(*s, std::move(frame));
  }
  co_return ack(id, conv_id, conv->last_seq(), false);
}

// Typing is published, not stored (seq 0 on the wire); read receipts are stored once per seq.
asio::awaitable<v1::ServerFrame> conversation_service::presence(const session_sink& s, const v1::ClientFrame& f) {
  const auto& id = f.request_id();
  const auto& conv_id = f.has_typing() ? f.typing().conversation_id() : f.read().conversation_id();
  auto customer = co_await customer_of(s);
  if (!customer) co_return error_for(id, customer.error());
  auto conv = co_await timeline_.conversation(conv_id);
  if (!conv) co_return error_for(id, conv.error());
  if (conv->customer_id() != *customer) co_return error_for(id, errc::not_found);
  v1::Event ev;
  ev.set_actor(*customer);
  if (f.has_typing()) {
    ev.mutable_typing()->set_who(*customer);
    ev.mutable_typing()->set_active(f.typing().active());
    auto r = co_await timeline_.publish_ephemeral(conv_id, std::move(ev));
    if (!r) co_return error_for(id, r.error());
    co_return ack(id, conv_id, 0, false);
  }
  const auto up_to = f.read().up_to_seq();
  if (up_to < 1 || up_to > conv->last_seq()) co_return error_frame(id, "bad_request", "upToSeq must be a seq of this conversation");
  ev.mutable_read()->set_who(*customer);
  ev.mutable_read()->set_up_to_seq(up_to);
  store::append_request req;
  req.customer_id = *customer;
  req.conversation_id = conv_id;
  req.idempotency_key = store::idempotency::read_receipt(*customer, up_to);
  req.event = std::move(ev);
  auto a = co_await timeline_.append(std::move(req));
  if (!a) co_return error_for(id, a.error());
  co_return ack(id, a->conversation_id, a->seq, a->duplicate);
}

asio::awaitable<result<store::append_result>> conversation_service::customer_presence(std::string customer,
                                                                                     std::string conversation_id,
                                                                                     bool present, std::string why) {
  store::append_request req;
  req.customer_id = customer;
  req.conversation_id = std::move(conversation_id);
  // A disconnect matters only while the customer waits (a held chat has its inactivity limit, and
  // a reload there would only add noise); leaving and coming back, whenever it is not resolved.
  if (why == "disconnected") {
    req.guard.require("state", {"queued", "offered", "escalated"});
  } else {
    req.guard.require("state", {"queued", "offered", "assigned", "waiting_customer", "wrap_up", "escalated"});
  }
  req.event.set_actor(std::move(customer));
  req.event.mutable_customer_presence()->set_present(present);
  req.event.mutable_customer_presence()->set_why(std::move(why));
  co_return co_await timeline_.append(std::move(req));
}

// The customer stops waiting: a `customerPresence` event; the router abandons a waiting
// conversation after the queue's abandon_after_seconds unless they come back first.
asio::awaitable<v1::ServerFrame> conversation_service::leave(std::shared_ptr<session_sink> s, const v1::ClientFrame& f) {
  const auto& id = f.request_id();
  const auto& conv_id = f.leave().conversation_id();
  auto customer = co_await customer_of(*s);
  if (!customer) co_return error_for(id, customer.error());
  auto conv = co_await timeline_.conversation(conv_id);
  if (!conv) co_return error_for(id, conv.error());
  if (conv->customer_id() != *customer) co_return error_for(id, errc::not_found);
  if (conv->state() == v1::RESOLVED) co_return error_frame(id, "resolved", "the conversation is resolved");
  auto r = co_await customer_presence(*customer, conv_id, false, "left");
  if (!r && r.error() == errc::wrong_state) co_return error_frame(id, "resolved", "the conversation is resolved");
  if (!r) co_return error_for(id, r.error());
  rooms_.leave(conv_id, s.get());
  co_return ack(id, r->conversation_id, r->seq, r->duplicate);
}

asio::awaitable<v1::ServerFrame> conversation_service::rate(const session_sink& s, const v1::ClientFrame& f) {
  const auto& id = f.request_id();
  const auto& r = f.rate();
  if (r.score() < 1 || r.score() > 5) co_return error_frame(id, "bad_request", "score must be 1 to 5");
  auto customer = co_await customer_of(s);
  if (!customer) co_return error_for(id, customer.error());
  auto conv = co_await timeline_.conversation(r.conversation_id());
  if (!conv) co_return error_for(id, conv.error());
  if (conv->customer_id() != *customer) co_return error_for(id, errc::not_found);
  if (conv->state() != v1::RESOLVED) co_return error_frame(id, "not_resolved", "rate a conversation once it is resolved");
  store::append_request req;
  req.customer_id = *customer;
  req.conversation_id = r.conversation_id();
  req.idempotency_key = store::idempotency::rating(r.conversation_id());  // a second rating is a duplicate
  req.event.set_actor(*customer);
  req.event.mutable_rating()->set_score(r.score());
  req.event.mutable_rating()->set_comment(r.comment());
  auto a = co_await timeline_.append(std::move(req));
  if (!a) co_return error_for(id, a.error());
  co_return ack(id, a->conversation_id, a->seq, a->duplicate);
}

}  // namespace switchboard::gateway
