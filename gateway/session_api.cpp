#include "gateway/session_api.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "core/password.hpp"

namespace switchboard::gateway {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {
constexpr std::string_view kCookieName = "sb_session";
// Passwords being checked (or waiting) at once before sign-ins are refused with 503: each check
// holds 19 MiB for ~50 ms, and a flood must not queue minutes of work.
constexpr int kMaxPendingChecks = 16;

http_answer json_body(int status, std::string body) {
  http_answer a;
  a.status = status;
  a.content_type = "application/json";
  a.body = std::move(body);
  a.headers.emplace_back("Cache-Control", "no-store");
  return a;
}

std::string session_json(const store::web_session& s) {
  json::array teams;
  for (const auto& t : s.teams) teams.emplace_back(t);
  return json::serialize(json::object{{"user", s.user},
                                      {"role", s.role},
                                      {"teams", std::move(teams)},
                                      {"displayName", s.display_name.empty() ? s.user : s.display_name},
                                      {"csrfToken", s.csrf},
                                      {"expiresAtMs", s.expires_at_ms}});
}

std::string cookie_header(std::string_view value, std::int64_t max_age_s, bool secure) {
  return std::string(kCookieName) + "=" + std::string(value) + "; Path=/; HttpOnly; SameSite=Strict; Max-Age=" +
         std::to_string(max_age_s) + (secure ? "; Secure" : "");
}

http_answer too_many(std::int64_t retry_after_s) {
  auto a = json_error(429, "too_many_attempts", "too many failed sign-ins: try again later");
  a.headers.emplace_back("Retry-After", std::to_string(std::max<std::int64_t>(1, retry_after_s)));
  return a;
}

http_answer storage_down() { return json_error(503, "retry", "storage is unavailable; try again"); }
}  // namespace

std::string session_cookie(std::string_view header) {
  while (!header.empty()) {
    const auto semi = header.find(';');
    auto pair = header.substr(0, semi);
    while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
    if (pair.size() > kCookieName.size() && pair.starts_with(kCookieName) && pair[kCookieName.size()] == '=') {
      return std::string(pair.substr(kCookieName.size() + 1));
    }
    if (semi == std::string_view::npos) break;
    header.remove_prefix(semi + 1);
  }
  return {};
}

struct session_api::hashing {
  asio::thread_pool pool{1};
  std::atomic<int> pending{0};
  std::string dummy_hash = hash_password("not a real password: unknown users cost the same");
};

session_api::session_api(const v1::Config& cfg, const clock& clk, asio::any_io_executor core,
                         store::people_repository& people)
    : auth_(cfg.auth()),
      dev_users_(cfg.dev_users()),
      clock_(clk),
      core_(std::move(core)),
      people_(people),
      hashing_(std::make_unique<hashing>()) {}

session_api::~session_api() { hashing_->pool.join(); }

bool session_api::serves(std::string_view path) { return path == "/v1/session" || path == "/v1/dev-users"; }

void session_api::handle(http_request req, http_responder respond) const {
  const auto path = std::string_view(req.target).substr(0, req.target.find('?'));
  if (path == "/v1/dev-users") {
    if (req.method != "GET") return respond(json_error(405, "method_not_allowed", "use GET"));
    return respond(dev_users());
  }
  if (req.method != "POST" && req.method != "GET" && req.method != "DELETE") {
    return respond(json_error(405, "method_not_allowed", "use POST, GET or DELETE"));
  }
  asio::awaitable<http_answer> work = req.method == "POST"  ? sign_in(std::move(req.body), req.peer_address)
                                      : req.method == "GET" ? current(session_cookie(req.cookie))
                                                            : sign_out(session_cookie(req.cookie), req.csrf_token);
  asio::co_spawn(core_, std::move(work), [respond](std::exception_ptr e, http_answer a) {
    respond(e ? json_error(500, "internal", "unexpected failure") : std::move(a));
  });
}

void session_api::authenticate(std::string cookie_header, std::function<void(result<store::web_session>)> then) const {
  asio::co_spawn(
      core_, [this, cookie = session_cookie(cookie_header)]() { return people_.find(cookie); },
      [then = std::move(then)](std::exception_ptr e, result<store::web_session> s) {
        then(e ? result<store::web_session>(boost::system::error_code(errc::protocol_error)) : std::move(s));
      });
}

asio::awaitable<std::optional<bool>> session_api::check_password(std::string hash, std::string password) const {
  if (hashing_->pending.fetch_add(1) >= kMaxPendingChecks) {
    hashing_->pending.fetch_sub(1);
    co_return std::nullopt;
  }
  auto& h = *hashing_;
  const bool ok = co_await asio::async_initiate<decltype(asio::use_awaitable), void(bool)>(
      [&h](auto handler, std::string hh, std::string pw) {
        asio::post(h.pool, [&h, handler = std::move(handler), hh = std::move(hh), pw = std::move(pw)]() mutable {
          const bool match = verify_password(hh.empty() ? h.dummy_hash : hh, pw) && !hh.empty();
          h.pending.fetch_sub(1);
          auto ex = asio::get_associated_executor(handler);
          asio::post(ex, [handler = std::move(handler), match]() mutable { handler(match); });
        });
      },
      asio::use_awaitable, std::move(hash), std::move(password));
  co_return ok;
}

asio::awaitable<http_answer> session_api::sign_in(std::string body, std::string address) const {
  boost::system::error_code jec;
  const auto v = json::parse(body, jec);
  const auto* o = jec ? nullptr : v.if_object();
  const auto* user = o ? o->if_contains("user") : nullptr;
  const auto* password = o ? o->if_contains("password") : nullptr;
  if (!user || !user->is_string() || !password || !password->is_string()) {
    co_return json_error(400, "bad_request", "body: expected {\"user\": \"...\", \"password\": \"...\"}");
  }
  const std::string id(user->as_string());
  // Counted under the id, or its digest when it cannot be one (any text may be typed).
  const std::string account = store::valid_user_id(id) ? id : sha256_hex(id);
  const auto before = co_await people_.failures(account, address);
  if (!before) co_return storage_down();
  if (before->account >= auth_.sign_in_failures_per_account()) co_return too_many(before->account_ttl_s);
  if (before->address >= auth_.sign_in_failures_per_address()) co_return too_many(before->address_ttl_s);
  // (No ?: over class types in coroutines: GCC 12 miscompiles it.)
  result<store::user_record> u = boost::system::error_code(errc::not_found);
  if (store::valid_user_id(id)) u = co_await people_.get(id);
  if (!u && u.error() != errc::not_found) co_return storage_down();
  const bool usable = u && !u->disabled;
  std::string hash;
  if (usable) hash = u->password_hash;
  const auto ok = co_await check_password(std::move(hash), std::string(password->as_string()));
  if (!ok) {
    auto a = json_error(503, "busy", "too many sign-ins at once: try again in a second");
    a.headers.emplace_back("Retry-After", "1");
    co_return a;
  }
  if (!*ok || !usable) {
    if (!co_await people_.count_failure(account, address, auth_.sign_in_window_seconds())) co_return storage_down();
    co_return json_error(401, "bad_credentials", "wrong user or password");
  }
  const auto expires = clock_.unix_ms() + std::int64_t{auth_.session_ttl_seconds()} * 1000;
  auto opened = co_await people_.open(*u, expires);
  if (!opened && opened.error() == errc::not_found) co_return json_error(401, "bad_credentials", "wrong user or password");
  if (!opened) co_return storage_down();
  auto a = json_body(200, session_json(opened->second));
  a.headers.emplace_back("Set-Cookie",
                         cookie_header(opened->first, auth_.session_ttl_seconds(), auth_.session_cookie_secure()));
  co_return a;
}

asio::awaitable<http_answer> session_api::current(std::string cookie) const {
  auto s = co_await people_.find(std::move(cookie));
  if (!s && s.error() == errc::not_found) co_return json_error(401, "unauthorized", "not signed in");
  if (!s) co_return storage_down();
  co_return json_body(200, session_json(*s));
}

asio::awaitable<http_answer> session_api::sign_out(std::string cookie, std::string csrf) const {
  auto s = co_await people_.find(std::move(cookie));
  if (!s && s.error() == errc::not_found) co_return json_error(401, "unauthorized", "not signed in");
  if (!s) co_return storage_down();
  if (csrf.empty() || !constant_time_equal(csrf, s->csrf)) co_return json_error(403, "csrf", "X-CSRF-Token is missing or wrong");
  if (!co_await people_.end(s->user, s->session_hash)) co_return storage_down();
  auto a = json_body(204, "");
  a.headers.emplace_back("Set-Cookie", cookie_header("", 0, auth_.session_cookie_secure()));
  co_return a;
}

http_answer session_api::dev_users() const {
  json::array users;
  for (const auto& u : dev_users_) {
    json::array teams;
    for (const auto& t : u.teams()) teams.emplace_back(t);
    users.emplace_back(json::object{{"id", u.id()},
                                    {"role", u.role()},
                                    {"teams", std::move(teams)},
                                    {"displayName", u.display_name().empty() ? u.id() : u.display_name()},
                                    {"password", u.password()}});
  }
  return json_body(200, json::serialize(json::object{{"users", std::move(users)}}));
}

}  // namespace switchboard::gateway
