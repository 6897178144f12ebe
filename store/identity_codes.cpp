#include "store/identity_codes.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <vector>

#include "store/scripts.hpp"

namespace switchboard::store {

namespace asio = boost::asio;

namespace {
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
}  // namespace

asio::awaitable<result<bool>> identity_code_repository::count_send(std::string customer_id, std::string address,
                                                                   int per_customer_hour, int per_address_day, int all_hour) {
  struct budget {
    std::string who;
    int limit;
    int window_s;
  };
  std::vector<budget> budgets;  // each counted, so that one over its limit stays over it
  budgets.push_back(budget{std::move(customer_id), per_customer_hour, 3600});
  budgets.push_back(budget{std::move(address), per_address_day, 86400});
  budgets.push_back(budget{"*", all_hour, 3600});
  bool within = true;
  for (const auto& b : budgets) {
    auto [ec, r] = co_await redis_.async_eval(scripts::identity_code(), cmd(keys_.identity_codes_sent(b.who)),
                                              cmd("count", std::to_string(b.limit), std::to_string(b.window_s)), use_tuple);
    if (ec) co_return result<bool>(boost::system::in_place_error, ec);
    within = within && r.integer == 1;
  }
  co_return within;
}

asio::awaitable<result<void>> identity_code_repository::keep(std::string customer_id, std::string address, std::string code_hash,
                                                             int ttl_seconds) {
  auto [ec, r] = co_await redis_.async_eval(scripts::identity_code(), cmd(keys_.identity_code(customer_id)),
                                            cmd("keep", std::move(address), std::move(code_hash), std::to_string(ttl_seconds)), use_tuple);
  if (ec) co_return ec;
  co_return result<void>();
}

asio::awaitable<result<code_check>> identity_code_repository::check(std::string customer_id, std::string code_hash, int max_tries) {
  auto [ec, r] = co_await redis_.async_eval(scripts::identity_code(), cmd(keys_.identity_code(customer_id)),
                                            cmd("check", std::move(code_hash), std::to_string(max_tries)), use_tuple);
  if (ec) co_return ec;
  code_check out;
  if (!r.is_array() || r.elements.empty()) co_return make_error_code(errc::protocol_error);
  switch (r.elements[0].integer) {
    case 1:
      out.what = code_check::verdict::right;
      if (r.elements.size() > 1) out.address = r.elements[1].str;
      break;
    case 2:
      out.what = code_check::verdict::wrong;
      if (r.elements.size() > 1) out.tries_left = static_cast<int>(r.elements[1].integer);
      break;
    case 3: out.what = code_check::verdict::exhausted; break;
    default: break;  // none or expired
  }
  co_return out;
}

}  // namespace switchboard::store
