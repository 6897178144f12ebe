#pragma once
// What a connected customer or agent can do, turned into store calls (docs/PROTOCOL.md).
// Customers: open a conversation, send messages, typing (published, not stored) and read
// receipts, resume after a reconnect from the last sequence number seen, rate a resolved
// conversation, ping. Agents and leads (the desk): status, answer offers (on accept: the room and
// the customer's whole cross-channel timeline), reply, notes, typing, reads, transfer, resolve,
// resume. A desk session registers with the agent registry when it opens and leaves it when it
// closes (the router's grace period starts when the agent's last desk closes). Leads (and admins)
// also monitor, whisper, barge in, take over, reassign and change priority on their teams'
// conversations; each action is an event in the conversation and an audit record, in one append.
// Every stored write goes through the one append path with an idempotency key; staff writes are
// guarded (only the owner replies, transfers or resolves; only the agent offered answers), so a
// race with the router or another desk is refused whole, never half-written. The answer (Ack or
// Error with a code) is sent only after Redis replied.
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

#include "gateway/hub.hpp"
#include "gateway/session_sink.hpp"
#include "proto/config.pb.h"
#include "store/agents.hpp"
#include "store/identities.hpp"
#include "store/timeline.hpp"

namespace switchboard::gateway {

class conversation_service {
 public:
  // `instance` names this gateway process (desk session ids start with it).
  conversation_service(boost::asio::any_io_executor core, store::timeline_repository& timeline,
                       store::identity_repository& identities, store::agent_repository& agents, hub& rooms,
                       const v1::Config& cfg, std::string instance);
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
  boost::asio::awaitable<v1::ServerFrame> send(const session_sink& s, const std::string& request_id,
                                               const v1::SendMessage& m, std::string queue, bool& joined_room,
                                               std::string& conversation);
  boost::asio::awaitable<v1::ServerFrame> resume(std::shared_ptr<session_sink> s, const v1::ClientFrame& f);
  boost::asio::awaitable<v1::ServerFrame> rate(const session_sink& s, const v1::ClientFrame& f);
  boost::asio::awaitable<v1::ServerFrame> presence(const session_sink& s, const v1::ClientFrame& f);
  boost::asio::awaitable<v1::ServerFrame> leave(std::shared_ptr<session_sink> s, const v1::ClientFrame& f);
  boost::asio::awaitable<void> departed(std::string customer, std::string conversation_id, std::string subject);
  // Records that the customer left, came back or disconnected (a customerPresence event); nothing
  // when the conversation is resolved, nor for a disconnect once it is held. Errors are the append's.
  boost::asio::awaitable<result<store::append_result>> customer_presence(std::string customer, std::string conversation_id,
                                                                         bool present, std::string why);
  std::string queue_for_topic(const std::string& topic) const;
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
  boost::asio::awaitable<void> run_staff(std::shared_ptr<session_sink> s, v1::ClientFrame f);
  boost::asio::awaitable<v1::ServerFrame> agent_state(const std::string& agent_id, const v1::Agent& a);
  boost::asio::awaitable<v1::ServerFrame> set_status(const session_sink& s, const v1::ClientFrame& f);
  boost::asio::awaitable<v1::ServerFrame> answer_offer(std::shared_ptr<session_sink> s, const v1::ClientFrame& f);
  boost::asio::awaitable<v1::ServerFrame> staff_write(std::shared_ptr<session_sink> s, const v1::ClientFrame& f);
  boost::asio::awaitable<v1::ServerFrame> staff_presence(const session_sink& s, const v1::ClientFrame& f);
  boost::asio::awaitable<v1::ServerFrame> lead_action(std::shared_ptr<session_sink> s, const v1::ClientFrame& f);
  boost::asio::awaitable<result<v1::Conversation>> readable(const session_sink& s, const std::string& conversation_id);
  // An error frame if a transfer or reassign target is not one (bad pair, unknown queue or agent).
  boost::asio::awaitable<std::optional<v1::ServerFrame>> check_target(const std::string& request_id,
                                                                      const std::string& to_agent,
                                                                      const std::string& to_queue);
  v1::Agent fallback_profile(const principal& p) const;
  bool queue_exists(const std::string& name) const;

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
  store::identity_repository& identities_;
  store::agent_repository& agents_;
  hub& rooms_;
  std::vector<v1::Queue> queues_;
  std::vector<v1::Agent> configured_agents_;
  std::unordered_map<const session_sink*, std::string> customers_;  // session → customer id
  std::unordered_map<std::string, int> customer_sessions_;          // customer token subject → open sessions here
  std::unordered_map<const session_sink*, desk> desks_;             // desk sessions
  std::string instance_;
  std::uint64_t next_desk_ = 0;
  std::chrono::milliseconds desk_lifetime_;
  std::unique_ptr<boost::asio::steady_timer> refresh_timer_;
  bool stopping_ = false;
};

// Whether a staff member may read a conversation: admins always; agents and leads when it is of
// one of their teams (or of no team) or they own it. Others get "not found" (no existence leak).
bool staff_may_read(const principal& p, const v1::Conversation& c);

// The Error frame for a store error: retryable ones say "retry" with retry=true.
v1::ServerFrame error_for(const std::string& request_id, const boost::system::error_code& ec);
// The Ack frame of a stored (or duplicate) request.
v1::ServerFrame ack_frame(const std::string& request_id, const std::string& conversation, std::int64_t seq, bool duplicate);
// Sends one frame to one session.
void reply_to(session_sink& s, v1::ServerFrame f);

}  // namespace switchboard::gateway
