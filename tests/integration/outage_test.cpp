// Redis dies in the middle of a flood of appends and comes back: calls fail fast while it is down,
// the client reconnects, retries with the same idempotency keys store each event exactly once, and
// no append is half-applied (timeline, index and sequence numbers always agree).

#include <gtest/gtest.h>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <map>
#include <set>

#include "store/timeline.hpp"
#include "tests/support/redis_fixture.hpp"

namespace switchboard::store {
namespace {

using switchboard::testing::redis_fixture;
namespace asio = boost::asio;

class Outage : public redis_fixture {
 protected:
  Outage() { appendfsync = "always"; }  // every acknowledged append is on disk before the ack
};

struct flood {
  static constexpr int customers = 8;
  static constexpr int total = 3000;
  std::vector<std::string> conv;       // conversation of customer i
  int next = 0;
  std::set<int> acked;
  std::vector<int> failed;
  std::map<std::string, int> errors;   // error message → count
  int done = 0;
};

append_request nth(const flood& f, int i) {
  append_request r;
  r.customer_id = "cu" + std::to_string(i % flood::customers);
  r.conversation_id = f.conv[static_cast<std::size_t>(i % flood::customers)];
  r.idempotency_key = "k" + std::to_string(i);
  r.event.set_actor("agent-1");
  r.event.mutable_message()->set_direction(v1::DIRECTION_OUTBOUND);
  r.event.mutable_message()->set_body("msg " + std::to_string(i));
  return r;
}

asio::awaitable<void> lane(timeline_repository& repo, flood& f) {
  while (f.next < flood::total) {
    const int i = f.next++;
    auto r = co_await repo.append(nth(f, i));
    if (r) {
      f.acked.insert(i);
    } else {
      f.failed.push_back(i);
      ++f.errors[r.error().message()];
    }
    ++f.done;
  }
}

TEST_F(Outage, AppendsSurviveARedisCrashWithNothingHalfApplied) {
  auto client = connect();
  v1::StoreConfig cfg;
  cfg.set_dedupe_ttl_seconds(3600);
  cfg.set_reopen_window_seconds(3600);
  timeline_repository repo(*client, keys, ids, clk, cfg);

  flood f;
  for (int c = 0; c < flood::customers; ++c) {
    append_request open;
    open.customer_id = "cu" + std::to_string(c);
    open.mode = append_request::target::open_new;
    open.channel = v1::CHANNEL_WEB;
    open.event.mutable_message()->set_direction(v1::DIRECTION_INBOUND);
    open.event.mutable_message()->set_body("hello");
    auto r = await(repo.append(open));
    ASSERT_TRUE(r);
    f.conv.push_back(r->conversation_id);
  }

  for (int l = 0; l < 32; ++l) asio::co_spawn(ioc, lane(repo, f), asio::detached);
  ASSERT_TRUE(run_until([&] { return f.acked.size() >= 800; }));
  const int port = server->port();
  server->kill();  // SIGKILL: no shutdown, the AOF is whatever was fsynced
  ASSERT_TRUE(run_until([&] { return f.done == flood::total; }, std::chrono::seconds(30)));

  // While Redis was down the rest failed at once with "not connected", not after a timeout.
  ASSERT_FALSE(f.failed.empty());
  EXPECT_GT(f.errors[boost::system::error_code(errc::not_connected).message()], 0);
  for (const auto& [msg, n] : f.errors) {
    EXPECT_TRUE(msg == boost::system::error_code(errc::not_connected).message() ||
                msg == boost::system::error_code(errc::disconnected).message())
        << msg << " x" << n;
  }

  redis_process_options o;
  o.dir = dir;
  o.port = port;
  o.appendfsync = "always";
  server = std::make_unique<redis_process>(o);
  server->start();
  ASSERT_TRUE(run_until([&] { return client->ready(); }));

  // Retry every failure with its idempotency key: each lands exactly once.
  for (int i : f.failed) {
    auto r = await(repo.append(nth(f, i)));
    ASSERT_TRUE(r) << r.error().message();
    f.acked.insert(i);
  }
  ASSERT_EQ(f.acked.size(), static_cast<std::size_t>(flood::total));

  // Invariants: per conversation, seq 1..last_seq with no gap, index and timeline agree, and every
  // message i is in the timeline exactly once.
  std::map<int, int> seen;
  for (int c = 0; c < flood::customers; ++c) {
    const std::string cu = "cu" + std::to_string(c);
    auto conv = await(repo.conversation(f.conv[static_cast<std::size_t>(c)]));
    ASSERT_TRUE(conv);
    auto events = await(repo.read_conversation(conv->id(), 0, 100000));
    ASSERT_TRUE(events);
    ASSERT_EQ(static_cast<std::int64_t>(events->size()), conv->last_seq()) << cu;
    EXPECT_EQ(raw({"XLEN", keys.timeline(cu)}).integer, conv->last_seq()) << cu;
    for (std::size_t k = 0; k < events->size(); ++k) {
      ASSERT_EQ((*events)[k].seq(), static_cast<std::int64_t>(k + 1));
      const auto& body = (*events)[k].message().body();
      if (body.rfind("msg ", 0) == 0) ++seen[std::stoi(body.substr(4))];
    }
  }
  ASSERT_EQ(seen.size(), static_cast<std::size_t>(flood::total));
  for (const auto& [i, n] : seen) ASSERT_EQ(n, 1) << "message " << i;
}

}  // namespace
}  // namespace switchboard::store
