#include "store/day_counts.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "store/scripts.hpp"

namespace switchboard::store {

void day_counts::count(std::int64_t day, char kind, std::string conversation, std::string queue, bool in_time,
                       std::function<void(bool counted)> done) {
  redis_.eval(scripts::day_count(), cmd(keys_.day_counts(day), keys_.day_counted(day)),
              cmd(std::string(1, kind), std::move(conversation), std::move(queue), in_time ? "1" : "0",
                  std::to_string(3 * 86'400)),
              [done = std::move(done)](boost::system::error_code ec, reply r) {
                done(!ec && r.as_int().value_or(0) == 1);
              });
}

boost::asio::awaitable<result<std::vector<day_count>>> day_counts::load(std::int64_t day) {
  auto [ec, r] = co_await redis_.async_exec(cmd("HGETALL", keys_.day_counts(day)),
                                            boost::asio::as_tuple(boost::asio::use_awaitable));
  if (ec) co_return ec;
  std::vector<day_count> out;
  for (std::size_t i = 0; i + 1 < r.elements.size(); i += 2) {
    const std::string& field = r.elements[i].str;  // "<queue>:<kind>"
    const auto colon = field.rfind(':');
    if (colon == std::string::npos || colon + 2 != field.size()) continue;
    out.push_back({field.substr(0, colon), field[colon + 1], static_cast<int>(r.elements[i + 1].as_int().value_or(0))});
  }
  co_return out;
}

}  // namespace switchboard::store
