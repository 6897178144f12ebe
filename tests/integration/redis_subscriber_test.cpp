#include "store/redis_subscriber.hpp"

#include <gtest/gtest.h>

#include "tests/support/redis_fixture.hpp"

namespace switchboard::store {
namespace {

using switchboard::testing::redis_fixture;

class RedisSubscriber : public redis_fixture {};

TEST_F(RedisSubscriber, ReceivesWhatIsPublished) {
  redis_subscriber sub(ioc.get_executor(), options(), clk);
  std::vector<std::pair<std::string, std::string>> got;
  sub.subscribe("ch:a", [&](std::string_view c, std::string_view p) { got.emplace_back(c, p); });
  sub.subscribe("ch:b", [&](std::string_view c, std::string_view p) { got.emplace_back(c, p); });
  sub.start();
  ASSERT_TRUE(run_until([&] { return sub.ready(); }));
  EXPECT_EQ(raw({"SPUBLISH", "ch:a", "one"}).integer, 1);
  EXPECT_EQ(raw({"SPUBLISH", "ch:b", std::string("two\0bytes", 9)}).integer, 1);
  EXPECT_EQ(raw({"SPUBLISH", "ch:other", "x"}).integer, 0);
  ASSERT_TRUE(run_until([&] { return got.size() == 2; }));
  EXPECT_EQ(got[0], std::make_pair(std::string("ch:a"), std::string("one")));
  EXPECT_EQ(got[1].second, std::string("two\0bytes", 9));

  sub.unsubscribe("ch:a");
  // The unsubscribe is confirmed when SPUBLISH counts no receiver (bounded wait).
  ASSERT_TRUE(run_until([&] { return raw({"PUBSUB", "SHARDNUMSUB", "ch:a"}).elements.at(1).integer == 0; }));
  sub.subscribe("ch:c", [&](std::string_view c, std::string_view p) { got.emplace_back(c, p); });
  ASSERT_TRUE(run_until([&] { return sub.ready(); }));
  raw({"SPUBLISH", "ch:c", "three"});
  ASSERT_TRUE(run_until([&] { return got.size() == 3; }));
  EXPECT_EQ(got[2].first, "ch:c");
  sub.stop();
}

// A joiner that must not miss a message waits for the confirmation: after it, every SPUBLISH
// reaches the handler (the gateway then reads the stream for what came before).
TEST_F(RedisSubscriber, TellsWhenASubscriptionIsConfirmed) {
  redis_subscriber sub(ioc.get_executor(), options(), clk);
  sub.start();
  ASSERT_TRUE(run_until([&] { return sub.ready(); }));
  std::vector<std::string> got;
  sub.subscribe("ch:a", [&](std::string_view, std::string_view p) { got.emplace_back(p); });
  int told = 0;
  EXPECT_FALSE(sub.confirmed("ch:a", [&] { ++told; }));  // the SUBSCRIBE is not even written yet
  ASSERT_TRUE(run_until([&] { return told == 1; }));
  EXPECT_EQ(raw({"SPUBLISH", "ch:a", "first"}).integer, 1);  // confirmed: Redis counts us
  EXPECT_TRUE(sub.confirmed("ch:a", [&] { ++told; }));
  ASSERT_TRUE(run_until([&] { return got.size() == 1; }));
  EXPECT_EQ(told, 1);

  // Unsubscribed before its confirmation: the waiter is told at once (nothing to wait for).
  sub.subscribe("ch:b", [](std::string_view, std::string_view) {});
  EXPECT_FALSE(sub.confirmed("ch:b", [&] { ++told; }));
  sub.unsubscribe("ch:b");
  EXPECT_EQ(told, 2);
  EXPECT_TRUE(sub.confirmed("ch:never", [&] { ++told; }));
  EXPECT_EQ(told, 2);
  sub.stop();
}

TEST_F(RedisSubscriber, ResubscribesAfterTheServerRestarts) {
  redis_subscriber sub(ioc.get_executor(), options(), clk);
  int resubscribed = 0;
  std::vector<std::string> got;
  sub.on_resubscribed([&] { ++resubscribed; });
  sub.subscribe("ch:a", [&](std::string_view, std::string_view p) { got.emplace_back(p); });
  sub.start();
  ASSERT_TRUE(run_until([&] { return sub.ready(); }));
  EXPECT_EQ(resubscribed, 1);
  // A channel added later is no reconnect: nothing was missed, nobody is told.
  bool b_confirmed = false;
  sub.subscribe("ch:b", [](std::string_view, std::string_view) {});
  sub.confirmed("ch:b", [&] { b_confirmed = true; });
  ASSERT_TRUE(run_until([&] { return b_confirmed; }));
  EXPECT_EQ(resubscribed, 1);

  const int port = server->port();
  server->kill();
  ASSERT_TRUE(run_until([&] { return !sub.ready(); }));
  redis_process_options o;
  o.dir = dir;
  o.port = port;
  server = std::make_unique<redis_process>(o);
  server->start();
  ASSERT_TRUE(run_until([&] { return sub.ready(); }));
  EXPECT_EQ(resubscribed, 2);
  raw({"SPUBLISH", "ch:a", "after"});
  ASSERT_TRUE(run_until([&] { return got.size() == 1; }));
  EXPECT_EQ(got[0], "after");
  sub.stop();
}

}  // namespace
}  // namespace switchboard::store
