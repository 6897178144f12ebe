#include <gtest/gtest.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "store/scripts.hpp"
#include "tests/support/redis_fixture.hpp"

namespace switchboard::store {
namespace {

using boost::system::error_code;
using switchboard::testing::redis_fixture;

class RedisClient : public redis_fixture {};


TEST_F(RedisClient, RunsCommandsAndTypesReplies) {
  auto c = connect();
  std::vector<std::pair<error_code, reply>> got;
  auto keep = [&](error_code ec, reply r) { got.emplace_back(ec, std::move(r)); };
  c->exec({"SET", "k", "v"}, keep);
  c->exec({"GET", "k"}, keep);
  c->exec({"INCR", "n"}, keep);
  c->exec({"GET", "missing"}, keep);
  c->exec({"LPUSH", "k", "x"}, keep);  // wrong type: an error reply
  ASSERT_TRUE(run_until([&] { return got.size() == 5; }));
  EXPECT_EQ(got[0].second.str, "OK");
  EXPECT_EQ(got[1].second.str, "v");
  EXPECT_EQ(got[2].second.integer, 1);
  EXPECT_TRUE(got[3].second.is_nil());
  EXPECT_EQ(got[4].first, errc::server_error);
  EXPECT_EQ(got[4].second.error_code(), "WRONGTYPE");
}

TEST_F(RedisClient, PipelinesManyCommandsAndMatchesRepliesInOrder) {
  auto c = connect();
  constexpr int n = 5000;
  std::vector<std::int64_t> got;
  for (int i = 0; i < n; ++i) {
    c->exec({"INCR", "counter"}, [&](error_code ec, reply r) {
      EXPECT_FALSE(ec);
      got.push_back(r.integer);
    });
  }
  ASSERT_TRUE(run_until([&] { return got.size() == n; }));
  for (int i = 0; i < n; ++i) ASSERT_EQ(got[static_cast<std::size_t>(i)], i + 1);
}

TEST_F(RedisClient, ASlowReplyTimesOutAndTheClientRecovers) {
  auto c = connect();
  std::optional<error_code> slow, behind;
  // The server holds every normal client's commands for 1.5 s, past the 1 s command timeout.
  raw({"CLIENT", "PAUSE", "1500", "ALL"});
  c->exec({"PING"}, [&](error_code ec, reply) { slow = ec; });
  c->exec({"PING"}, [&](error_code ec, reply) { behind = ec; });
  ASSERT_TRUE(run_until([&] { return slow && behind; }));
  EXPECT_EQ(*slow, errc::timeout);
  EXPECT_EQ(*behind, errc::timeout);  // stuck behind it on the same connection
  // A new connection is made; commands work again.
  ASSERT_TRUE(run_until([&] { return c->link().reconnects() >= 1 && c->ready(); }, std::chrono::seconds(10)));
  std::optional<reply> pong;
  c->exec({"PING"}, [&](error_code ec, reply r) {
    EXPECT_FALSE(ec);
    pong = r;
  });
  ASSERT_TRUE(run_until([&] { return pong.has_value(); }));
  EXPECT_EQ(pong->str, "PONG");
  EXPECT_GE(c->link().reconnects(), 1u);
}

TEST_F(RedisClient, ScriptsRunBySha1AndReloadAfterAFlush) {
  auto c = connect();
  redis_script echo("echo", "return ARGV[1] .. KEYS[1]");
  std::optional<reply> first, second;
  std::array<std::string_view, 1> keys{"k"};
  std::array<std::string_view, 1> args{"a-"};
  // Not registered, so not loaded: the first EVALSHA gets NOSCRIPT and is retried with EVAL.
  c->eval(echo, keys, args, [&](error_code ec, reply r) {
    EXPECT_FALSE(ec) << r.str;
    first = r;
  });
  ASSERT_TRUE(run_until([&] { return first.has_value(); }));
  EXPECT_EQ(first->str, "a-k");
  EXPECT_EQ(raw({"SCRIPT", "EXISTS", echo.sha1}).elements.at(0).integer, 1);
  raw({"SCRIPT", "FLUSH"});
  c->eval(echo, keys, args, [&](error_code ec, reply r) {
    EXPECT_FALSE(ec) << r.str;
    second = r;
  });
  ASSERT_TRUE(run_until([&] { return second.has_value(); }));
  EXPECT_EQ(second->str, "a-k");
}

TEST_F(RedisClient, RegisteredScriptsAreLoadedOnConnect) {
  auto c = connect();
  EXPECT_EQ(raw({"SCRIPT", "EXISTS", scripts::append().sha1}).elements.at(0).integer, 1);
  EXPECT_EQ(raw({"SCRIPT", "EXISTS", scripts::read_conversation().sha1}).elements.at(0).integer, 1);
}

TEST_F(RedisClient, ScriptErrorsComeBackAsServerErrors) {
  auto c = connect();
  redis_script bad("bad", "return redis.error_reply('NOCONV conversation not found')");
  std::optional<std::pair<error_code, reply>> got;
  c->eval(bad, std::vector<std::string>{}, std::vector<std::string>{}, [&](error_code ec, reply r) { got.emplace(ec, r); });
  ASSERT_TRUE(run_until([&] { return got.has_value(); }));
  EXPECT_EQ(got->first, errc::server_error);
  EXPECT_EQ(got->second.error_code(), "NOCONV");
}

TEST_F(RedisClient, FailsFastWhileRedisIsDownAndReconnectsWhenItIsBack) {
  auto c = connect();
  const int port = server->port();
  server->kill();
  ASSERT_TRUE(run_until([&] { return !c->ready(); }));
  std::optional<error_code> down;
  c->exec({"PING"}, [&](error_code ec, reply) { down = ec; });
  ASSERT_TRUE(run_until([&] { return down.has_value(); }, std::chrono::milliseconds(50)))
      << "a command while down must fail at once, not wait for a timeout";
  EXPECT_EQ(*down, errc::not_connected);

  store::redis_process_options o;
  o.dir = dir;
  o.port = port;
  server = std::make_unique<store::redis_process>(o);
  server->start();
  ASSERT_TRUE(run_until([&] { return c->ready(); }));
  std::optional<reply> pong;
  c->exec({"PING"}, [&](error_code, reply r) { pong = r; });
  ASSERT_TRUE(run_until([&] { return pong.has_value(); }));
  EXPECT_EQ(pong->str, "PONG");
}

TEST_F(RedisClient, CommandsInFlightWhenTheServerDiesFailAsDisconnected) {
  auto c = connect();
  std::optional<error_code> got;
  raw({"CLIENT", "PAUSE", "5000", "ALL"});  // the reply will never come before the kill
  c->exec({"PING"}, [&](error_code ec, reply) { got = ec; });
  c->exec({"PING"}, [](error_code, reply) {});
  // Flush the command out, then kill the server under it.
  ioc.poll();
  server->kill();
  ASSERT_TRUE(run_until([&] { return got.has_value(); }));
  EXPECT_TRUE(*got == errc::disconnected || *got == errc::timeout) << got->message();
}

TEST_F(RedisClient, SurvivesItsConnectionClosingInsideAReadCallback) {
  auto c = connect();
  // The server closes our connection right after this reply: hiredis sees EOF inside the read
  // handler that delivered it and runs the cleanup hook from there.
  std::optional<error_code> kill_reply;
  c->exec({"CLIENT", "KILL", "SKIPME", "no"}, [&](error_code ec, reply) { kill_reply = ec; });
  ASSERT_TRUE(run_until([&] { return kill_reply.has_value(); }));
  ASSERT_TRUE(run_until([&] { return c->link().reconnects() >= 1 && c->ready(); }));
  std::optional<reply> pong;
  c->exec({"PING"}, [&](error_code, reply r) { pong = r; });
  ASSERT_TRUE(run_until([&] { return pong.has_value(); }));
  EXPECT_EQ(pong->str, "PONG");
}

TEST_F(RedisClient, StoppingFromInsideAReplyHandlerIsSafe) {
  auto c = connect();
  int handled = 0;
  std::optional<error_code> second;
  c->exec({"PING"}, [&](error_code, reply) {
    ++handled;
    c->stop();  // frees the hiredis context from inside its own callback: deferred
  });
  c->exec({"PING"}, [&](error_code ec, reply) { second = ec; });
  ASSERT_TRUE(run_until([&] { return second.has_value(); }));
  EXPECT_EQ(handled, 1);
  EXPECT_EQ(*second, errc::shutting_down);
  EXPECT_FALSE(c->ready());
  c.reset();
  ioc.poll();
}

TEST_F(RedisClient, ConnectRetriesWithBackoffUntilTheServerAppears) {
  const int port = pick_free_port();
  auto o = options();
  o.port = port;
  redis_client c(ioc.get_executor(), o, clk);
  c.start();
  // Nothing listens: it keeps trying (bounded wait), never ready.
  EXPECT_FALSE(run_until([&] { return c.ready(); }, std::chrono::milliseconds(300)));
  store::redis_process_options po;
  po.dir = dir + "/late";
  po.port = port;
  redis_process late(po);
  late.start();
  EXPECT_TRUE(run_until([&] { return c.ready(); }));
  c.stop();
  late.stop();
}

TEST_F(RedisClient, StoppingWhileAConnectIsPendingIsSafe) {
  // Nothing listens: each connect either fails at once or is still pending when stop() frees the
  // context, which hiredis then never reports as disconnected (ASan checked the free once).
  auto o = options();
  o.port = pick_free_port();
  for (int i = 0; i < 50; ++i) {
    auto c = std::make_unique<redis_client>(ioc.get_executor(), o, clk);
    c->start();
    ioc.poll();  // sometimes the connect completes (refused) first, sometimes not
    c->stop();
    EXPECT_FALSE(c->ready());
    c.reset();
    ioc.poll();
  }
}

TEST_F(RedisClient, AuthenticatesAndSelectsTheDatabase) {
  raw({"CONFIG", "SET", "requirepass", "s3cret"});
  auto o = options();
  o.password = "s3cret";
  o.db = 2;
  redis_client c(ioc.get_executor(), o, clk);
  c.start();
  ASSERT_TRUE(run_until([&] { return c.ready(); }));
  std::optional<reply> r;
  c.exec({"SET", "in-db-2", "x"}, [&](error_code, reply) {});
  c.exec({"CLIENT", "INFO"}, [&](error_code, reply rep) { r = rep; });
  ASSERT_TRUE(run_until([&] { return r.has_value(); }));
  EXPECT_NE(r->str.find("db=2"), std::string::npos) << r->str;

  auto wrong = options();
  wrong.password = "nope";
  redis_client refused(ioc.get_executor(), wrong, clk);
  refused.start();
  EXPECT_FALSE(run_until([&] { return refused.ready(); }, std::chrono::milliseconds(300)));
  refused.stop();
  c.stop();
  ioc.poll();
}

}  // namespace
}  // namespace switchboard::store
