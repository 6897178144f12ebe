#pragma once
// The outbox role (ARCHITECTURE §4.7): replies to customers on messaging channels leave here. The
// append that stores a reply also adds it to its shard group's outbox stream (store/lua/
// append.lua); this service reads the G streams with a consumer group, sends each reply with the
// provider's API (channels/outgoing.hpp over net/https_client), and records what became of it as
// a `delivery` event of the conversation (SENT with the provider's id, or FAILED with its reason)
// before acknowledging the entry. Replies of one conversation go out in order, one at a time;
// conversations go out side by side. A failure that may pass (429, 5xx, a timeout) is tried
// again after a capped, jittered wait (at least what the provider asked), up to
// channels.send_attempts; a refusal (4xx) or the last failure is FAILED, and the entry goes to
// the dead letters (store/dead_letters.hpp) that leads see and may send again: that appends a
// QUEUED delivery event, which puts the reply back in the outbox stream. Each account sends at
// most channels.accounts[].sends_per_second. An entry left pending by a stopped or crashed
// process is taken over once it has been idle for claim_idle (XAUTOCLAIM): nothing is lost; a
// reply whose send was under way when its process died may go out twice (no provider here
// offers an idempotency key on its send API).
// A reply with attachments is several calls on most providers (channels/outgoing.hpp): they go in
// order, each retried alone; the delivery event names the last one's id.
// Not thread-safe: runs on one executor with its own two Redis connections (one blocks reading).

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>

#include "core/clock.hpp"
#include "core/ids.hpp"
#include "core/metrics.hpp"
#include "media/blob_store.hpp"
#include "net/https_client.hpp"
#include "outbox/mail_sender.hpp"
#include "outbox/retry_policy.hpp"
#include "proto/config.pb.h"
#include "store/dead_letters.hpp"
#include "store/deliveries.hpp"
#include "store/keys.hpp"
#include "store/group_streams.hpp"
#include "store/redis_client.hpp"
#include "store/timeline.hpp"

namespace switchboard::outbox {

struct options {
  std::string instance;                               // this consumer's name (unique per process)
  std::chrono::milliseconds block{1000};              // the longest blocking read
  std::chrono::milliseconds claim_idle{30000};        // pending this long elsewhere: taken over
  std::size_t max_in_flight = 32;                     // conversations being sent to at once
  // Where its figures go (switchboard_outbox_*, docs/OPERATIONS.md); none: discarded.
  metrics::registry* metrics = nullptr;
};

class service {
 public:
  service(boost::asio::any_io_executor ex, store::redis_client& reader, store::redis_client& writer,
          const store::key_layout& keys, id_generator& ids, const clock& clk, const v1::Config& cfg, media::blob_store& blobs,
          options o);
  ~service();
  void start();
  // Stops reading; sends under way finish (their entries stay pending otherwise); then `done`.
  void stop(std::function<void()> done);

 private:
  struct job {
    std::string stream;
    std::string entry;
    std::string conversation;
    std::string customer;
    std::string channel;
    std::string address;  // the customer's on the channel, once read
    std::int64_t seq = 0;
    int attempts = 0;
    // The outcome to record, once known (kept if the recording itself must be retried).
    bool decided = false;
    bool sent = false;
    std::string provider_message_id;
    std::string reason;
    // A reply with attachments may take several calls (channels::send_calls): those done, and the
    // provider's id of each (its statuses may name any).
    std::size_t parts_sent = 0;
    std::vector<std::string> part_ids;
  };
  struct account_state {
    v1::ChannelAccount config;
    pacer pace;
  };

  boost::asio::awaitable<void> read_loop();
  boost::asio::awaitable<void> dispatch_loop();
  boost::asio::awaitable<void> ensure_groups();
  boost::asio::awaitable<void> claim();
  void take(const std::string& stream, const store::reply& entry);
  boost::asio::awaitable<void> attempt(std::string conversation);
  // Sends the head job once: decides it (sent, or failed for good) or leaves it to retry.
  boost::asio::awaitable<void> send(job& j);
  // The provider's answer to one part of j's reply (of `parts`): decided, the next part, or a retry.
  void settle(job& j, const channels::send_answer& answer, std::size_t parts);
  boost::asio::awaitable<bool> record(job& j);
  void due(const std::string& conversation, std::chrono::steady_clock::time_point at);
  // A job recorded and acknowledged: counted sent or failed by channel, its lag observed.
  void count_done(const job& j);
  boost::asio::awaitable<void> sleep_for(std::chrono::milliseconds d);

  boost::asio::any_io_executor ex_;
  store::redis_client& reader_;
  store::redis_client& writer_;
  const store::key_layout& keys_;
  const clock& clk_;
  store::timeline_repository timeline_;
  store::delivery_repository deliveries_;
  store::dead_letter_repository dead_;
  net::https_client https_;
  mail_sender mail_;  // email: to channels.email.relay
  options opts_;
  metrics::registry& metrics_;
  metrics::gauge& queued_;  // jobs held by this process
  metrics::histogram& lag_;
  std::string public_url_;
  int send_attempts_;
  std::chrono::milliseconds max_delay_;
  std::map<std::string, account_state> accounts_;  // "provider/id" →
  std::vector<std::string> streams_;
  std::unique_ptr<store::group_streams> streams_reader_;  // reads them, one by one, as their bells ring
  std::map<std::string, std::deque<job>> queues_;  // per conversation, in order
  std::multimap<std::chrono::steady_clock::time_point, std::string> due_;
  std::set<std::string> running_;
  std::set<std::string> known_;  // "<stream> <entry id>" of the entries queued here
  boost::asio::steady_timer wake_;
  boost::asio::steady_timer pause_;
  std::mt19937_64 random_;
  bool stopping_ = false;
  int loops_ = 0;
  std::function<void()> on_stopped_;
};

}  // namespace switchboard::outbox
