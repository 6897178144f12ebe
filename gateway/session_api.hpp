#pragma once
// Signing people in (agents, leads, admins) for the web pages:
//   POST /v1/session {"user", "password"} → 200 the session, and an HttpOnly SameSite=Strict cookie
//     `sb_session`; 401 bad_credentials (unknown user, wrong password, disabled account: the same
//     answer); 429 too_many_attempts with Retry-After when the account or the client address had
//     too many failures within auth.sign_in_window_seconds; 503 busy when too many passwords are
//     being checked at once.
//   GET /v1/session → 200 the session (with its CSRF token) or 401.
//   DELETE /v1/session with X-CSRF-Token → 204; the session ends and its sockets on every gateway
//     close (4003).
//   GET /v1/dev-users → the config's development sign-ins (only ever beside the embedded Redis).
// The session body: {"user", "role", "teams", "displayName", "csrfToken", "expiresAtMs"}.
// Passwords are checked (argon2id, ~50 ms) on a thread of this class, never on the I/O threads;
// an unknown user costs the same check, so timing does not tell who exists.
//
// Thread-safe: handle() and authenticate() may be called on any strand.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <atomic>
#include <functional>
#include <memory>
#include <string>

#include "core/clock.hpp"
#include "gateway/http_routes.hpp"
#include "proto/config.pb.h"
#include "store/people.hpp"

namespace switchboard::gateway {

// The value of the session cookie in a Cookie header, or empty.
std::string session_cookie(std::string_view cookie_header);

class session_api {
 public:
  // `people` runs on `core`.
  session_api(const v1::Config& cfg, const clock& clk, boost::asio::any_io_executor core, store::people_repository& people);
  ~session_api();

  // Whether `path` is one of this API's.
  static bool serves(std::string_view path);
  void handle(http_request req, http_responder respond) const;

  // The signed-in person of a Cookie header; `then` gets it (or not_found) on the core strand.
  void authenticate(std::string cookie_header, std::function<void(result<store::web_session>)> then) const;

 private:
  boost::asio::awaitable<http_answer> sign_in(std::string body, std::string address) const;
  boost::asio::awaitable<http_answer> current(std::string cookie) const;
  boost::asio::awaitable<http_answer> sign_out(std::string cookie, std::string csrf) const;
  http_answer dev_users() const;
  // Checks a password on the hashing thread; resumes on the core strand. nullopt: too busy.
  boost::asio::awaitable<std::optional<bool>> check_password(std::string hash, std::string password) const;

  const v1::AuthConfig auth_;
  const google::protobuf::RepeatedPtrField<v1::DevUser> dev_users_;
  const clock& clock_;
  boost::asio::any_io_executor core_;
  store::people_repository& people_;
  struct hashing;
  std::unique_ptr<hashing> hashing_;
};

}  // namespace switchboard::gateway
