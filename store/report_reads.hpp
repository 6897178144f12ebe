#pragma once
// Reads for reports: the conversations created in a period, each with its state and every event,
// in pipelined batches, so that reading a month of a busy team's data is many short commands to
// Redis and at most one batch in the caller's memory. Per batch: ZRANGEs (the next ids, group after
// group); HGETALLs (their state, which the caller's filter sees before any event is read) with the
// first and last entries of their index; XRANGEs of their customers' timelines between those (a
// page each; a longer conversation takes more pages). No Lua: every command is short. Each step is
// a pipeline with at most `window` commands in flight, so that Redis never has more than that
// many of a report's commands queued ahead of another client's. It decides neither who may read
// what (the filter) nor any figure (the batch handler). Run it on a connection of its own: a
// report must not queue live chat's commands behind its own.
//
// Not thread-safe: run its coroutines on the redis_client's executor.

#include <boost/asio/awaitable.hpp>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "proto/model.pb.h"
#include "store/keys.hpp"
#include "store/redis_client.hpp"

namespace switchboard::store {

struct report_conversation {
  v1::Conversation state;         // id always set
  std::vector<v1::Event> events;  // in seq order, conversation_id and seq filled
};

struct report_read_limits {
  std::size_t batch = 64;                     // conversations per batch (a ZRANGE, HGETALL, events pass)
  std::size_t window = 16;                    // commands in flight at once (the next goes on each reply)
  std::size_t max_conversations = 1'000'000;  // created in the period; more: bad_input, nothing read
  std::size_t event_page = 1000;              // events per conversation per command
  std::size_t max_event_pages = 100;          // per conversation: events past 100k are not read
};

struct report_scan {
  std::size_t created = 0;      // conversations created in the period (when the scan began)
  std::size_t kept = 0;         // of them, read and handed on (the filter kept them)
  std::size_t round_trips = 0;  // pipelines sent
};

class report_reads {
 public:
  using keep_fn = std::function<bool(const v1::Conversation&)>;
  using batch_fn = std::function<void(std::vector<report_conversation>&&)>;

  report_reads(redis_client& redis, const key_layout& keys, report_read_limits limits = {});

  // Reads the conversations created in [from_ms, to_ms), every group, a batch at a time (first one
  // pipeline of ZCOUNTs, so that the walk knows where it ends): those
  // `keep` accepts, with their events, go to `on_batch` (never an empty batch); a conversation
  // deleted meanwhile is skipped; events appended after its state was read may be left out. Conversations created after the scan began are not read.
  // Errors: bad_input when more than max_conversations were created in the period (nothing is
  // read); the client's errors (Redis down, timeout): the batches handed on so far are then only
  // part of the period, and the caller drops them.
  boost::asio::awaitable<result<report_scan>> scan_created(std::int64_t from_ms, std::int64_t to_ms, keep_fn keep,
                                                           batch_fn on_batch);

  const report_read_limits& limits() const noexcept { return limits_; }

 private:
  // Where the walk through one group's conversations-by-time index stands.
  struct cursor {
    int group = 0;
    std::int64_t score = 0;  // the last creation time read (the first: from_ms)
    std::size_t skip = 0;    // entries at `score` already read
    std::size_t left = 0;    // still to read (from the count at the start)
  };

  boost::asio::awaitable<result<std::vector<std::string>>> next_ids(std::vector<cursor>& groups, std::size_t& at,
                                                                     std::int64_t to_ms, report_scan& scan);
  // A conversation being read, and where its events lie in its customer's timeline.
  struct reading {
    report_conversation conversation;
    std::string timeline;     // the customer's timeline key ("" when it has no events)
    std::string first, last;  // entry ids: the next to read (inclusive, or "(id" after id), the last
  };

  boost::asio::awaitable<result<std::vector<reading>>> states(const std::vector<std::string>& ids, const keep_fn& keep,
                                                              report_scan& scan);
  boost::asio::awaitable<result<void>> events(std::vector<reading>& batch, report_scan& scan);

  redis_client& redis_;
  const key_layout& keys_;
  report_read_limits limits_;
};

}  // namespace switchboard::store
