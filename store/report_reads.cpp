#include "store/report_reads.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <memory>

#include "store/scripts.hpp"
#include "store/timeline.hpp"

namespace switchboard::store {

namespace asio = boost::asio;
using boost::system::error_code;

namespace {

// Sends the i-th command of a pipeline with the given reply handler.
using sender = std::function<void(std::size_t, reply_handler)>;

// Sends `n` commands at once on the one connection (replies come back in order) and completes
// when the last reply is in: with every reply, error replies included, or with the first error
// that is not a reply (Redis down, a timeout), once every command has answered.
template <class Token>
auto async_pipeline(asio::any_io_executor ex, std::size_t n, sender send, Token&& token) {
  return asio::async_initiate<Token, void(error_code, std::vector<reply>)>(
      [](auto handler, asio::any_io_executor ex, std::size_t n, sender send) {
        using handler_t = decltype(handler);
        struct gather {
          explicit gather(handler_t h, std::size_t n) : handler(std::move(h)), replies(n), left(n) {}
          handler_t handler;
          std::vector<reply> replies;
          std::size_t left;
          error_code first_error;
        };
        auto g = std::make_shared<gather>(std::move(handler), n);
        auto finish = [g, ex] {
          // Resumed from the executor, not from inside hiredis's read callback.
          asio::post(ex, [g] { std::move(g->handler)(g->first_error, std::move(g->replies)); });
        };
        if (n == 0) return finish();
        for (std::size_t i = 0; i < n; ++i) {
          send(i, [g, i, finish](error_code ec, reply r) {
            if (ec && ec != errc::server_error && !g->first_error) g->first_error = ec;
            g->replies[i] = std::move(r);
            if (--g->left == 0) finish();
          });
        }
      },
      token, std::move(ex), n, std::move(send));
}

asio::awaitable<result<std::vector<reply>>> pipelined(redis_client& redis, std::size_t n, sender send) {
  auto [ec, replies] =
      co_await async_pipeline(redis.link().get_executor(), n, std::move(send), asio::as_tuple(asio::use_awaitable));
  if (ec) co_return ec;
  co_return std::move(replies);
}

// Sends plain commands (HGETALL, ZRANGE, ...) as one pipeline.
asio::awaitable<result<std::vector<reply>>> pipelined(redis_client& redis,
                                                       const std::vector<std::vector<std::string>>& commands) {
  return pipelined(redis, commands.size(), [&redis, &commands](std::size_t i, reply_handler h) {
    std::vector<std::string_view> views(commands[i].begin(), commands[i].end());
    redis.exec(views, std::move(h));
  });
}

}  // namespace

report_reads::report_reads(redis_client& redis, const key_layout& keys, report_read_limits limits)
    : redis_(redis), keys_(keys), limits_(limits) {
  limits_.batch = std::max<std::size_t>(1, limits_.batch);
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
  auto counted = co_await pipelined(redis_, counts);
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
    if (batch->empty()) continue;
    scan.kept += batch->size();
    on_batch(std::move(*batch));
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
    auto replies = co_await pipelined(redis_, asks);
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

// The conversations' states (one HGETALL each, pipelined), those the filter keeps.
asio::awaitable<result<std::vector<report_conversation>>> report_reads::states(const std::vector<std::string>& ids,
                                                                              const keep_fn& keep,
                                                                              report_scan& scan) {
  std::vector<std::vector<std::string>> asks;
  std::vector<const std::string*> asked;
  for (const auto& id : ids) {
    std::string key = keys_.conversation(id);
    if (key.empty()) continue;  // not one of ours
    asks.push_back(cmd("HGETALL", std::move(key)));
    asked.push_back(&id);
  }
  auto replies = co_await pipelined(redis_, asks);
  ++scan.round_trips;
  if (!replies) co_return replies.error();
  std::vector<report_conversation> out;
  for (std::size_t i = 0; i < asked.size(); ++i) {
    auto state = decode_conversation_hash((*replies)[i]);
    if (!state && state.error() == errc::not_found) continue;  // deleted meanwhile
    if (!state) co_return state.error();
    if (state->id().empty()) state->set_id(*asked[i]);
    if (keep && !keep(*state)) continue;
    report_conversation c;
    c.state = std::move(*state);
    out.push_back(std::move(c));
  }
  co_return out;
}

// Every event of each conversation of the batch: a page each per round trip (read_conversation
// scripts, pipelined), more pages for the few that have more. A conversation gone meanwhile
// (NOCONV) leaves the batch.
asio::awaitable<result<void>> report_reads::events(std::vector<report_conversation>& batch, report_scan& scan) {
  std::vector<std::size_t> pending(batch.size());
  for (std::size_t i = 0; i < batch.size(); ++i) pending[i] = i;
  std::vector<bool> gone(batch.size(), false);
  const std::string page = std::to_string(limits_.event_page);
  for (std::size_t round = 0; round < limits_.max_event_pages && !pending.empty(); ++round) {
    auto replies = co_await pipelined(redis_, pending.size(), [&](std::size_t k, reply_handler h) {
      const auto& c = batch[pending[k]];
      const std::string after = std::to_string(c.events.empty() ? 0 : c.events.back().seq());
      redis_.eval(scripts::read_conversation(), cmd(keys_.conversation(c.state.id())),
                  cmd(after, page, keys_.timeline_prefix_of(c.state.id())), std::move(h));
    });
    ++scan.round_trips;
    if (!replies) co_return replies.error();
    std::vector<std::size_t> more;
    for (std::size_t k = 0; k < pending.size(); ++k) {
      const reply& r = (*replies)[k];
      auto& c = batch[pending[k]];
      if (r.is_error()) {
        if (r.error_code() != "NOCONV") co_return error_code(errc::server_error);
        gone[pending[k]] = true;
        continue;
      }
      if (!r.is_array()) co_return error_code(errc::protocol_error);
      for (const auto& entry : r.elements) {
        auto ev = decode_timeline_entry(entry);
        if (!ev) co_return ev.error();
        c.events.push_back(std::move(*ev));
      }
      if (r.elements.size() == limits_.event_page) more.push_back(pending[k]);
    }
    pending = std::move(more);
  }
  std::size_t kept = 0;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    if (gone[i]) continue;
    if (kept != i) batch[kept] = std::move(batch[i]);
    ++kept;
  }
  batch.resize(kept);
  co_return result<void>{};
}

}  // namespace switchboard::store
