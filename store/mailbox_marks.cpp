#include "store/mailbox_marks.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstdlib>

namespace switchboard::store {

namespace asio = boost::asio;
using boost::system::error_code;

namespace {
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

std::uint64_t number_of(const reply& r) { return r.is_nil() ? 0 : std::strtoull(r.str.c_str(), nullptr, 10); }
}  // namespace

asio::awaitable<result<mailbox_mark>> mailbox_mark_repository::get(std::string mailbox) {
  auto [ec, r] = co_await redis_.async_exec(cmd("HMGET", keys_.mailbox(mailbox), "uidvalidity", "uid"), use_tuple);
  if (ec) co_return ec;
  if (r.elements.size() != 2) co_return error_code(errc::protocol_error);
  co_return mailbox_mark{number_of(r.elements[0]), number_of(r.elements[1])};
}

asio::awaitable<result<void>> mailbox_mark_repository::set(std::string mailbox, mailbox_mark mark) {
  auto [ec, r] = co_await redis_.async_exec(
      cmd("HSET", keys_.mailbox(mailbox), "uidvalidity", std::to_string(mark.uidvalidity), "uid", std::to_string(mark.uid)), use_tuple);
  if (ec) co_return ec;
  co_return result<void>();
}

}  // namespace switchboard::store
