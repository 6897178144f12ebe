// The router lease: one holder at a time, renewals keep the token, expiry hands over with a larger
// token, and a stale leader's writes are fenced out of every group the new leader fenced.
#include "store/lease.hpp"

#include <gtest/gtest.h>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "store/timeline.hpp"
#include "tests/support/redis_fixture.hpp"

namespace switchboard::store {
namespace {

using switchboard::testing::redis_fixture;
namespace asio = boost::asio;
using namespace std::chrono_literals;

class Lease : public redis_fixture {
 protected:
  void SetUp() override {
    redis_fixture::SetUp();
    client = connect();
  }
  void TearDown() override {
    client.reset();
    redis_fixture::TearDown();
  }
  std::unique_ptr<redis_client> client;
};

TEST_F(Lease, OneHolderAtATimeAndReleaseHandsOver) {
  lease a(*client, "router", "router-a", 10s, keys);
  lease b(*client, "router", "router-b", 10s, keys);
  const auto ta = await(a.acquire());
  ASSERT_TRUE(ta);
  EXPECT_EQ(*ta, 1u);
  EXPECT_EQ(*await(b.acquire()), 0u);     // held by a
  EXPECT_EQ(*await(a.acquire()), 1u);     // renewed: same token
  EXPECT_FALSE(*await(b.release()));      // b cannot release a's lease
  EXPECT_TRUE(*await(a.release()));
  EXPECT_EQ(*await(b.acquire()), 2u);     // b now, with a larger token
  EXPECT_EQ(*await(a.acquire()), 0u);
}

// The counter moved to the lease's slot (Cluster); a router upgraded from a version that counted at
// the former key must get a larger token than that version's, or every group would fence it out.
TEST_F(Lease, NewTokensStartAboveTheCounterAtItsFormerKey) {
  raw({"SET", keys.legacy_lease_token("router"), "41"});
  lease a(*client, "router", "router-a", 10s, keys);
  EXPECT_EQ(*await(a.acquire()), 42u);
  EXPECT_EQ(*await(a.acquire()), 42u);  // renewed: same token
  EXPECT_EQ(raw({"GET", keys.lease("router") + ":token"}).str, "42");
  EXPECT_EQ(keys.lease("router"), "sb:{lease:router}");
}

TEST_F(Lease, AnExpiredLeaseGoesToTheStandbyWithALargerToken) {
  lease a(*client, "router", "router-a", 200ms, keys);
  lease b(*client, "router", "router-b", 200ms, keys);
  ASSERT_EQ(*await(a.acquire()), 1u);
  // a stops renewing (paused or dead); b keeps trying every 50 ms, as a standby does (bounded).
  auto standby = [&]() -> asio::awaitable<std::uint64_t> {
    asio::steady_timer t(co_await asio::this_coro::executor);
    for (int i = 0; i < 100; ++i) {
      auto token = co_await b.acquire();
      if (token && *token != 0) co_return *token;
      t.expires_after(50ms);
      co_await t.async_wait(asio::use_awaitable);
    }
    co_return 0;
  };
  EXPECT_EQ(await(standby()), 2u);
}

TEST_F(Lease, AStaleLeadersWritesAreFencedOut) {
  v1::StoreConfig cfg;
  cfg.set_dedupe_ttl_seconds(60);
  cfg.set_reopen_window_seconds(60);
  timeline_repository repo(*client, keys, ids, clk, cfg);
  append_request open;
  open.customer_id = "cu1";
  open.mode = append_request::target::open_new;
  open.channel = v1::CHANNEL_WEB;
  open.event.mutable_message()->set_direction(v1::DIRECTION_INBOUND);
  open.event.mutable_message()->set_body("hi");
  auto conv = await(repo.append(open));
  ASSERT_TRUE(conv);

  lease a(*client, "router", "router-a", 10s, keys);
  lease b(*client, "router", "router-b", 10s, keys);
  const auto old_token = *await(a.acquire());
  ASSERT_TRUE(*await(a.fence(old_token)));
  auto offer = [&](std::uint64_t token) {
    append_request r;
    r.customer_id = "cu1";
    r.conversation_id = conv->conversation_id;
    r.event.mutable_offer()->set_agent_id("agent-1");
    r.fencing_token = token;
    return repo.append(r);
  };
  ASSERT_TRUE(await(offer(old_token)));  // a leads: its writes land

  // a pauses; its lease is released (or expires); b takes over and fences every group.
  ASSERT_TRUE(*await(a.release()));
  const auto new_token = *await(b.acquire());
  EXPECT_GT(new_token, old_token);
  ASSERT_TRUE(*await(b.fence(new_token)));

  const auto before = raw({"XLEN", keys.timeline("cu1")}).integer;
  auto stale = await(offer(old_token));
  EXPECT_EQ(stale.error(), errc::fenced);
  EXPECT_EQ(raw({"XLEN", keys.timeline("cu1")}).integer, before);  // nothing written
  EXPECT_FALSE(*await(a.fence(old_token)));                       // nor can it lower a fence
  EXPECT_TRUE(await(offer(new_token)));
}

}  // namespace
}  // namespace switchboard::store
