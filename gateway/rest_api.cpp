#include "gateway/rest_api.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/url/parse_query.hpp>
#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <charconv>
#include <optional>

#include "core/config.hpp"
#include "core/password.hpp"
#include "gateway/conversation_service.hpp"
#include "gateway/customer_merges.hpp"
#include "gateway/http_json.hpp"
#include "gateway/report_service.hpp"
#include "reports/kpi.hpp"
#include "store/merged_timeline.hpp"

namespace switchboard::gateway {

namespace json = boost::json;
namespace asio = boost::asio;

namespace {

constexpr std::size_t kMaxPage = 1000;

constexpr std::string_view kPageRule = "must be a whole number from 1 to 1000";

}  // namespace

rest_api::rest_api(const v1::Config& cfg, const live_config& live, const clock& clk, id_generator& ids, const std::atomic<bool>& redis_ready,
                   const store::redis_client& redis,
                   asio::any_io_executor core, store::timeline_repository& timeline, store::agent_repository& agents,
                   store::identity_repository& identities, report_service& reports, const session_api& sessions,
                   const outbox_api& outbox, const blob_api& blobs)
    : auth_(cfg.auth()),
      allowed_origins_(cfg.server().allowed_origins().begin(), cfg.server().allowed_origins().end()),
      live_(live),
      sessions_(sessions),
      outbox_(outbox),
      blobs_(blobs),
      identities_(identities),
      core_(std::move(core)),
      reports_(reports),
      timeline_(timeline),
      agents_(agents),
      clock_(clk),
      ids_(ids),
      redis_ready_(redis_ready),
      redis_(redis),
      merges_(identities, timeline) {
  for (const auto& k : auth_.keys()) policy_.keys.push_back({k.kid(), k.secret()});
  policy_.issuer = auth_.issuer();
  policy_.audience = auth_.audience();
  policy_.leeway_seconds = auth_.leeway_seconds();
  templates_json_ = "{\"templates\":[";
  const auto& templates = cfg.channels().whatsapp_templates();
  for (int i = 0; i < templates.size(); ++i) templates_json_ += (i ? "," : "") + proto_json(templates[i]);
  templates_json_ += "]}";
}

bool rest_api::staff_only(const http_request& req, jwt_claims& who, http_answer& refusal) const {
  if (req.authorization.rfind("Bearer ", 0) != 0) {
    refusal = json_error(401, "unauthorized", "an Authorization: Bearer token or a sign-in session is required");
    return false;
  }
  const auto v = verify_jwt(std::string_view(req.authorization).substr(7), policy_, clock_.unix_ms() / 1000);
  if (!v.ok) {
    refusal = json_error(401, "unauthorized", to_string(v.error));
    return false;
  }
  if (v.claims.role != "agent" && v.claims.role != "lead" && v.claims.role != "admin") {
    refusal = json_error(403, "forbidden", "staff only");
    return false;
  }
  who = v.claims;
  return true;
}

void rest_api::handle(http_request req, http_responder respond) const {
  const auto q = req.target.find('?');
  const std::string path = req.target.substr(0, q);
  const std::string query = q == std::string::npos ? std::string() : req.target.substr(q + 1);
  if (path == "/healthz" || path == "/readyz") {
    return respond(health_answer(path, req.method, redis_ready_.load(), redis_.address()));
  }
  if (path == "/v1/visitors") return respond(visitors_cors(req));
  if (session_api::serves(path)) return sessions_.handle(std::move(req), std::move(respond));
  route(std::move(req), path, query, std::move(respond));
}

// The staff routes: which one, checked before anyone is authenticated (404 and 405 first).
void rest_api::route(http_request req, const std::string& path, const std::string& query, http_responder respond) const {
  constexpr std::string_view conv_prefix = "/v1/conversations/", cust_prefix = "/v1/customers/",
                             agent_prefix = "/v1/agents/";
  const bool is_queues = path == "/v1/queues";
  const bool is_canned = path == "/v1/canned-replies";
  const bool is_templates = path == "/v1/whatsapp-templates";
  const bool is_conv = path.rfind(conv_prefix, 0) == 0 && path.size() > conv_prefix.size();
  const bool is_timeline = path.rfind(cust_prefix, 0) == 0 && path.size() > cust_prefix.size() + 9 &&
                           path.ends_with("/timeline");
  const bool is_customer = path.rfind(cust_prefix, 0) == 0 && path.size() > cust_prefix.size() &&
                           path.find('/', cust_prefix.size()) == std::string::npos;
  const bool is_agents = path == "/v1/agents";
  const bool is_kpis = path == "/v1/reports/kpis";
  const bool is_agent = path.rfind(agent_prefix, 0) == 0 && path.size() > agent_prefix.size() &&
                        path.find('/', agent_prefix.size()) == std::string::npos;
  if (outbox_api::serves(path)) {
    const auto method = outbox_api::method_of(path);
    if (req.method != method) return respond(json_error(405, "method_not_allowed", "use " + std::string(method)));
    staff_work work = [this, path, query](jwt_claims who) { return outbox_.handle(std::move(who), path, query); };
    return as_staff(req, core_, std::move(work), std::move(respond));
  }
  if (blob_api::serves(path)) return blob(std::move(req), path, query, std::move(respond));
  if (customer_merges::serves(path)) {
    if (!customer_merges::allows(path, req.method)) return respond(json_error(405, "method_not_allowed", "use " + std::string(customer_merges::methods_of(path))));
    staff_work work = [this, path, method = req.method, body = req.body](jwt_claims who) { return merges_.handle(std::move(who), method, path, body); };
    return as_staff(req, core_, std::move(work), std::move(respond));
  }
  if (!is_queues && !is_templates && !is_canned && !is_conv && !is_timeline && !is_customer && !is_agents && !is_agent && !is_kpis) {
    return respond(json_error(404, "not_found", "no such resource"));
  }
  const bool put = is_agent && req.method == "PUT";
  if (req.method != "GET" && !put) return respond(json_error(405, "method_not_allowed", is_agent ? "use GET or PUT" : "use GET"));
  if (!query.empty() && !boost::urls::parse_query(query)) {
    return respond(json_error(400, "bad_request", "query: not a valid query string (RFC 3986)"));
  }
  staff_work work;
  if (is_queues) work = [this](jwt_claims) { return queues(); };
  else if (is_templates) work = [this](jwt_claims) { return whatsapp_templates(); };
  else if (is_canned) work = [this](jwt_claims who) { return canned_replies(std::move(who)); };
  else if (is_conv) work = [this, id = path.substr(conv_prefix.size()), query](jwt_claims who) { return conversation(std::move(who), id, query); };
  else if (is_timeline) work = [this, id = path.substr(cust_prefix.size(), path.size() - cust_prefix.size() - 9), query](jwt_claims who) { return timeline(std::move(who), id, query); };
  else if (is_customer) work = [this, id = path.substr(cust_prefix.size())](jwt_claims who) { return customer(std::move(who), id); };
  else if (is_kpis) work = [this, query](jwt_claims who) { return kpis(std::move(who), query); };
  else if (put) work = [this, id = path.substr(agent_prefix.size()), body = req.body](jwt_claims who) { return put_agent(std::move(who), id, body); };
  else work = [this, id = is_agents ? std::string() : path.substr(agent_prefix.size())](jwt_claims who) { return agents(std::move(who), id); };
  // Reports on their own thread (and Redis connection); everything else on the core strand.
  as_staff(req, is_kpis ? reports_.executor() : core_, std::move(work), std::move(respond));
}

// Files: an upload is a staff member's (on the core strand); a download needs only its signed URL.
void rest_api::blob(http_request req, const std::string& path, const std::string& query, http_responder respond) const {
  if (path == "/v1/blobs") {
    if (req.method != "POST") return respond(json_error(405, "method_not_allowed", "use POST"));
    staff_work work = [this, query, type = req.content_type, body = std::move(req.body)](jwt_claims who) mutable {
      return blobs_.upload(std::move(who), query, type, std::move(body));
    };
    return as_staff(req, core_, std::move(work), std::move(respond));
  }
  if (req.method != "GET") return respond(json_error(405, "method_not_allowed", "use GET"));
  asio::co_spawn(core_, blobs_.download(req.target), [respond](std::exception_ptr e, http_answer a) {
    respond(e ? json_error(500, "internal", "unexpected failure") : std::move(a));
  });
}

// Who is asking: a bearer token is checked at once; a session cookie is looked up on the core
// strand (and an unsafe method must carry its CSRF token). Then `work` runs on `ex`.
void rest_api::as_staff(const http_request& req, asio::any_io_executor ex, staff_work work, http_responder respond) const {
  auto run = [ex = std::move(ex), work = std::move(work), respond](jwt_claims who) {
    asio::co_spawn(ex, work(std::move(who)), [respond](std::exception_ptr e, http_answer a) {
      respond(e ? json_error(500, "internal", "unexpected failure") : std::move(a));
    });
  };
  if (req.authorization.rfind("Bearer ", 0) == 0 || session_cookie(req.cookie).empty()) {
    http_answer refusal;
    jwt_claims who;
    if (!staff_only(req, who, refusal)) return respond(std::move(refusal));
    return run(std::move(who));
  }
  const bool unsafe = req.method != "GET" && req.method != "HEAD";
  sessions_.authenticate(req.cookie, [run = std::move(run), respond, unsafe, csrf = req.csrf_token](
                                         result<store::web_session> s) {
    if (!s && s.error() == errc::not_found) return respond(json_error(401, "unauthorized", "not signed in"));
    if (!s) return respond(json_error(503, "retry", "storage is unavailable; try again"));
    if (unsafe && !constant_time_equal(csrf, s->csrf)) {
      return respond(json_error(403, "csrf", "X-CSRF-Token is missing or wrong"));
    }
    jwt_claims who;
    who.sub = s->user;
    who.role = s->role;
    who.teams = s->teams;
    run(std::move(who));
  });
}

asio::awaitable<http_answer> rest_api::queues() const {
  const auto& qs = live_.current().config.queues();
  std::string out = "{\"queues\":[";
  for (int i = 0; i < qs.size(); ++i) out += (i ? "," : "") + proto_json(qs[i]);
  co_return json_ok(out + "]}");
}

asio::awaitable<http_answer> rest_api::whatsapp_templates() const { co_return json_ok(templates_json_); }

namespace {

bool shares_team(const jwt_claims& who, const v1::Agent& a) {
  if (who.role == "admin" || who.sub == a.id()) return true;
  for (const auto& t : a.teams()) {
    if (std::find(who.teams.begin(), who.teams.end(), t) != who.teams.end()) return true;
  }
  return false;
}

std::string agent_json(const store::agent_record& r) {
  std::string j = proto_json(r.agent);
  return "{\"connections\":" + std::to_string(r.connections) + (j.size() > 2 ? "," : "") + j.substr(1);
}

}  // namespace

// GET /v1/agents → {"agents": [{"connections": n, "id": ..., "skills": ..., "status": ...}, ...]}
// GET /v1/agents/{id} → one of them. Agents outside the caller's teams are "not found".
asio::awaitable<http_answer> rest_api::agents(jwt_claims who, std::string id) const {
  if (!id.empty()) {
    auto a = co_await agents_.get(id);
    if (!a) co_return store_error(a.error());
    if (!shares_team(who, a->agent)) co_return store_error(errc::not_found);
    co_return json_ok(agent_json(*a));
  }
  auto all = co_await agents_.list();
  if (!all) co_return store_error(all.error());
  std::string body = "{\"agents\":[";
  bool first = true;
  for (const auto& a : *all) {
    if (!shares_team(who, a.agent)) continue;
    body += (first ? "" : ",") + agent_json(a);
    first = false;
  }
  co_return json_ok(body + "]}");
}

// PUT /v1/agents/{id} with an Agent in JSON ({"displayName", "skills", "teams", "capacity"}):
// the agent's profile from now on (the router hears of it at once).
asio::awaitable<http_answer> rest_api::put_agent(jwt_claims who, std::string id, std::string body) const {
  if (who.role != "admin" && who.role != "lead") co_return json_error(403, "forbidden", "admins and leads only");
  v1::Agent a;
  google::protobuf::util::JsonParseOptions opts;
  opts.ignore_unknown_fields = false;
  if (auto st = google::protobuf::util::JsonStringToMessage(body, &a, opts); !st.ok()) {
    co_return json_error(400, "bad_request", "the body must be an Agent in JSON: " + std::string(st.message()));
  }
  if (!a.id().empty() && a.id() != id) co_return json_error(400, "bad_request", "the body's id differs from the path's");
  a.set_id(id);
  if (who.role == "lead") {
    // An existing agent of another team is not the lead's to change ("not found", no leak).
    auto existing = co_await agents_.get(id);
    if (existing && !shares_team(who, existing->agent)) co_return store_error(errc::not_found);
    if (!existing && existing.error() != errc::not_found) co_return store_error(existing.error());
    for (const auto& t : a.teams()) {
      if (std::find(who.teams.begin(), who.teams.end(), t) == who.teams.end()) {
        co_return json_error(403, "forbidden", "a lead may only place agents in their own teams ('" + t + "')");
      }
    }
  }
  google::protobuf::RepeatedPtrField<v1::Agent> one;
  *one.Add() = a;
  try {
    validate_agents(one, "agent");
  } catch (const config_error& e) {
    co_return json_error(400, "bad_request", e.what());
  }
  auto r = co_await agents_.put_profile(std::move(a));
  if (!r) co_return store_error(r.error());
  co_return json_ok(agent_json(*r));
}

// GET /v1/conversations/{id}?after_seq=N&limit=M → {"conversation": {...}, "events": [...]}
asio::awaitable<http_answer> rest_api::conversation(jwt_claims who, std::string id, std::string query) const {
  std::int64_t after = 0, limit = 100;
  if (!parse_count(param(query, "after_seq", "0"), after)) co_return bad_param("after_seq", "must be a whole number >= 0");
  if (!parse_count(param(query, "limit", "100"), limit) || limit == 0 || limit > static_cast<std::int64_t>(kMaxPage)) {
    co_return bad_param("limit", kPageRule);
  }
  auto conv = co_await timeline_.conversation(id);
  if (!conv) co_return store_error(conv.error());
  if (!staff_may_read(principal_of(who), *conv)) co_return store_error(errc::not_found);  // no existence leak
  auto events = co_await timeline_.read_conversation(id, after, static_cast<std::size_t>(limit));
  if (!events) co_return store_error(events.error());
  std::string body = "{\"conversation\":" + proto_json(*conv) + ",\"events\":[";
  for (std::size_t i = 0; i < events->size(); ++i) body += (i ? "," : "") + proto_json((*events)[i]);
  co_return json_ok(body + "]}");
}

// GET /v1/customers/{id}/timeline?after=<entry id>&limit=M → {"events": [...], "nextAfter": "..."}
// Admins read every customer's; a lead, a customer with a conversation (now or ever) of one of their
// teams or that they owned; an agent, a customer whose conversation they owned at some point
// (accepted, assigned, took over). Anyone else, and any unknown customer: 404 not_found, so that the
// answer leaks nothing about who exists. One round trip for the check.
// Whether `who` may read a customer's timeline and record: nothing if so, else the answer (404 for
// anyone without access, as for a customer that does not exist).
asio::awaitable<std::optional<http_answer>> rest_api::may_read_customer(const jwt_claims& who, std::string customer) const {
  return refuse_unless_reader(timeline_, who, std::move(customer));
}

asio::awaitable<http_answer> rest_api::timeline(jwt_claims who, std::string customer, std::string query) const {
  std::int64_t limit = 100;
  if (!parse_count(param(query, "limit", "100"), limit) || limit == 0 || limit > static_cast<std::int64_t>(kMaxPage)) {
    co_return bad_param("limit", kPageRule);
  }
  const std::string after = param(query, "after");
  if (!store::parse_timeline_cursor(after)) {
    co_return bad_param("after", "must be a page's nextAfter, like 1717000000000-0 or 1717000000000-0~<customer id>");
  }
  if (auto refused = co_await may_read_customer(who, customer)) co_return std::move(*refused);
  auto page = co_await timeline_.read_timeline(customer, after, static_cast<std::size_t>(limit));
  if (!page) co_return store_error(page.error());
  std::string body = "{\"events\":[";
  for (std::size_t i = 0; i < page->events.size(); ++i) body += (i ? "," : "") + proto_json(page->events[i]);
  co_return json_ok(body + "],\"nextAfter\":" + json::serialize(json::string(page->next_after)) + "}");
}

// GET /v1/customers/{id} → {"customer": {"id", "createdAtMs", "displayName", "attributes",
// "identities"}}: who may read the customer's timeline may read this.
asio::awaitable<http_answer> rest_api::customer(jwt_claims who, std::string id) const {
  if (auto refused = co_await may_read_customer(who, id)) co_return std::move(*refused);
  auto c = co_await identities_.customer(id);
  if (!c) co_return store_error(c.error());
  co_return json_ok("{\"customer\":" + proto_json(*c) + "}");
}

// GET /v1/canned-replies → {"replies": [{"id", "team", "title", "body"}]}: those of the caller's
// teams and those of every team (all for an admin).
asio::awaitable<http_answer> rest_api::canned_replies(jwt_claims who) const {
  json::array out;
  for (const auto& r : live_.current().config.canned_replies()) {
    const bool mine = r.team().empty() || who.role == "admin" ||
                      std::find(who.teams.begin(), who.teams.end(), r.team()) != who.teams.end();
    if (!mine) continue;
    out.emplace_back(json::object{{"id", r.id()}, {"team", r.team()}, {"title", r.title()}, {"body", r.body()}});
  }
  co_return json_ok(json::serialize(json::object{{"replies", std::move(out)}}));
}

namespace {

// GET /v1/reports/kpis's parameters, checked: the period, the dimension, the interval, the format.
struct kpi_params {
  kpi_query q;
  std::string by = "all", interval = "day", format = "json";
};

// Bounded per request: at most 400 days and 3000 intervals; `to` defaults to now and `from` to the
// longest period allowed. A bad parameter gives its 400 answer.
std::optional<http_answer> parse_kpi_params(const std::string& query, std::int64_t now_ms, kpi_params& out) {
  constexpr std::int64_t kMaxPeriodMs = 400LL * 86'400'000;
  constexpr std::int64_t kMaxIntervals = 3000;
  out.interval = param(query, "interval", "day");
  const std::int64_t interval_ms = out.interval == "15m" ? 900'000 : out.interval == "hour" ? 3'600'000
                                   : out.interval == "day" ? 86'400'000 : 0;
  if (interval_ms == 0) return bad_param("interval", "must be one of 15m, hour, day");
  std::int64_t from = 0, to = 0;
  if (!parse_count(param(query, "to", std::to_string(now_ms + 1)), to)) return bad_param("to", "must be Unix milliseconds");
  if (const std::string f = param(query, "from"); f.empty()) {
    from = std::max<std::int64_t>(0, to - std::min(kMaxPeriodMs, kMaxIntervals * interval_ms));
  } else if (!parse_count(f, from)) {
    return bad_param("from", "must be Unix milliseconds");
  }
  if (to <= from) return bad_param("to", "must be after from");
  if (to - from > kMaxPeriodMs) return bad_param("to", "at most 400 days after from: ask for a shorter period");
  if (const std::int64_t n = (to - from + interval_ms - 1) / interval_ms; n > kMaxIntervals) {
    return bad_param("interval", "at most 3000 intervals per request (" + std::to_string(n) +
                                     " asked): ask for a longer interval or a shorter period");
  }
  out.by = param(query, "by", "all");
  if (!reports::dimension_from_name(out.by, out.q.by)) return bad_param("by", "must be one of all, queue, agent, team, channel");
  out.format = param(query, "format", "json");
  if (out.format != "json" && out.format != "csv") return bad_param("format", "must be json or csv");
  out.q.from_ms = from;
  out.q.to_ms = to;
  out.q.interval_ms = interval_ms;
  return std::nullopt;
}

// What the caller may count: the conversations they may read, the agents who share a team with
// them, and (by team) their own teams (every team for an admin).
report_access access_of(const jwt_claims& who) {
  report_access a;
  a.may_read = [p = principal_of(who)](const v1::Conversation& c) { return staff_may_read(p, c); };
  a.may_see = [who](const v1::Agent& agent) { return shares_team(who, agent); };
  a.has_team = [who](const std::string& t) {
    return who.role == "admin" || std::find(who.teams.begin(), who.teams.end(), t) != who.teams.end();
  };
  return a;
}

http_answer render_kpis(const kpi_params& p, const std::vector<reports::kpi_row>& rows) {
  if (p.format == "csv") {
    http_answer a;
    a.content_type = "text/csv";
    a.body = reports::to_csv(rows);
    return a;
  }
  return json_ok("{\"from\":" + std::to_string(p.q.from_ms) + ",\"to\":" + std::to_string(p.q.to_ms) + ",\"by\":\"" +
                 p.by + "\",\"interval\":\"" + p.interval + "\",\"rows\":" + reports::to_json(rows) + "}");
}

}  // namespace

// GET /v1/reports/kpis?from=<unix ms>&to=<unix ms>&by=all|queue|agent|team|channel
//     &interval=15m|hour|day&format=json|csv
// → {"from", "to", "by", "interval", "rows": [{"key", "start", "conversations", "serviceLevel", ...}]}
// (CSV: the same columns) over the conversations created in [from, to) that the caller may read
// (their teams'). Runs on the report_service's thread, whose Redis connection reads the period in
// pipelined batches; at most report_service::kMaxConversations conversations in the period (400
// too_many) and kMaxReports reports at once (503 busy, Retry-After).
asio::awaitable<http_answer> rest_api::kpis(jwt_claims who, std::string query) const {
  kpi_params p;
  if (auto bad = parse_kpi_params(query, clock_.unix_ms(), p)) co_return std::move(*bad);
  auto report = co_await reports_.kpis(p.q, access_of(who));
  if (!report) co_return store_error(report.error());
  if (report->what == kpi_outcome::status::too_many) {
    co_return json_error(400, "too_many", "more than " + std::to_string(report_service::kMaxConversations) +
                                              " conversations in the period: ask for a shorter one");
  }
  if (report->what == kpi_outcome::status::busy) {
    auto a = json_error(503, "busy", "reports are busy (" + std::to_string(report_service::kMaxReports) +
                                         " at once): retry in a few seconds");
    a.headers.emplace_back("Retry-After", "5");
    co_return a;
  }
  co_return render_kpis(p, report->rows);
}

// POST /v1/visitors [{"userId": "...", "userHash": "<hex HMAC-SHA256(identity_secret, userId)>"}]
// → {"token": "...", "visitorId": "...", "expiresAt": <unix s>}
// CORS for the widget on other sites: a preflight (OPTIONS) is answered, and the answer names the
// site's origin when server.allowed_origins allows it (any, when the list is empty).
http_answer rest_api::visitors_cors(const http_request& req) const {
  const bool allowed = !req.origin.empty() && (allowed_origins_.empty() || std::find(allowed_origins_.begin(),
                                                                                     allowed_origins_.end(),
                                                                                     req.origin) != allowed_origins_.end());
  http_answer a;
  if (req.method == "OPTIONS") {
    a.status = 204;
    a.headers.emplace_back("Access-Control-Allow-Methods", "POST");
    a.headers.emplace_back("Access-Control-Allow-Headers", "Content-Type");
    a.headers.emplace_back("Access-Control-Max-Age", "600");
  } else if (req.method != "POST") {
    a = json_error(405, "method_not_allowed", "use POST");
  } else {
    a = visitors(req);
  }
  if (allowed) a.headers.emplace_back("Access-Control-Allow-Origin", req.origin);
  a.headers.emplace_back("Vary", "Origin");
  return a;
}

http_answer rest_api::visitors(const http_request& req) const {
  // Counted per client address before anything else: a refused request (a guessed userHash) too.
  keyed_token_buckets::verdict minted;
  {
    std::lock_guard lock(visitor_mints_mutex_);
    minted = visitor_mints_.take(req.peer_address, clock_.steady());
  }
  if (!minted.ok) {
    const auto seconds = std::max<std::int64_t>(1, (minted.retry_after.count() + 999) / 1000);
    auto a = json_error(429, "too_many_requests",
                        "too many visitor tokens from this address; retry in " + std::to_string(seconds) + " s");
    a.headers.emplace_back("Retry-After", std::to_string(seconds));
    return a;
  }
  if (auth_.keys_size() == 0) return json_error(503, "no_keys", "auth.keys is empty: visitor tokens cannot be signed");
  std::string user_id, user_hash_hex;
  if (!req.body.empty()) {
    boost::system::error_code ec;
    json::value v = json::parse(req.body, ec);
    if (ec || !v.is_object()) return json_error(400, "bad_request", "the body must be a JSON object");
    const auto& o = v.as_object();
    for (const auto& [k, val] : o) {
      if (k != "userId" && k != "userHash") return json_error(400, "bad_request", "unknown field '" + std::string(k) + "'");
      if (!val.is_string()) return json_error(400, "bad_request", "'" + std::string(k) + "' must be a string");
    }
    if (auto it = o.find("userId"); it != o.end()) user_id = std::string(it->value().as_string());
    if (auto it = o.find("userHash"); it != o.end()) user_hash_hex = std::string(it->value().as_string());
  }
  jwt_claims c;
  if (!user_id.empty()) {
    if (auth_.identity_secret().empty()) {
      return json_error(403, "forbidden", "this server does not accept site user ids (auth.identity_secret is unset)");
    }
    if (!user_hash_matches(auth_.identity_secret(), user_id, user_hash_hex)) {
      return json_error(403, "forbidden", "userHash does not match userId");
    }
    c.sub = "user:" + user_id;  // the same site user on any device is one identity
    c.user_id = user_id;
  } else if (!user_hash_hex.empty()) {
    return json_error(400, "bad_request", "userHash without userId");
  } else {
    c.sub = "v-" + ids_.next();
  }
  c.role = "customer";
  c.iss = auth_.issuer();
  c.aud = auth_.audience();
  c.iat = clock_.unix_ms() / 1000;
  c.exp = c.iat + auth_.visitor_token_ttl_seconds();
  const auto& k = auth_.keys(0);
  http_answer a;
  a.content_type = "application/json";
  a.body = json::serialize(json::object{{"token", sign_jwt(c, {k.kid(), k.secret()})}, {"visitorId", c.sub},
                                        {"expiresAt", c.exp}});
  return a;
}

}  // namespace switchboard::gateway
