#pragma once
// One timeline across merged customers: a customer's own stream and the streams of every customer
// merged into them while the merge stands (transitively: A into B and B into C puts A's in C's),
// read as one, in time order, with a cursor that pages across streams. Owns the cursor format and
// the walk of the merge index (<customer key>:src, written by store/identities.cpp); it never
// copies or rewrites a stream (each stays on its own hash tag's slot).
//
// Order and cursor: an entry's place is (stream id, customer id) — the stream id as two numbers,
// then the id of the customer whose stream holds it, which tells apart equal ids of different
// streams (within one stream ids are unique). A cursor names the last place seen:
//   "<ms>-<seq>~<customer>"  after that entry (given out while the timeline reads several streams)
//   "<ms>-<seq>" or "<ms>"    after every entry up to that stream id in every stream (given out
//                             while it reads one stream: the cursor of before merges existed)
// The order does not depend on which streams are read, so a page after a merge or an undo neither
// repeats nor skips an event of the streams it still reads.
//
// Pure functions are thread-safe; the coroutines run on the redis_client's executor.

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "proto/model.pb.h"
#include "store/keys.hpp"
#include "store/redis_client.hpp"
#include "store/timeline.hpp"

namespace switchboard::store {

// At most this many customers (the one asked for included) are read as one timeline; a merge that
// would make more is refused by its endpoint (gateway/customer_merges.cpp), and a walk stops there.
inline constexpr std::size_t kMaxMergedCustomers = 32;

struct timeline_cursor {
  bool from_start = true;   // "": from the beginning
  std::uint64_t ms = 0;
  std::uint64_t seq = 0;
  std::string customer;     // empty: after (ms, seq) in every stream
};

// "" → from the start; nullopt when `s` is none of the forms above. Pure.
std::optional<timeline_cursor> parse_timeline_cursor(std::string_view s);
// The XRANGE start of `customer`'s stream for the entries after `c` ("-", "<id>" or "(<id>"). Pure.
std::string range_start(const timeline_cursor& c, std::string_view customer);

// One stream entry, decoded, with its place in the merged order.
struct merged_entry {
  std::uint64_t ms = 0;
  std::uint64_t seq = 0;
  std::string customer;
  v1::Event event;
};

// The first `count` of `entries` (any order in, each stream's entries after the cursor) in the
// merged order, and the cursor after the last when the page is full ("" otherwise); the cursor
// names the customer when `several_streams`. Pure.
timeline_page interleave(std::vector<merged_entry> entries, std::size_t count, bool several_streams);

// `customer` and every customer merged into them while the merge stands, transitively, in walk
// order (the customer first), at most kMaxMergedCustomers. One SMEMBERS per customer.
boost::asio::awaitable<result<std::vector<std::string>>> merged_family(redis_client& redis, const key_layout& keys,
                                                                       std::string customer);

// Up to `count` events of the merged timeline after `after` (a cursor as above). Errors:
// bad_input (a malformed cursor, count 0) and the client's. One SMEMBERS per customer of the
// family and one XRANGE (COUNT `count`) per stream.
boost::asio::awaitable<result<timeline_page>> read_merged_timeline(redis_client& redis, const key_layout& keys,
                                                                   std::string customer, std::string after,
                                                                   std::size_t count);

}  // namespace switchboard::store
