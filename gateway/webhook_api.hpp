#pragma once
// The messaging providers' webhooks (docs/CHANNELS.md): /v1/webhooks/{provider}/{account} for
// each account of channels.accounts. GET answers Meta's subscription handshake (hub.challenge
// when hub.verify_token is the account's); POST checks the provider's signature over the raw body
// (missing: 401, wrong: 403, and nothing is parsed), parses it (not the provider's webhook: 400),
// then stores each customer's message through conversation::inbox::ingest, in order, with the
// provider's message id as its idempotency key: a provider's retry is stored once. 200 once every
// message is stored; Redis failing: 503 with Retry-After, so the provider sends it all again (the
// ones stored already are then duplicates). A provider's status of a reply we sent (delivered,
// read, failed) becomes a `delivery` event of its conversation, only ever forward. What is understood and not stored (statuses, echoes,
// reactions, ...) is counted, in the answer and in counts(). Each attachment of a stored message
// (a provider's reference) becomes a job for the media fetcher (outbox/media_fetcher.hpp), added
// after the message is stored and again for a provider's retry of it (a 503 if Redis refuses the
// job: the retry adds it then). No Beast here.
// Thread-safe: handle() may run on any strand; the storing runs on the core strand.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "channels/update.hpp"
#include "conversation/context.hpp"
#include "conversation/inbox.hpp"
#include "gateway/http_routes.hpp"
#include "proto/config.pb.h"
#include "store/deliveries.hpp"
#include "store/media_jobs.hpp"

namespace switchboard::gateway {

class webhook_api {
 public:
  webhook_api(const v1::Config& cfg, const live_config& live, boost::asio::any_io_executor core, store::redis_client& redis,
              const store::key_layout& keys, store::timeline_repository& timeline, store::identity_repository& identities,
              store::agent_repository& agents);

  // Whether `req` is for /v1/webhooks/; then it is answered through `respond`.
  bool handle(http_request& req, http_responder& respond);

  // Updates seen since start, by "provider kind" ("whatsapp message", "messenger echo", ...).
  std::map<std::string, long> counts() const;

 private:
  struct parsed {
    std::optional<http_answer> refusal;  // the answer when it is not taken
    channels::parsed_webhook webhook;
  };
  parsed verify_and_parse(const v1::ChannelAccount& account, const http_request& req) const;
  http_answer handshake(const v1::ChannelAccount& account, const http_request& req) const;
  boost::asio::awaitable<http_answer> store(v1::ChannelAccount account, channels::parsed_webhook webhook,
                                            std::string request_id);
  // A provider's status of a reply we sent: a delivery event, forward only. False: Redis failed.
  boost::asio::awaitable<bool> status(const channels::status_update& s, std::map<std::string, int>& skipped);
  // A reaction, edit or deletion: a messageChange event beside the message it is about (found by
  // its provider id among the customer's messages and our replies). False: Redis failed.
  boost::asio::awaitable<bool> change(const channels::message_change& c, std::map<std::string, int>& skipped);
  // A read watermark: every reply sent to that address up to it is READ. False: Redis failed.
  boost::asio::awaitable<bool> read_up_to(const channels::read_watermark& w, std::map<std::string, int>& skipped);
  void count(const std::string& provider, const std::map<std::string, int>& kinds, int messages);
  // The fetch of each attachment of a stored message. False: Redis failed.
  boost::asio::awaitable<bool> fetch_media(const v1::ChannelAccount& account, const channels::inbound_message& m,
                                           const conversation::outcome& stored);

  std::vector<v1::ChannelAccount> accounts_;
  std::string public_url_;
  std::size_t max_body_;
  boost::asio::any_io_executor core_;
  conversation::context ctx_;
  conversation::inbox inbox_;
  store::timeline_repository& timeline_;
  store::delivery_repository deliveries_;
  store::redis_client& redis_;
  const store::key_layout& keys_;
  mutable std::mutex counts_mutex_;
  std::map<std::string, long> counts_;
};

}  // namespace switchboard::gateway
