#include "store/people.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <algorithm>

#include "core/password.hpp"
#include "store/keys.hpp"
#include "store/redis_client.hpp"
#include "store/scripts.hpp"

namespace switchboard::store {

namespace asio = boost::asio;
using boost::system::error_code;

namespace {
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t kSecretBytes = 32;
constexpr std::size_t kCsrfBytes = 24;

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ",") + s;
  return out;
}

std::vector<std::string> split(std::string_view s) {
  std::vector<std::string> out;
  while (!s.empty()) {
    const auto comma = s.find(',');
    out.emplace_back(s.substr(0, comma));
    if (comma == std::string_view::npos) break;
    s.remove_prefix(comma + 1);
  }
  return out;
}

sign_in_failures decode_failures(const reply& r) {
  sign_in_failures f;
  const auto& e = r.elements;
  if (e.size() >= 2) {
    f.account = e[0].as_int().value_or(0);
    f.address = e[1].as_int().value_or(0);
  }
  if (e.size() >= 4) {
    f.account_ttl_s = e[2].as_int().value_or(0);
    f.address_ttl_s = e[3].as_int().value_or(0);
  }
  return f;
}
}  // namespace

bool valid_user_id(std::string_view id) noexcept {
  if (id.empty() || id.size() > 64 || id == "all" || id == "sf") return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
           c == '@' || c == '-';
  });
}

std::string session_cookie_value(std::string_view user, std::string_view secret) {
  return std::string(user) + "~" + std::string(secret);
}

std::optional<std::pair<std::string, std::string>> parse_session_cookie(std::string_view value) {
  const auto tilde = value.find('~');
  if (tilde == std::string_view::npos) return std::nullopt;
  auto user = value.substr(0, tilde);
  auto secret = value.substr(tilde + 1);
  if (!valid_user_id(user) || secret.size() < 16 || secret.size() > 128) return std::nullopt;
  return std::pair<std::string, std::string>(user, secret);
}

people_repository::people_repository(redis_client& redis, const key_layout& keys, const clock& clk)
    : redis_(redis), keys_(keys), clock_(clk) {}

asio::awaitable<result<user_record>> people_repository::get(std::string id) {
  if (!valid_user_id(id)) co_return error_code(errc::not_found);
  auto [ec, r] = co_await redis_.async_exec(
      cmd("HMGET", keys_.user(id), "role", "teams", "display_name", "hash", "disabled", "dev"), use_tuple);
  if (ec) co_return ec;
  if (!r.is_array() || r.elements.size() != 6) co_return error_code(errc::protocol_error);
  if (r.elements[0].is_nil()) co_return error_code(errc::not_found);
  user_record u;
  u.id = std::move(id);
  u.role = r.elements[0].str;
  u.teams = split(r.elements[1].str);
  u.display_name = r.elements[2].str;
  u.password_hash = r.elements[3].str;
  u.disabled = r.elements[4].str == "1";
  u.dev = r.elements[5].str == "1";
  co_return u;
}

asio::awaitable<result<std::vector<user_record>>> people_repository::list() {
  auto [ec, r] = co_await redis_.async_exec(cmd("SMEMBERS", keys_.users()), use_tuple);
  if (ec) co_return ec;
  std::vector<std::string> ids;
  for (const auto& e : r.elements) ids.push_back(e.str);
  std::sort(ids.begin(), ids.end());
  std::vector<user_record> out;
  for (auto& id : ids) {
    auto u = co_await get(std::move(id));
    if (u) out.push_back(std::move(*u));
    else if (u.error() != errc::not_found) co_return u.error();
  }
  co_return out;
}

asio::awaitable<result<void>> people_repository::put(user_record u) {
  if (!valid_user_id(u.id)) co_return error_code(errc::bad_input);
  const auto before = co_await get(u.id);
  if (!before && before.error() != errc::not_found) co_return before.error();
  auto [ec, r] = co_await redis_.async_exec(
      cmd("HSET", keys_.user(u.id), "role", u.role, "teams", join(u.teams), "display_name", u.display_name, "hash",
          u.password_hash, "disabled", u.disabled ? "1" : "0", "dev", u.dev ? "1" : "0"),
      use_tuple);
  if (ec) co_return ec;
  auto [ec2, r2] = co_await redis_.async_exec(cmd("SADD", keys_.users(), u.id), use_tuple);
  if (ec2) co_return ec2;
  // A new password, a new role or new teams: sessions opened under the old ones end.
  if (before && (before->password_hash != u.password_hash || before->role != u.role || before->teams != u.teams)) {
    co_return co_await revoke(u.id, false);
  }
  co_return result<void>();
}

