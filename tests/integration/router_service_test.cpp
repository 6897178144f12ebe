// The router service against a real Redis: a routing loop that dies gives the lease up at once, so
// a standby takes over, and the process contends again as a fresh router (issue 10.5).
#include "router/service.hpp"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <sstream>
#include <stdexcept>

#include "core/config.hpp"
#include "store/timeline.hpp"
#include "tests/support/redis_fixture.hpp"

namespace switchboard::router {
namespace {

using switchboard::testing::redis_fixture;
using namespace std::chrono_literals;

class RouterService : public redis_fixture {
 protected:
  void SetUp() override {
    redis_fixture::SetUp();
    cfg.set_dedupe_ttl_seconds(60);
    cfg.set_reopen_window_seconds(60);
    // The service's log lines, to check what it says (restored in TearDown).
    saved_logger = spdlog::default_logger();
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(log);
    spdlog::set_default_logger(std::make_shared<spdlog::logger>("router-test", sink));
  }
  void TearDown() override {
    spdlog::set_default_logger(saved_logger);
    redis_fixture::TearDown();
  }

  service_options options(std::string instance) const {
    service_options o(default_config(), std::move(instance));
    o.lease_ttl = 600ms;
    o.max_block = 100ms;  // below the fixture's 1 s command timeout
    o.restart_backoff = 300ms;
    v1::Queue q;
    q.set_name("general");
    q.set_team("care");
    o.queues.push_back(q);
    return o;
  }

  // A customer's first message: a routing note the leader reads.
  void customer_writes(store::redis_client& client, const std::string& customer) {
    store::timeline_repository repo(client, keys, ids, clk, cfg);
    store::append_request r;
    r.customer_id = customer;
    r.mode = store::append_request::target::open_new;
    r.channel = v1::CHANNEL_WEB;
    r.event.mutable_message()->set_direction(v1::DIRECTION_INBOUND);
    r.event.mutable_message()->set_body("hello");
    r.fields.set_if_created("queue", "general");
    ASSERT_TRUE(await(repo.append(std::move(r))));
  }

  // Stops a service and runs until it says it has stopped (bounded).
  bool stop(service& s) {
    bool done = false;
    s.stop([&] { done = true; });
    return run_until([&] { return done; }, 5s);
  }

  std::string lease_holder() { return raw({"GET", keys.lease("router")}).str; }

  v1::StoreConfig cfg;
  std::ostringstream log;
  std::shared_ptr<spdlog::logger> saved_logger;
};

TEST_F(RouterService, ADeadRoutingLoopGivesTheLeaseUpAndContendsAgain) {
  auto redis_a = connect();
  auto redis_b = connect();
  auto writer = connect();
  int notes_seen = 0;
  auto opts_a = options("router-a");
  opts_a.on_note_for_test = [&] {
    if (++notes_seen == 1) throw std::runtime_error("bug in the routing of a note");
  };
  service a(ioc.get_executor(), *redis_a, keys, ids, clk, cfg, opts_a);
  service b(ioc.get_executor(), *redis_b, keys, ids, clk, cfg, options("router-b"));
  a.start();
  ASSERT_TRUE(run_until([&] { return a.leader(); })) << "router-a never led";
  b.start();
  EXPECT_FALSE(run_until([&] { return b.leader(); }, 1s)) << "two leaders";

  customer_writes(*writer, "cu1");  // router-a's loop throws on this note
  ASSERT_TRUE(run_until([&] { return notes_seen >= 1; })) << "router-a never read the note";

  // The lease is given up at once (well within a TTL or two), and the standby leads.
  EXPECT_TRUE(run_until([&] { return b.leader(); }, 3s)) << "router-a kept the lease after its loop died";
  EXPECT_EQ(lease_holder(), "router-b");
  EXPECT_FALSE(a.leader());
  EXPECT_EQ(a.loop_failures(), 1);
  EXPECT_NE(log.str().find("router router-a: the routing loop died (bug in the routing of a note)"),
            std::string::npos)
      << log.str();

  // router-a contends again: when router-b goes, it leads once more.
  ASSERT_TRUE(stop(b));
  EXPECT_TRUE(run_until([&] { return a.leader(); }, 5s)) << "router-a stopped contending";
  EXPECT_EQ(lease_holder(), "router-a");
  EXPECT_TRUE(stop(a));
  EXPECT_EQ(lease_holder(), "");  // released on stop
}

// Stopped while waiting to restart: the loop is not restarted, the lease stays given up, and
// stop's callback runs.
TEST_F(RouterService, AStopDuringTheRestartWaitEndsTheService) {
  auto redis_a = connect();
  auto writer = connect();
  auto opts_a = options("router-a");
  opts_a.restart_backoff = 10s;
  bool thrown = false;
  opts_a.on_note_for_test = [&] {
    thrown = true;
    throw std::runtime_error("bug");
  };
  service a(ioc.get_executor(), *redis_a, keys, ids, clk, cfg, opts_a);
  a.start();
  ASSERT_TRUE(run_until([&] { return a.leader(); }));
  customer_writes(*writer, "cu1");
  ASSERT_TRUE(run_until([&] { return thrown && lease_holder().empty(); }, 3s)) << "the lease was kept";
  EXPECT_TRUE(stop(a)) << "stop's callback never ran";
  EXPECT_FALSE(a.leader());
  EXPECT_EQ(a.loop_failures(), 1);
  EXPECT_EQ(lease_holder(), "");
}

}  // namespace
}  // namespace switchboard::router
