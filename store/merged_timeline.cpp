#include "store/merged_timeline.hpp"

#include <algorithm>
#include <charconv>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace switchboard::store {

namespace asio = boost::asio;
using boost::system::error_code;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

bool whole_number(std::string_view d, std::uint64_t& out) {
  auto [end, ec] = std::from_chars(d.data(), d.data() + d.size(), out);
  return !d.empty() && ec == std::errc() && end == d.data() + d.size();
}

// "<ms>-<seq>" or "<ms>" (seq 0).
bool parse_entry_id(std::string_view s, std::uint64_t& ms, std::uint64_t& seq) {
  const auto dash = s.find('-');
  seq = 0;
  if (dash == std::string_view::npos) return whole_number(s, ms);
  return whole_number(s.substr(0, dash), ms) && whole_number(s.substr(dash + 1), seq);
}

std::string entry_id(std::uint64_t ms, std::uint64_t seq) { return std::to_string(ms) + "-" + std::to_string(seq); }

}  // namespace

std::optional<timeline_cursor> parse_timeline_cursor(std::string_view s) {
  timeline_cursor c;
  if (s.empty()) return c;
  c.from_start = false;
  const auto tilde = s.find('~');
  if (!parse_entry_id(s.substr(0, tilde), c.ms, c.seq)) return std::nullopt;
  if (tilde != std::string_view::npos) {
    c.customer = std::string(s.substr(tilde + 1));
    if (c.customer.empty()) return std::nullopt;
  }
  return c;
}

std::string range_start(const timeline_cursor& c, std::string_view customer) {
  if (c.from_start) return "-";
  // The same stream id in a stream whose customer sorts after the cursor's comes after it.
  const bool inclusive = !c.customer.empty() && customer > std::string_view(c.customer);
  return (inclusive ? "" : "(") + entry_id(c.ms, c.seq);
}

timeline_page interleave(std::vector<merged_entry> entries, std::size_t count, bool several_streams) {
  std::sort(entries.begin(), entries.end(), [](const merged_entry& a, const merged_entry& b) {
    if (a.ms != b.ms) return a.ms < b.ms;
    if (a.seq != b.seq) return a.seq < b.seq;
    return a.customer < b.customer;
  });
  timeline_page page;
  const std::size_t n = std::min(count, entries.size());
  page.events.reserve(n);
  for (std::size_t i = 0; i < n; ++i) page.events.push_back(std::move(entries[i].event));
  if (n == count && n > 0) {
    const auto& last = entries[n - 1];
    page.next_after = entry_id(last.ms, last.seq);
    if (several_streams) page.next_after += "~" + last.customer;
  }
  return page;
}

asio::awaitable<result<std::vector<std::string>>> merged_family(redis_client& redis, const key_layout& keys,
                                                                std::string customer) {
  std::vector<std::string> family;
  family.push_back(std::move(customer));
  for (std::size_t i = 0; i < family.size() && family.size() < kMaxMergedCustomers; ++i) {
    auto [ec, r] = co_await redis.async_exec(cmd("SMEMBERS", keys.customer_merged(family[i])), use_tuple);
    if (ec) co_return ec;
    std::vector<std::string> merged;
    for (const auto& m : r.elements) merged.push_back(m.str);
    std::sort(merged.begin(), merged.end());
    for (auto& m : merged) {
      if (family.size() >= kMaxMergedCustomers) break;
      if (std::find(family.begin(), family.end(), m) == family.end()) family.push_back(std::move(m));
    }
  }
  co_return family;
}

asio::awaitable<result<timeline_page>> read_merged_timeline(redis_client& redis, const key_layout& keys,
                                                            std::string customer, std::string after,
                                                            std::size_t count) {
  auto cursor = parse_timeline_cursor(after);
  if (customer.empty() || count == 0 || !cursor) co_return error_code(errc::bad_input);
  auto family = co_await merged_family(redis, keys, customer);
  if (!family) co_return family.error();
  std::vector<merged_entry> entries;
  for (const auto& member : *family) {
    auto [ec, r] = co_await redis.async_exec(
        cmd("XRANGE", keys.timeline(member), range_start(*cursor, member), "+", "COUNT", std::to_string(count)),
        use_tuple);
    if (ec) co_return ec;
    if (!r.is_array()) co_return error_code(errc::protocol_error);
    for (const auto& entry : r.elements) {
      auto ev = decode_timeline_entry(entry);
      if (!ev) co_return ev.error();
      merged_entry e;
      if (!parse_entry_id(entry.elements[0].str, e.ms, e.seq)) co_return error_code(errc::protocol_error);
      e.customer = member;
      e.event = std::move(*ev);
      entries.push_back(std::move(e));
    }
  }
  co_return interleave(std::move(entries), count, family->size() > 1);
}

}  // namespace switchboard::store
