#include "gateway/conversation_service.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "media/blob_url.hpp"
#include "store/idempotency.hpp"

namespace switchboard::gateway {

namespace asio = boost::asio;
using boost::system::error_code;

namespace {

constexpr int kCatchUpTries = 50;  // catch_up(): reads of one room while the connection comes back
constexpr std::chrono::milliseconds kCatchUpPause{100};
constexpr std::size_t kResumeLimit = 1000;  // events per Resume; more: a history gap (reload)
// The widget's adapter: its customers are web-chat visitors, the token's subject their address.
constexpr v1::Channel kWidgetChannel = v1::CHANNEL_WEB;

void reply(session_sink& s, v1::ServerFrame f) { reply_to(s, std::move(f)); }

}  // namespace

void reply_to(session_sink& s, v1::ServerFrame f) {
  s.deliver(std::make_shared<const outbound_frame>(std::move(f), std::chrono::steady_clock::time_point{}, true));
}

conversation_service::conversation_service(asio::any_io_executor core, store::timeline_repository& timeline,
                                           store::identity_repository& identities, store::agent_repository& agents,
                                           hub& rooms, const v1::Config& cfg, const live_config& live, std::string instance,
                                           identity_proofs& proofs)
    : core_(std::move(core)),
      timeline_(timeline),
      agents_(agents),
      rooms_(rooms),
      proofs_(proofs),
      ctx_(timeline, identities, agents, live),
      inbox_(ctx_),
      desk_(ctx_),
      leads_(ctx_),
      instance_(std::move(instance)),
      desk_lifetime_(std::chrono::seconds(cfg.server().desk_presence_seconds())),
      blob_secret_(cfg.channels().media().url_secret()),
      refresh_timer_(std::make_unique<asio::steady_timer>(core_)) {}

conversation_service::~conversation_service() = default;

void conversation_service::start() {
  asio::post(core_, [this] {
    rooms_.on_resubscribed([this] { spawn(catch_up()); });
    spawn(refresh_desks());
  });
}

// The pub/sub connection came back (Redis restarted or failed over): what each room missed while
// it was down never comes live, so it is read from the stream after the last seq the room was sent
// (a session drops what it already has by seq). Redis failing again: the next resubscription reads.
// The command connection may come back a moment after the pub/sub one: a read that finds it down
// is tried again, kCatchUpTries times at most, kCatchUpPause apart.
asio::awaitable<void> conversation_service::catch_up() {
  asio::steady_timer pause(core_);
  for (const auto& [conversation_id, seq] : rooms_.conversation_rooms()) {
    for (int tries = 0; tries < kCatchUpTries && !stopping_; ++tries) {
      auto events = co_await timeline_.read_conversation(conversation_id, seq, kResumeLimit);
      if (events) {
        for (const auto& ev : *events) rooms_.deliver(conversation_id, ev);
        break;
      }
      if (!is_retryable(events.error())) break;
      pause.expires_after(kCatchUpPause);
      co_await pause.async_wait(asio::as_tuple(asio::use_awaitable));
    }
  }
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
  auto gone = co_await inbox_.presence(customer, conversation_id, false, "disconnected");
  if (gone && !gone->duplicate && customer_sessions_.count(subject)) {
    co_await inbox_.presence(std::move(customer), std::move(conversation_id), true, "back");
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

asio::awaitable<result<std::string>> conversation_service::customer_of(const session_sink& s) {
  if (auto it = customers_.find(&s); it != customers_.end()) co_return it->second;
  auto r = co_await inbox_.customer_of(kWidgetChannel, s.who().subject);
  if (!r) co_return r.error();
  customers_[&s] = *r;
  co_return *r;
}

std::optional<v1::ServerFrame> take_attachments(v1::ClientFrame& f, std::string_view blob_secret) {
  v1::Message* m = nullptr;
  if (f.has_send_message()) m = f.mutable_send_message()->mutable_message();
  else if (f.has_open_conversation()) m = f.mutable_open_conversation()->mutable_first_message();
  else if (f.has_barge()) m = f.mutable_barge()->mutable_message();
  if (!m || m->attachments().empty()) return std::nullopt;
  if (auto why = media::take_attachments(blob_secret, *m->mutable_attachments())) {
    return error_frame(f.request_id(), "bad_attachment", *why);
  }
  return std::nullopt;
}

namespace {

// The widget's frames, as Inbound for the conversation layer (resume and ping are the session's).
std::optional<v1::Inbound> widget_inbound(const v1::ClientFrame& f, const principal& who) {
  v1::Inbound in;
  in.set_channel(kWidgetChannel);
  in.set_address(who.subject);
  switch (f.kind_case()) {
    case v1::ClientFrame::kSendMessage:
    case v1::ClientFrame::kOpenConversation: {
      const v1::Message& m = f.has_send_message() ? f.send_message().message() : f.open_conversation().first_message();
      in.set_conversation_id(f.has_send_message() ? f.send_message().conversation_id() : std::string());
      if (f.has_open_conversation()) {
        in.set_topic(f.open_conversation().topic());
        if (f.open_conversation().has_customer()) *in.mutable_customer() = f.open_conversation().customer();
      }
      in.set_client_message_id(m.client_message_id());
      in.mutable_message()->set_body(m.body());
      *in.mutable_message()->mutable_attachments() = m.attachments();
      return in;
    }
    case v1::ClientFrame::kRead:
      in.set_conversation_id(f.read().conversation_id());
      in.mutable_read()->set_up_to_seq(f.read().up_to_seq());
      return in;
    case v1::ClientFrame::kTyping:
      in.set_conversation_id(f.typing().conversation_id());
      in.mutable_typing()->set_active(f.typing().active());
      return in;
    case v1::ClientFrame::kRate:
      in.set_conversation_id(f.rate().conversation_id());
      in.mutable_rate()->set_score(f.rate().score());
      in.mutable_rate()->set_comment(f.rate().comment());
      return in;
    case v1::ClientFrame::kLeave:
      in.set_conversation_id(f.leave().conversation_id());
      in.mutable_leave();
      return in;
    default:
      return std::nullopt;
  }
}

}  // namespace

asio::awaitable<void> conversation_service::run(std::shared_ptr<session_sink> s, v1::ClientFrame f,
                                                std::chrono::steady_clock::time_point received) {
  const std::string& id = f.request_id();
  try {
    if (f.has_ping()) {
      v1::ServerFrame pong;
      pong.set_request_id(id);
      pong.mutable_pong()->set_client_time_ms(f.ping().client_time_ms());
      pong.mutable_pong()->set_server_time_ms(
          std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
              .count());
      reply(*s, std::move(pong));
      co_return;
    }
    if (f.has_resume()) {
      reply(*s, co_await resume(s, f));
      co_return;
    }
    if (f.has_open_conversation() && !f.open_conversation().has_first_message()) {
      reply(*s, error_frame(id, "bad_request", "openConversation needs a firstMessage"));
      co_return;
    }
    if (auto refusal = take_attachments(f, blob_secret_)) {
      reply(*s, std::move(*refusal));
      co_return;
    }
    if (f.has_prove_identity() || f.has_confirm_identity()) {
      auto customer = co_await customer_of(*s);
      if (!customer) {
        reply(*s, error_for(id, customer.error()));
        co_return;
      }
      reply(*s, co_await proofs_.handle(*customer, f));  // a copy: `id` refers into f
      co_return;
    }
    auto in = widget_inbound(f, s->who());
    if (!in) {
      reply(*s, error_frame(id, "forbidden", "this role may not send that request"));
      co_return;
    }
    std::string known;
    if (auto it = customers_.find(s.get()); it != customers_.end()) known = it->second;
    auto out = co_await inbox_.ingest(id, std::move(*in), std::move(known));
    if (!out.customer_id.empty()) customers_[s.get()] = out.customer_id;
    co_await finish(s, std::move(out), received);
  } catch (const std::exception& e) {
    reply(*s, error_frame(id, "internal", e.what()));
  }
}

asio::awaitable<void> conversation_service::finish(std::shared_ptr<session_sink> s, conversation::outcome out,
                                                   std::chrono::steady_clock::time_point received) {
  for (auto& f : out.before) reply(*s, std::move(f));
  if (out.live == conversation::outcome::room::join) co_await join_live(s, out.conversation_id, out.after_seq);
  if (out.live == conversation::outcome::room::leave) rooms_.leave(out.conversation_id, s.get());
  s->deliver(std::make_shared<const outbound_frame>(std::move(out.answer), received, true));
}

asio::awaitable<void> conversation_service::join_live(const std::shared_ptr<session_sink>& s,
                                                     const std::string& conversation_id, std::int64_t after_seq) {
  if (!rooms_.join(conversation_id, s)) co_return;  // a member already: live since it joined
  if (co_await rooms_.live(conversation_id, kJoinConfirmLimit)) co_return;  // the room was live already
  auto events = co_await timeline_.read_conversation(conversation_id, after_seq, kResumeLimit);
  if (!events) co_return;  // Redis failing: the client resumes from the last seq it has
  rooms_.seen(conversation_id, events->empty() ? after_seq : std::max(after_seq, events->back().seq()));
  for (auto& ev : *events) {
    if (s->who().who == role::customer && !conversation::customer_may_see(ev)) continue;
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
    if (!conversation::customer_may_read(*customer, *conv)) co_return error_for(id, errc::not_found);  // no existence leak
  } else if (!conversation::staff_may_read(s->who(), *conv)) {
    co_return error_for(id, errc::not_found);
  }
  if (s->who().who == role::customer && conv->customer_gone_at_ms() > 0) {
    auto back = co_await inbox_.presence(conv->customer_id(), conv_id, true, "back");
    if (!back && is_retryable(back.error())) co_return error_for(id, back.error());
  }
  // Join first, then read once the room is live: an event published in between is seen twice (the
  // client drops what it has by seq), never lost. The last seq is read again once live: every event
  // up to it is replayed below, every later one was published after the join and comes live.
  rooms_.join(conv_id, s);
  co_await rooms_.live(conv_id, kJoinConfirmLimit);
  auto now = co_await timeline_.conversation(conv_id);
  if (!now) co_return error_for(id, now.error());
  const std::int64_t last = now->last_seq();
  rooms_.seen(conv_id, last);  // replayed below
  std::int64_t after = std::max<std::int64_t>(0, f.resume().after_seq());
  const auto limit = static_cast<std::int64_t>(kResumeLimit);
  if (last - after > limit) {
    // More missed than one resume replays: the latest kResumeLimit events, after a historyGap
    // that tells the client to drop what it holds (staff read older events over REST).
    after = last - limit;
    v1::ServerFrame gap;
    gap.mutable_history_gap()->set_conversation_id(conv_id);
    gap.mutable_history_gap()->set_oldest_available_seq(after + 1);
    reply(*s, std::move(gap));
  }
  auto events = co_await timeline_.read_conversation(conv_id, after, kResumeLimit);
  if (!events) co_return error_for(id, events.error());
  for (auto& ev : *events) {
    if (s->who().who == role::customer && !conversation::customer_may_see(ev)) continue;
    v1::ServerFrame frame;
    *frame.mutable_event() = std::move(ev);
    reply(*s, std::move(frame));
  }
  co_return ack_frame(id, conv_id, last, false);
}

}  // namespace switchboard::gateway
