#pragma once
// The HTTP API: /healthz, /readyz, POST /v1/visitors (a visitor token for the web widget,
// optionally bound to the site's own user id by the site's HMAC), and for staff (agent, lead or
// admin token): GET /v1/queues, /v1/conversations/{id} (state and events; of the caller's teams),
// /v1/customers/{id}/timeline (admins; leads of a team the customer had a conversation with;
// agents who owned one of their conversations), GET /v1/agents[/{id}] (agents sharing a team with
// the caller; all for admins) and PUT /v1/agents/{id} (a profile; admins, or leads within their own
// teams), GET /v1/reports/kpis (KPIs computed from the timeline events, JSON or CSV, of the
// caller's teams), GET /v1/customers/{id} (the record, for who may read its timeline) and GET
// /v1/canned-replies (the caller's teams'), GET /v1/whatsapp-templates (the config's); /v1/outbox/dead goes to outbox_api, /v1/blobs to blob_api, /v1/customers/{id}/merges to customer_merges. Staff are a bearer token or a sign-in session's cookie
// (session_api; unsafe methods then need X-CSRF-Token). /v1/session and /v1/dev-users go to
// session_api. Answers that need Redis run on the core strand, except reports: they run, from
// their parameters to their rendering, on the report_service's thread and Redis connection, so a
// large report does not hold chat up. Errors are JSON {"code", "message"}; a bad query
// parameter's message starts with its name. No Beast here.
// Thread-safe: handle() may run on any strand.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <atomic>
#include <functional>
#include <vector>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "core/clock.hpp"
#include "core/live_config.hpp"
#include "core/ids.hpp"
#include "gateway/auth/jwt.hpp"
#include "gateway/customer_merges.hpp"
#include "gateway/http_routes.hpp"
#include "gateway/blob_api.hpp"
#include "gateway/outbox_api.hpp"
#include "gateway/session_api.hpp"
#include "gateway/protocol/rate_limiter.hpp"
#include "proto/config.pb.h"
#include "store/agents.hpp"
#include "store/identities.hpp"
#include "store/timeline.hpp"

namespace switchboard::gateway {

class report_service;

class rest_api {
 public:
  // `redis_ready` and the address of `redis` (the primary in use) are read on every /readyz;
  // `timeline` and `agents` run on `core`; `reports` must outlive this.
  rest_api(const v1::Config& cfg, const live_config& live, const clock& clk, id_generator& ids, const std::atomic<bool>& redis_ready,
           const store::redis_client& redis,
           boost::asio::any_io_executor core, store::timeline_repository& timeline, store::agent_repository& agents,
           store::identity_repository& identities, report_service& reports, const session_api& sessions,
           const outbox_api& outbox, const blob_api& blobs);

  void handle(http_request req, http_responder respond) const;

 private:
  using staff_work = std::function<boost::asio::awaitable<http_answer>(jwt_claims)>;

  http_answer visitors_cors(const http_request& req) const;
  http_answer visitors(const http_request& req) const;
  void route(http_request req, const std::string& path, const std::string& query, http_responder respond) const;
  void blob(http_request req, const std::string& path, const std::string& query, http_responder respond) const;
  // Runs `work` on `ex` for the staff member behind the request (a bearer token, or a sign-in
  // session's cookie with X-CSRF-Token on unsafe methods), or answers 401/403.
  void as_staff(const http_request& req, boost::asio::any_io_executor ex, staff_work work, http_responder respond) const;
  // The staff member behind the request's bearer token, or the 401/403 answer.
  bool staff_only(const http_request& req, jwt_claims& who, http_answer& refusal) const;
  boost::asio::awaitable<http_answer> queues() const;
  boost::asio::awaitable<http_answer> whatsapp_templates() const;
  boost::asio::awaitable<http_answer> canned_replies(jwt_claims who) const;
  boost::asio::awaitable<http_answer> customer(jwt_claims who, std::string id) const;
  boost::asio::awaitable<std::optional<http_answer>> may_read_customer(const jwt_claims& who, std::string customer) const;
  boost::asio::awaitable<http_answer> conversation(jwt_claims who, std::string id, std::string query) const;
  boost::asio::awaitable<http_answer> agents(jwt_claims who, std::string id) const;
  boost::asio::awaitable<http_answer> put_agent(jwt_claims who, std::string id, std::string body) const;
  // On the report_service's executor.
  boost::asio::awaitable<http_answer> kpis(jwt_claims who, std::string query) const;
  boost::asio::awaitable<http_answer> timeline(jwt_claims who, std::string customer, std::string query) const;

  v1::AuthConfig auth_;
  std::vector<std::string> allowed_origins_;  // server.allowed_origins: CORS of POST /v1/visitors
  const live_config& live_;  // queues and canned replies, which SIGHUP may replace
  const session_api& sessions_;
  const outbox_api& outbox_;
  const blob_api& blobs_;
  store::identity_repository& identities_;
  jwt_policy policy_;
  std::string templates_json_;  // GET /v1/whatsapp-templates
  boost::asio::any_io_executor core_;
  report_service& reports_;
  store::timeline_repository& timeline_;
  store::agent_repository& agents_;
  const clock& clock_;
  id_generator& ids_;
  const std::atomic<bool>& redis_ready_;
  const store::redis_client& redis_;
  customer_merges merges_;  // /v1/customers/{id}/merges[/{merge}/undo]
  // POST /v1/visitors per client address: auth.visitor_tokens_per_minute_per_address, with bursts
  // of auth.visitor_token_burst; buckets for at most kMintAddresses addresses (keyed_token_buckets
  // says what happens past that). Built from auth_, which is initialised before. Guarded by
  // visitor_mints_mutex_ (handle() runs on any strand).
  static constexpr std::size_t kMintAddresses = 100'000;
  mutable std::mutex visitor_mints_mutex_;
  mutable keyed_token_buckets visitor_mints_{auth_.visitor_tokens_per_minute_per_address() / 60.0,
                                             static_cast<double>(auth_.visitor_token_burst()), kMintAddresses};
};

}  // namespace switchboard::gateway
