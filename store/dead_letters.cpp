#include "store/dead_letters.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <charconv>

#include "store/scripts.hpp"

namespace switchboard::store {

namespace asio = boost::asio;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
constexpr char kSep = '\x1f';  // the reason comes last and may hold anything, even this

std::string member_of(std::string_view conversation_id, std::int64_t seq) {
  return std::string(conversation_id) + ":" + std::to_string(seq);
}

template <class Int>
bool to_int(std::string_view s, Int& out) {
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size() && !s.empty();
}

}  // namespace

std::string encode_dead_letter(const dead_letter& l) {
  std::string v = l.customer_id;
  for (const std::string& part : {l.channel, std::to_string(l.failed_at_ms), std::to_string(l.attempts)}) {
    v += kSep;
    v += part;
  }
  v += kSep;
  return v + l.reason;
}

std::optional<dead_letter> decode_dead_letter(std::string_view member, std::string_view value) {
  dead_letter l;
  const auto colon = member.rfind(':');
  if (colon == std::string_view::npos || !to_int(member.substr(colon + 1), l.seq)) return std::nullopt;
  l.conversation_id = std::string(member.substr(0, colon));
  std::string_view parts[4];
  for (auto& part : parts) {
    const auto sep = value.find(kSep);
    if (sep == std::string_view::npos) return std::nullopt;
    part = value.substr(0, sep);
    value.remove_prefix(sep + 1);
  }
  l.customer_id = std::string(parts[0]);
  l.channel = std::string(parts[1]);
  if (!to_int(parts[2], l.failed_at_ms) || !to_int(parts[3], l.attempts)) return std::nullopt;
  l.reason = std::string(value);
  return l;
}

asio::awaitable<result<void>> dead_letter_repository::add(dead_letter l) {
  // cmd(), not braced lists: GCC 12 mishandles braced lists of strings in coroutines.
  auto [ec, r] = co_await redis_.async_eval(scripts::dead_letters(), cmd(keys_.outbox_dead(), keys_.outbox_dead_order()),
                                            cmd("add", member_of(l.conversation_id, l.seq), std::to_string(l.failed_at_ms),
                                                encode_dead_letter(l)),
                                            use_tuple);
  if (ec) co_return ec;
  co_return result<void>();
}

asio::awaitable<result<std::optional<dead_letter>>> dead_letter_repository::find(std::string conversation_id, std::int64_t seq) {
  const std::string member = member_of(conversation_id, seq);
  auto [ec, r] = co_await redis_.async_exec(cmd("HGET", keys_.outbox_dead(), member), use_tuple);
  if (ec) co_return ec;
  if (r.is_nil()) co_return std::optional<dead_letter>();
  co_return decode_dead_letter(member, r.str);
}

asio::awaitable<result<dead_letter_page>> dead_letter_repository::list(std::size_t offset, std::size_t limit) {
  dead_letter_page page;
  auto [ec, total] = co_await redis_.async_exec(cmd("ZCARD", keys_.outbox_dead_order()), use_tuple);
  if (ec) co_return ec;
  page.total = total.integer;
  if (limit == 0 || offset >= static_cast<std::size_t>(page.total)) co_return page;
  auto [ec2, members] = co_await redis_.async_exec(
      cmd("ZREVRANGE", keys_.outbox_dead_order(), std::to_string(offset), std::to_string(offset + limit - 1)), use_tuple);
  if (ec2) co_return ec2;
  if (members.elements.empty()) co_return page;
  std::vector<std::string> args = cmd("HMGET", keys_.outbox_dead());
  for (const auto& m : members.elements) args.push_back(m.str);
  auto [ec3, values] = co_await redis_.async_exec(std::move(args), use_tuple);
  if (ec3) co_return ec3;
  for (std::size_t i = 0; i < members.elements.size() && i < values.elements.size(); ++i) {
    if (values.elements[i].is_nil()) continue;  // removed between the two reads
    if (auto l = decode_dead_letter(members.elements[i].str, values.elements[i].str)) page.letters.push_back(std::move(*l));
  }
  co_return page;
}

asio::awaitable<result<bool>> dead_letter_repository::remove(std::string conversation_id, std::int64_t seq) {
  auto [ec, r] = co_await redis_.async_eval(scripts::dead_letters(), cmd(keys_.outbox_dead(), keys_.outbox_dead_order()),
                                            cmd("remove", member_of(conversation_id, seq)), use_tuple);
  if (ec) co_return result<bool>(boost::system::in_place_error, ec);  // (an error_code converts to bool)
  co_return r.integer == 1;
}

}  // namespace switchboard::store
