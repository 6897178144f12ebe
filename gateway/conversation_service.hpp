#pragma once
// The WebSocket side of conversations (docs/PROTOCOL.md): it decodes a session's frames, calls the
// conversation layer (conversation/: the widget's frames become Inbound for inbox::ingest, the
// desk's and the leads' go to desk_actions and lead_actions) and writes the answers, joining or
// leaving the conversation's live events as the layer says. What is a session's own stays here:
// its frames take effect in the order sent, a customer's connections count for presence (their last
// one closing while they wait is a departure), a desk registers with the agent registry when it
// opens and leaves it when it closes (the router's grace period starts when the agent's last desk
// closes), and a resume replays what the session missed. The answer (Ack or Error with a code) is
// sent only after Redis replied.
//
// Thread-safe: handle() and closed() may be called from any thread; the work runs on the core
// strand (the Redis clients' executor).

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "conversation/context.hpp"
#include "conversation/desk_actions.hpp"
#include "conversation/inbox.hpp"
#include "conversation/lead_actions.hpp"
#include "conversation/rules.hpp"
#include "gateway/hub.hpp"
#include "gateway/identity_proofs.hpp"
#include "gateway/session_sink.hpp"
#include "proto/config.pb.h"
#include "store/agents.hpp"
#include "store/identities.hpp"
#include "store/timeline.hpp"

namespace switchboard::gateway {

// A client's message (sendMessage, openConversation, barge) may carry attachments only as files
// of this server, as POST /v1/blobs answered them (rewritten from their signed URLs): the error
// frame (bad_attachment) if not.
std::optional<v1::ServerFrame> take_attachments(v1::ClientFrame& f, std::string_view blob_secret);

class conversation_service {
 public:
  // `instance` names this gateway process (desk session ids start with it).
  // `proofs` answers a customer's ProveIdentity and ConfirmIdentity.
  conversation_service(boost::asio::any_io_executor core, store::timeline_repository& timeline,
                       store::identity_repository& identities, store::agent_repository& agents, hub& rooms,
                       const v1::Config& cfg, const live_config& live, std::string instance, identity_proofs& proofs);
  ~conversation_service();

  // Refreshes this gateway's desk sessions every third of server.desk_presence_seconds until
  // stop(). Thread-safe.
  void start();
  void stop();

  // A session was accepted (after Welcome): desks register with the agent registry and get their
  // AgentState.
  void opened(std::shared_ptr<session_sink> s);
  // `received`: when the session read the frame (message acks carry it for the dwell measure).
  void handle(std::shared_ptr<session_sink> s, v1::ClientFrame f, std::chrono::steady_clock::time_point received = {});
  void closed(std::shared_ptr<const session_sink> s);
  const boost::asio::any_io_executor& core() const { return core_; }
  // Requests being worked on (the drain waits for none before stopping Redis). Thread-safe.
  int in_flight() const noexcept { return in_flight_.load(); }

 private:
  boost::asio::awaitable<void> run(std::shared_ptr<session_sink> s, v1::ClientFrame f,
                                   std::chrono::steady_clock::time_point received);
  boost::asio::awaitable<result<std::string>> customer_of(const session_sink& s);
  boost::asio::awaitable<v1::ServerFrame> resume(std::shared_ptr<session_sink> s, const v1::ClientFrame& f);
  boost::asio::awaitable<void> departed(std::string customer, std::string conversation_id, std::string subject);
  // Writes the layer's answer: the frames before it, the room joined (with what was stored after
  // its seq) or left, then the answer (`received`: when the session read the request).
  boost::asio::awaitable<void> finish(std::shared_ptr<session_sink> s, conversation::outcome out,
                                      std::chrono::steady_clock::time_point received = {});
  // Joins `s` to the conversation's live events with no gap: once Redis has confirmed the room,
  // the events after `after_seq` that were stored before it are read from the stream and sent (so
  // one can come twice; clients drop a seq they have). Bounded: see kJoinConfirmLimit.
  boost::asio::awaitable<void> join_live(const std::shared_ptr<session_sink>& s, const std::string& conversation_id,
                                         std::int64_t after_seq);

  // The desk (conversation_service_staff.cpp).
  struct desk {
    std::string agent_id;
    std::string session_id;   // unique over gateways: "<instance>-<n>"
    bool registered = false;  // counted in the registry
    bool closed = false;      // closed before registering finished
  };
  boost::asio::awaitable<void> desk_opened(std::shared_ptr<session_sink> s);
  boost::asio::awaitable<void> refresh_desks();
  boost::asio::awaitable<void> catch_up();
  boost::asio::awaitable<void> run_staff(std::shared_ptr<session_sink> s, v1::ClientFrame f);

  // How long a join waits for Redis to confirm a new room before going on (Redis is failing then;
  // the client resumes from the last seq it has).
  static constexpr std::chrono::milliseconds kJoinConfirmLimit{1000};

  // Runs `work` on the core strand, counted in in_flight().
  void spawn(boost::asio::awaitable<void> work);

  // A session's frames take effect in the order sent: each waits for the one before it.
  boost::asio::awaitable<void> in_order(std::shared_ptr<session_sink> s, v1::ClientFrame f,
                                        std::chrono::steady_clock::time_point received);
  // Frames of one session waiting for the one being handled; more: refused (rate_limited).
  static constexpr std::size_t kMaxPendingFrames = 1024;
  // Sessions with a frame being handled → the frames waiting behind it (in order).
  std::unordered_map<const session_sink*, std::vector<std::pair<v1::ClientFrame, std::chrono::steady_clock::time_point>>>
      pending_;

  boost::asio::any_io_executor core_;
  std::atomic<int> in_flight_{0};
  store::timeline_repository& timeline_;
  store::agent_repository& agents_;
  hub& rooms_;
  identity_proofs& proofs_;
  conversation::context ctx_;
  conversation::inbox inbox_;
  conversation::desk_actions desk_;
  conversation::lead_actions leads_;
  std::unordered_map<const session_sink*, std::string> customers_;  // session → customer id
  std::unordered_map<std::string, int> customer_sessions_;          // customer token subject → open sessions here
  std::unordered_map<const session_sink*, desk> desks_;             // desk sessions
  std::string instance_;
  std::uint64_t next_desk_ = 0;
  std::chrono::milliseconds desk_lifetime_;
  std::string blob_secret_;  // media.url_secret: a message's attachments must be files of ours
  std::unique_ptr<boost::asio::steady_timer> refresh_timer_;
  bool stopping_ = false;
};

using conversation::ack_frame;
using conversation::error_for;
using conversation::staff_may_read;
// Sends one frame to one session.
void reply_to(session_sink& s, v1::ServerFrame f);

}  // namespace switchboard::gateway