asio::awaitable<result<void>> people_repository::set_disabled(std::string id, bool disabled) {
  auto u = co_await get(id);
  if (!u) co_return u.error();
  if (disabled) co_return co_await revoke(std::move(id), true);
  auto [ec, r] = co_await redis_.async_exec(cmd("HSET", keys_.user(id), "disabled", "0"), use_tuple);
  if (ec) co_return ec;
  co_return result<void>();
}

asio::awaitable<result<void>> people_repository::revoke(std::string id, bool disable) {
  auto [ec, r] = co_await redis_.async_eval(
      scripts::people(), cmd(keys_.user(id), keys_.user_sessions(id)),
      cmd("revoke", keys_.revoke_channel(), std::to_string(clock_.unix_ms()), id, disable ? "1" : "0"), use_tuple);
  if (ec) co_return ec;
  co_return result<void>();
}

asio::awaitable<result<web_session>> people_repository::find(std::string cookie_value) {
  const auto parts = parse_session_cookie(cookie_value);
  if (!parts) co_return error_code(errc::not_found);
  const auto& [user, secret] = *parts;
  web_session s;
  s.session_hash = sha256_hex(secret);
  auto [ec, r] = co_await redis_.async_eval(
      scripts::people(), cmd(keys_.user(user), keys_.user_sessions(user)),
      cmd("find", keys_.revoke_channel(), std::to_string(clock_.unix_ms()), s.session_hash), use_tuple);
  if (ec) co_return ec;
  const auto& e = r.elements;
  if (!r.is_array() || e.size() != 5) co_return error_code(errc::protocol_error);
  if (!e[0].is_string() || e[3].str == "1" || !e[4].is_string()) co_return error_code(errc::not_found);
  const auto bar = e[4].str.find('|');
  if (bar == std::string::npos) co_return error_code(errc::not_found);
  s.expires_at_ms = std::stoll(e[4].str.substr(0, bar));
  if (s.expires_at_ms <= clock_.unix_ms()) co_return error_code(errc::not_found);
  s.csrf = e[4].str.substr(bar + 1);
  s.user = user;
  s.role = e[0].str;
  s.teams = split(e[1].str);
  s.display_name = e[2].str;
  co_return s;
}

asio::awaitable<result<std::pair<std::string, web_session>>> people_repository::open(const user_record& user,
                                                                                       std::int64_t expires_at_ms) {
  const std::string secret = random_token(kSecretBytes);
  web_session s;
  s.user = user.id;
  s.role = user.role;
  s.teams = user.teams;
  s.display_name = user.display_name;
  s.session_hash = sha256_hex(secret);
  s.csrf = random_token(kCsrfBytes);
  s.expires_at_ms = expires_at_ms;
  auto [ec, r] = co_await redis_.async_eval(
      scripts::people(), cmd(keys_.user(user.id), keys_.user_sessions(user.id), keys_.user_failures(user.id)),
      cmd("open", keys_.revoke_channel(), std::to_string(clock_.unix_ms()), s.session_hash,
          std::to_string(expires_at_ms), s.csrf),
      use_tuple);
  if (ec == errc::server_error && r.error_code() == "NOUSER") co_return error_code(errc::not_found);
  if (ec) co_return ec;
  co_return std::pair<std::string, web_session>(session_cookie_value(user.id, secret), std::move(s));
}

asio::awaitable<result<void>> people_repository::end(std::string user, std::string session_hash) {
  auto [ec, r] = co_await redis_.async_eval(
      scripts::people(), cmd(keys_.user(user), keys_.user_sessions(user)),
      cmd("end", keys_.revoke_channel(), std::to_string(clock_.unix_ms()), std::move(session_hash)), use_tuple);
  if (ec) co_return ec;
  co_return result<void>();
}

asio::awaitable<result<sign_in_failures>> people_repository::failures(std::string user, std::string address) {
  auto [ec, r] = co_await redis_.async_eval(
      scripts::people(), cmd(keys_.user(user), keys_.user_failures(user), keys_.address_failures(address)),
      cmd("count", keys_.revoke_channel(), std::to_string(clock_.unix_ms())), use_tuple);
  if (ec) co_return ec;
  co_return decode_failures(r);
}

asio::awaitable<result<sign_in_failures>> people_repository::count_failure(std::string user, std::string address,
                                                                           int window_seconds) {
  auto [ec, r] = co_await redis_.async_eval(
      scripts::people(), cmd(keys_.user(user), keys_.user_failures(user), keys_.address_failures(address)),
      cmd("fail", keys_.revoke_channel(), std::to_string(clock_.unix_ms()), std::to_string(window_seconds)),
      use_tuple);
  if (ec) co_return ec;
  co_return decode_failures(r);
}

}  // namespace switchboard::store
