#pragma once
// People who sign in with a password (agents, leads, admins) and their sign-in sessions, in Redis
// under the hash tag {u} (keys.hpp). A record holds the argon2id hash (core/password.hpp), never
// the password. A session is known by the SHA-256 of its cookie's secret part, so a copy of Redis
// holds no usable cookie. Ending a session, disabling an account or changing its password
// publishes on the revocation channel, and every gateway closes the matching sockets.
//
// Not thread-safe: call it on the Redis client's executor.

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/error.hpp"

namespace switchboard::store {

class key_layout;
class redis_client;

struct user_record {
  std::string id;
  std::string role;                // "agent" | "lead" | "admin"
  std::vector<std::string> teams;
  std::string display_name;
  std::string password_hash;       // argon2id, PHC string form
  bool disabled = false;
  bool dev = false;                // made from the config's dev_users
};

// A person's signed-in session, as a request's cookie finds it.
struct web_session {
  std::string user;
  std::string role;
  std::vector<std::string> teams;
  std::string display_name;
  std::string session_hash;        // SHA-256 hex of the cookie's secret: the session's name
  std::string csrf;                // the token PUT/POST/DELETE must carry (X-CSRF-Token)
  std::int64_t expires_at_ms = 0;
};

// Failed sign-ins within the window, and the seconds left of each one's window.
struct sign_in_failures {
  std::int64_t account = 0, address = 0;
  std::int64_t account_ttl_s = 0, address_ttl_s = 0;
};

// Whether `id` may name a person: 1-64 of [A-Za-z0-9._@-], and not "all" or "sf" (key names).
bool valid_user_id(std::string_view id) noexcept;

// The cookie value of a session: "<user>~<secret>"; parse_session_cookie splits it (nullopt if
// malformed). The secret is 32 random bytes in base64url.
std::string session_cookie_value(std::string_view user, std::string_view secret);
std::optional<std::pair<std::string, std::string>> parse_session_cookie(std::string_view value);

class people_repository {
 public:
  people_repository(redis_client& redis, const key_layout& keys, const clock& clk);

  boost::asio::awaitable<result<user_record>> get(std::string id);
  boost::asio::awaitable<result<std::vector<user_record>>> list();
  // Creates or replaces the record (a replaced password ends the person's sessions).
  boost::asio::awaitable<result<void>> put(user_record r);
  // The account disabled (or enabled again); disabling ends every session (sockets close).
  boost::asio::awaitable<result<void>> set_disabled(std::string id, bool disabled);

  // The session of a cookie value; not_found when unknown, expired, or the account is disabled.
  boost::asio::awaitable<result<web_session>> find(std::string cookie_value);
  // Opens a session for `user` until `expires_at_ms`; returns the cookie value and the session.
  // not_found if the account is gone or disabled. Clears the account's failed sign-ins.
  boost::asio::awaitable<result<std::pair<std::string, web_session>>> open(const user_record& user,
                                                                            std::int64_t expires_at_ms);
  // Ends one session; its sockets on every gateway close.
  boost::asio::awaitable<result<void>> end(std::string user, std::string session_hash);

  boost::asio::awaitable<result<sign_in_failures>> failures(std::string user, std::string address);
  boost::asio::awaitable<result<sign_in_failures>> count_failure(std::string user, std::string address,
                                                                 int window_seconds);

 private:
  boost::asio::awaitable<result<void>> revoke(std::string id, bool disable);

  redis_client& redis_;
  const key_layout& keys_;
  const clock& clock_;
};

}  // namespace switchboard::store
