#include "store/lease.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "store/scripts.hpp"

namespace switchboard::store {

namespace asio = boost::asio;
using boost::system::error_code;

namespace {
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
// The counter its tokens come from.
std::string token_key(const key_layout& keys, const std::string& name) { return keys.lease(name) + ":token"; }
}  // namespace

asio::awaitable<result<lease_holder>> lease::holder(redis_client& redis, const key_layout& keys, const std::string& name) {
  auto [e1, owner] = co_await redis.async_exec(cmd("GET", keys.lease(name)), use_tuple);
  if (e1) co_return e1;
  auto [e2, ttl] = co_await redis.async_exec(cmd("PTTL", keys.lease(name)), use_tuple);
  if (e2) co_return e2;
  auto [e3, token] = co_await redis.async_exec(cmd("GET", token_key(keys, name)), use_tuple);
  if (e3) co_return e3;
  lease_holder h;
  if (owner.is_nil()) co_return h;
  h.owner = owner.str;
  h.token = static_cast<std::uint64_t>(token.as_int().value_or(0));
  h.ttl_ms = ttl.integer;
  co_return h;
}

lease::lease(redis_client& redis, std::string name, std::string owner, std::chrono::milliseconds ttl,
             const key_layout& keys)
    : redis_(redis),
      key_(keys.lease(name)),
      token_key_(token_key(keys, name)),
      legacy_token_key_(keys.legacy_lease_token(name)),
      owner_(std::move(owner)),
      ttl_(ttl),
      keys_(keys) {}

asio::awaitable<result<std::uint64_t>> lease::acquire() {
  // The counter's former key (on another slot: read on its own) keeps tokens rising across the
  // upgrade that moved it.
  auto [e0, legacy] = co_await redis_.async_exec(cmd("GET", legacy_token_key_), use_tuple);
  if (e0) co_return e0;
  auto [ec, r] = co_await redis_.async_eval(scripts::lease_acquire(), cmd(key_, token_key_),
                                            cmd(owner_, std::to_string(ttl_.count()),
                                                std::to_string(legacy.as_int().value_or(0))),
                                            use_tuple);
  if (ec) co_return ec;
  auto v = r.as_int();
  if (!v || *v < 0) co_return error_code(errc::protocol_error);
  co_return static_cast<std::uint64_t>(*v);
}

asio::awaitable<result<bool>> lease::release() {
  auto [ec, r] = co_await redis_.async_eval(scripts::lease_release(), cmd(key_), cmd(owner_), use_tuple);
  if (ec) co_return result<bool>(boost::system::in_place_error, ec);
  co_return r.integer == 1;
}

asio::awaitable<result<bool>> lease::fence(std::uint64_t token) {
  // One script per group (each on its own slot on a Cluster), one after another: G round trips, once
  // per change of leader.
  for (int g = 0; g < keys_.groups(); ++g) {
    auto [ec, r] = co_await redis_.async_eval(scripts::fence(), cmd(keys_.fence(g)), cmd(std::to_string(token)),
                                              use_tuple);
    if (ec) co_return result<bool>(boost::system::in_place_error, ec);
    if (r.integer != 1) co_return false;
  }
  co_return true;
}

}  // namespace switchboard::store
