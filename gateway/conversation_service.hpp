#pragma once
// What a connected customer can do, turned into store calls: open a conversation, send messages,
// typing (published, not stored) and read receipts, resume after a reconnect from the last
// sequence number seen, rate a resolved conversation, ping.
// Every stored write goes through the one append path with the client's message id as the
// idempotency key; the answer (Ack or Error with a code) is sent only after Redis replied. Agent
// and lead frames arrive with the router service (issue: live chat); until then they are answered
// with the error code "unsupported".
//
// Thread-safe: handle() and closed() may be called from any thread; the work runs on the core
// strand (the Redis clients' executor).

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "gateway/hub.hpp"
#include "gateway/session_sink.hpp"
#include "store/identities.hpp"
#include "store/timeline.hpp"

namespace switchboard::gateway {

class conversation_service {
 public:
  conversation_service(boost::asio::any_io_executor core, store::timeline_repository& timeline,
                       store::identity_repository& identities, hub& rooms, std::vector<std::string> queues);

  void handle(std::shared_ptr<session_sink> s, v1::ClientFrame f);
  void closed(const session_sink* s);
  const boost::asio::any_io_executor& core() const { return core_; }

 private:
  boost::asio::awaitable<void> run(std::shared_ptr<session_sink> s, v1::ClientFrame f);
  boost::asio::awaitable<result<std::string>> customer_of(const session_sink& s);
  boost::asio::awaitable<v1::ServerFrame> send(const session_sink& s, const std::string& request_id,
                                               const v1::SendMessage& m, std::string queue, bool& joined_room,
                                               std::string& conversation);
  boost::asio::awaitable<v1::ServerFrame> resume(std::shared_ptr<session_sink> s, const v1::ClientFrame& f);
  boost::asio::awaitable<v1::ServerFrame> rate(const session_sink& s, const v1::ClientFrame& f);
  boost::asio::awaitable<v1::ServerFrame> presence(const session_sink& s, const v1::ClientFrame& f);
  std::string queue_for_topic(const std::string& topic) const;

  boost::asio::any_io_executor core_;
  store::timeline_repository& timeline_;
  store::identity_repository& identities_;
  hub& rooms_;
  std::vector<std::string> queues_;
  std::unordered_map<const session_sink*, std::string> customers_;  // session → customer id
};

// The Error frame for a store error: retryable ones say "retry" with retry=true.
v1::ServerFrame error_for(const std::string& request_id, const boost::system::error_code& ec);

}  // namespace switchboard::gateway
