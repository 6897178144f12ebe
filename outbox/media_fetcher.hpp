#pragma once
// The outbox role's other half: customers' attachments from the messaging providers, fetched into
// the blob store (docs/CHANNELS.md, "Media"). The webhook stores a message with the provider's
// references and adds a job per attachment (store/media_jobs.hpp); this reads them with a
// consumer group, fetches each the way its provider says (channels/media_fetch.hpp, redirects
// followed), refuses a type not in media.allowed_types or a size over media.max_bytes, keeps the
// bytes (media/blob_store.hpp) and appends a `mediaStored` event beside the message — the stored
// copy, or why there is none — before acknowledging the job. A failure that may pass (no answer,
// 429, 5xx) is tried again after a capped, jittered wait, up to media.fetch_attempts. A job left
// pending by a stopped process, or whose record Redis refused, is taken over after claim_idle.
// Not thread-safe: runs on one executor with its own reading connection.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "channels/media_fetch.hpp"
#include "core/clock.hpp"
#include "core/ids.hpp"
#include "media/blob_store.hpp"
#include "net/https_client.hpp"
#include "proto/config.pb.h"
#include "store/keys.hpp"
#include "store/media_jobs.hpp"
#include "store/redis_client.hpp"
#include "store/timeline.hpp"

namespace switchboard::outbox {

struct fetch_options {
  std::string instance;                         // this consumer's name (unique per process)
  std::chrono::milliseconds block{1000};        // the longest blocking read
  std::chrono::milliseconds claim_idle{30000};  // pending this long: taken over
  std::size_t max_in_flight = 4;                // attachments fetched at once
  std::chrono::milliseconds timeout{60000};     // one request of a fetch
};

class media_fetcher {
 public:
  media_fetcher(boost::asio::any_io_executor ex, store::redis_client& reader, store::redis_client& writer,
                const store::key_layout& keys, id_generator& ids, const clock& clk, const v1::Config& cfg,
                media::blob_store& blobs, fetch_options o);
  ~media_fetcher();
  void start();
  // Stops reading; fetches under way finish (their jobs stay pending otherwise); then `done`.
  void stop(std::function<void()> done);

  // What one fetch came to: the bytes and their type, or why not (and whether trying again may help).
  struct fetched {
    std::string bytes;
    std::string content_type;
    std::string error;
    bool may_pass = false;
    std::chrono::milliseconds asked{0};  // the provider's Retry-After
  };

 private:
  boost::asio::awaitable<void> read_loop();
  boost::asio::awaitable<void> claim();
  void take(const store::reply& entry);
  boost::asio::awaitable<void> run(std::string entry, store::media_job job);
  boost::asio::awaitable<fetched> fetch(const v1::ChannelAccount& account, const store::media_job& job);
  boost::asio::awaitable<net::https_reply> get(channels::outgoing_call call);
  boost::asio::awaitable<bool> record(const store::media_job& job, const fetched& f);
  void finished();

  boost::asio::any_io_executor ex_;
  store::redis_client& reader_;
  store::redis_client& writer_;
  const store::key_layout& keys_;
  store::timeline_repository timeline_;
  media::blob_store& blobs_;
  net::https_client https_;
  fetch_options opts_;
  std::string secret_;
  std::int64_t max_bytes_;
  std::vector<std::string> allowed_;
  int attempts_;
  std::chrono::milliseconds max_delay_;
  std::map<std::string, v1::ChannelAccount> accounts_;  // "provider/id" →
  std::set<std::string> running_;                       // entry ids being fetched here
  std::set<boost::asio::steady_timer*> waiting_;        // fetches waiting to try again (stop cuts them short)
  boost::asio::steady_timer slot_;                      // a free slot wakes the reader
  std::mt19937_64 random_;
  bool stopping_ = false;
  bool reading_ = false;
  std::function<void()> on_stopped_;
};

}  // namespace switchboard::outbox
