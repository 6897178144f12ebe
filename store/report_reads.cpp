#include "store/report_reads.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <memory>

#include "store/pipeline.hpp"
#include "store/timeline.hpp"

namespace switchboard::store {

namespace asio = boost::asio;
using boost::system::error_code;

report_reads::report_reads(redis_client& redis, const key_layout& keys, report_read_limits limits)
    : redis_(redis), keys_(keys), limits_(limits) {
  limits_.batch = std::max<std::size_t>(1, limits_.batch);
  limits_.window = std::max<std::size_t>(1, limits_.window);
  limits_.event_page = std::max<std::size_t>(1, limits_.event_page);
  limits_.max_event_pages = std::max<std::size_t>(1, limits_.max_event_pages);
}

asio::awaitable<result<report_scan>> report_reads::scan_created(std::int64_t from_ms, std::int64_t to_ms, keep_fn keep,
                                                                batch_fn on_batch) {
  report_scan scan;
  if (to_ms <= from_ms) co_return scan;
  // How many each group holds: the walk below reads no more than that, so it ends.
  std::vector<std::vector<std::string>> counts;
  for (int g = 0; g < keys_.groups(); ++g) {
    counts.push_back(cmd("ZCOUNT", keys_.conversations_by_time(g), std::to_string(from_ms), "(" + std::to_string(to_ms)));
  }
  auto counted = co_await pipelined(redis_, limits_.window, counts);
  ++scan.round_trips;
  if (!counted) co_return counted.error();
  std::vector<cursor> groups;
  for (int g = 0; g < keys_.groups(); ++g) {
    const auto n = (*counted)[static_cast<std::size_t>(g)].as_int();
    if (!n) co_return error_code(errc::protocol_error);
    if (*n > 0) groups.push_back({g, from_ms, 0, static_cast<std::size_t>(*n)});
    scan.created += static_cast<std::size_t>(std::max<std::int64_t>(0, *n));
  }
  if (scan.created > limits_.max_conversations) co_return error_code(errc::bad_input);
  // Each round reads `batch` ids or ends a group: this many rounds at most.
  const std::size_t max_rounds = scan.created / limits_.batch + groups.size() + 1;
  std::size_t at = 0;
  for (std::size_t round = 0; at < groups.size() && round < max_rounds; ++round) {
    auto ids = co_await next_ids(groups, at, to_ms, scan);
    if (!ids) co_return ids.error();
    if (ids->empty()) continue;
    auto batch = co_await states(*ids, keep, scan);
    if (!batch) co_return batch.error();
    if (batch->empty()) continue;
    auto read = co_await events(*batch, scan);
    if (!read) co_return read.error();
    std::vector<report_conversation> done;
    done.reserve(batch->size());
    for (auto& r : *batch) done.push_back(std::move(r.conversation));
    scan.kept += done.size();
    on_batch(std::move(done));
  }
  co_return scan;
}

// The next ids, up to a batch, from the groups at `at` and after: one ZRANGE per group, pipelined.
asio::awaitable<result<std::vector<std::string>>> report_reads::next_ids(std::vector<cursor>& groups, std::size_t& at,
                                                                         std::int64_t to_ms, report_scan& scan) {
  std::vector<std::vector<std::string>> asks;
  std::vector<std::pair<std::size_t, std::size_t>> asked;  // (group index, how many)
  std::size_t wanted = 0;
  for (std::size_t i = at; i < groups.size() && wanted < limits_.batch; ++i) {
    const auto& c = groups[i];
    if (c.left == 0) continue;
    const std::size_t n = std::min(c.left, limits_.batch - wanted);
    asks.push_back(cmd("ZRANGE", keys_.conversations_by_time(c.group), std::to_string(c.score),
                       "(" + std::to_string(to_ms), "BYSCORE", "WITHSCORES", "LIMIT", std::to_string(c.skip),
                       std::to_string(n)));
    asked.emplace_back(i, n);
    wanted += n;
  }
  std::vector<std::string> ids;
  if (!asks.empty()) {
    auto replies = co_await pipelined(redis_, limits_.window, asks);
    ++scan.round_trips;
    if (!replies) co_return replies.error();
    for (std::size_t k = 0; k < asked.size(); ++k) {
      auto& c = groups[asked[k].first];
      const reply& r = (*replies)[k];
      if (!r.is_array() || r.elements.size() % 2 != 0) co_return error_code(errc::protocol_error);
      for (std::size_t i = 0; i + 1 < r.elements.size(); i += 2) {
        const auto score = r.elements[i + 1].as_int();
        if (!score) co_return error_code(errc::protocol_error);
        c.skip = *score == c.score ? c.skip + 1 : 1;
        c.score = *score;
        ids.push_back(r.elements[i].str);
      }
      const std::size_t got = r.elements.size() / 2;
      c.left = got < asked[k].second ? 0 : c.left - got;  // fewer than asked: the group is done
    }
  }
  while (at < groups.size() && groups[at].left == 0) ++at;
  co_return ids;
}

namespace {

// The timeline entry id an index entry points to ({0-<seq>, {t, <entry id>}}), or "".
std::string index_target(const reply& r) {
  if (!r.is_array() || r.elements.empty()) return {};
  const reply& entry = r.elements[0];
  if (!entry.is_array() || entry.elements.size() != 2) return {};
  const auto& fields = entry.elements[1].elements;
  for (std::size_t i = 0; i + 1 < fields.size(); i += 2) {
    if (fields[i].str == "t") return fields[i + 1].str;
  }
  return {};
}

}  // namespace

// The conversations' states and where their events lie in their customer's timeline (the first
// and the last entry their index points to): HGETALL, XRANGE and XREVRANGE of the index, pipelined.
// Those the filter keeps.
asio::awaitable<result<std::vector<report_reads::reading>>> report_reads::states(const std::vector<std::string>& ids,
                                                                                const keep_fn& keep,
                                                                                report_scan& scan) {
  std::vector<std::vector<std::string>> asks;
  std::vector<const std::string*> asked;
  for (const auto& id : ids) {
    std::string key = keys_.conversation(id);
    if (key.empty()) continue;  // not one of ours
    asks.push_back(cmd("HGETALL", key));
    asks.push_back(cmd("XRANGE", key + ":ix", "-", "+", "COUNT", "1"));
    asks.push_back(cmd("XREVRANGE", key + ":ix", "+", "-", "COUNT", "1"));
    asked.push_back(&id);
  }
  auto replies = co_await pipelined(redis_, limits_.window, asks);
  ++scan.round_trips;
  if (!replies) co_return replies.error();
  std::vector<reading> out;
  for (std::size_t i = 0; i < asked.size(); ++i) {
    auto state = decode_conversation_hash((*replies)[3 * i]);
    if (!state && state.error() == errc::not_found) continue;  // deleted meanwhile
    if (!state) co_return state.error();
    if (state->id().empty()) state->set_id(*asked[i]);
    if (keep && !keep(*state)) continue;
    reading r;
    r.first = index_target((*replies)[3 * i + 1]);
    r.last = index_target((*replies)[3 * i + 2]);
    if (!r.first.empty() && !r.last.empty() && !state->customer_id().empty()) {
      r.timeline = keys_.timeline_prefix_of(state->id()) + state->customer_id();
    }
    r.conversation.state = std::move(*state);
    out.push_back(std::move(r));
  }
  co_return out;
}

// Every event of each conversation of the batch: the customer's timeline from the conversation's
// first entry to its last (XRANGE, pipelined), a page each per round trip, keeping the
// conversation's own entries (another conversation of the customer open at the same time has
// entries in between); more pages for the few that have more.
asio::awaitable<result<void>> report_reads::events(std::vector<reading>& batch, report_scan& scan) {
  std::vector<std::size_t> pending;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    if (!batch[i].timeline.empty()) pending.push_back(i);
  }
  const std::string page = std::to_string(limits_.event_page);
  for (std::size_t round = 0; round < limits_.max_event_pages && !pending.empty(); ++round) {
    auto replies = co_await pipelined(redis_, limits_.window, pending.size(), [&](std::size_t k, reply_handler h) {
      const auto& r = batch[pending[k]];
      std::vector<std::string> args = cmd("XRANGE", r.timeline, r.first, r.last, "COUNT", page);
      std::vector<std::string_view> views(args.begin(), args.end());
      redis_.exec(views, std::move(h));
    });
    ++scan.round_trips;
    if (!replies) co_return replies.error();
    std::vector<std::size_t> more;
    for (std::size_t k = 0; k < pending.size(); ++k) {
      const reply& entries = (*replies)[k];
      auto& r = batch[pending[k]];
      if (!entries.is_array()) co_return error_code(errc::protocol_error);
      for (const auto& entry : entries.elements) {
        auto ev = decode_timeline_entry(entry);
        if (!ev) co_return ev.error();
        if (ev->conversation_id() == r.conversation.state.id()) r.conversation.events.push_back(std::move(*ev));
      }
      if (entries.elements.size() == limits_.event_page && entries.elements.back().elements[0].str != r.last) {
        r.first = "(" + entries.elements.back().elements[0].str;  // the next page, after this one
        more.push_back(pending[k]);
      }
    }
    pending = std::move(more);
  }
  co_return result<void>{};
}

}  // namespace switchboard::store
