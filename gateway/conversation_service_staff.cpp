// The agent desk side of the conversation service (see conversation_service.hpp): a desk session
// registers with the agent registry, and its frames go to the conversation layer's desk and lead
// actions.
#include "gateway/conversation_service.hpp"

namespace switchboard::gateway {

namespace asio = boost::asio;

asio::awaitable<void> conversation_service::desk_opened(std::shared_ptr<session_sink> s) {
  const std::string id = s->who().subject;
  const std::string session = instance_ + "-" + std::to_string(++next_desk_);
  desks_[s.get()] = desk{id, session, false, false};
  auto r = co_await agents_.connected(desk_.profile_for(s->who()), session);
  auto it = desks_.find(s.get());
  if (!r) {
    if (it != desks_.end()) desks_.erase(it);
    reply_to(*s, error_for("", r.error()));
    co_return;
  }
  if (it == desks_.end() || it->second.closed) {
    if (it != desks_.end()) desks_.erase(it);
    co_await agents_.dropped(id, session);  // it closed while registering
    co_return;
  }
  it->second.registered = true;
  rooms_.join_agent(id, s);
  if (s->who().who == role::lead) {
    for (const auto& team : s->who().teams) rooms_.join_team(team, s);  // trainee drafts
  }
  reply_to(*s, co_await desk_.agent_state(id, r->agent));
}

asio::awaitable<void> conversation_service::run_staff(std::shared_ptr<session_sink> s, v1::ClientFrame f) {
  const std::string& id = f.request_id();
  if (auto refusal = take_attachments(f, blob_secret_)) {
    reply_to(*s, std::move(*refusal));
    co_return;
  }
  const principal& who = s->who();
  try {
    conversation::outcome out;
    switch (f.kind_case()) {
      case v1::ClientFrame::kPing:
      case v1::ClientFrame::kResume:
        co_await run(s, std::move(f), {});  // the same for everyone
        co_return;
      case v1::ClientFrame::kSetStatus:
        out = co_await desk_.set_status(who, f);
        break;
      case v1::ClientFrame::kAnswerOffer:
        out = co_await desk_.answer_offer(who, f);
        break;
      case v1::ClientFrame::kSendMessage:
      case v1::ClientFrame::kAddNote:
      case v1::ClientFrame::kTransfer:
      case v1::ClientFrame::kResolve:
      case v1::ClientFrame::kEscalate:
        out = co_await desk_.write(who, f);
        break;
      case v1::ClientFrame::kTyping:
      case v1::ClientFrame::kRead:
        out = co_await desk_.presence(who, f);
        break;
      case v1::ClientFrame::kMonitor:
      case v1::ClientFrame::kWhisper:
      case v1::ClientFrame::kBarge:
      case v1::ClientFrame::kTakeOver:
      case v1::ClientFrame::kReassign:
      case v1::ClientFrame::kSetPriority:
      case v1::ClientFrame::kReviewDraft:
        out = co_await leads_.act(who, f);
        break;
      default:
        out = conversation::answer_with(error_frame(id, "forbidden", "this role may not send that request"));
        break;
    }
    co_await finish(s, std::move(out));
  } catch (const std::exception& e) {
    reply_to(*s, error_frame(id, "internal", e.what()));
  }
}

}  // namespace switchboard::gateway
