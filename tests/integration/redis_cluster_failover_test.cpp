// Failover inside a real Redis Cluster: a primary killed (SIGKILL) and its replica promoted by the
// cluster, and a manual CLUSTER FAILOVER under traffic. The client and the subscriber follow the
// slots to the new primary; a write is acknowledged only when a primary took it, and what a replica
// acknowledged (WAIT) survives the primary's death.
#include <gtest/gtest.h>

#include <boost/asio/steady_timer.hpp>

#include "store/cluster_slots.hpp"
#include "store/redis_subscriber.hpp"
#include "tests/support/redis_cluster_fixture.hpp"

namespace switchboard::store {
namespace {

using boost::system::error_code;
using switchboard::testing::redis_cluster_fixture;
using namespace std::chrono_literals;

// INCR on one key, one at a time, 10 ms apart, until stopped: what each call answered.
class counter_traffic {
 public:
  counter_traffic(redis_client& c, std::string key) : c_(c), key_(std::move(key)), pause_(c.get_executor()) {}
  void start() { next(); }
  void stop() { stopped_ = true; }
  bool idle() const { return !in_flight_; }
  const std::vector<long long>& acked() const { return acked_; }
  int errors() const { return errors_; }
  const std::string& last_error() const { return last_error_; }
  // Failures the caller was not told to retry (a cluster's passing state must never be one).
  const std::vector<std::string>& final_errors() const { return final_; }

 private:
  void next() {
    in_flight_ = true;
    c_.exec({"INCR", key_}, [this](error_code ec, reply r) {
      in_flight_ = false;
      if (ec) {
        ++errors_;
        last_error_ = r.str.empty() ? ec.message() : r.str;
        if (!is_retryable(ec)) final_.push_back(last_error_);
      } else acked_.push_back(r.integer);
      if (stopped_) return;
      pause_.expires_after(10ms);
      pause_.async_wait([this](error_code e) {
        if (!e && !stopped_) next();
      });
    });
  }

  redis_client& c_;
  std::string key_;
  boost::asio::steady_timer pause_;
  std::vector<long long> acked_;
  int errors_ = 0;
  std::string last_error_;
  std::vector<std::string> final_;
  bool in_flight_ = false;
  bool stopped_ = false;
};

class RedisClusterFailover : public redis_cluster_fixture {
 protected:
  // A hash tag whose slot node `i` serves.
  std::string tag_on(std::size_t i) {
    for (int n = 0; n < 1000; ++n) {
      const std::string tag = "{t" + std::to_string(n) + "}";
      if (owner_of(key_slot(tag)) == i) return tag;
    }
    ADD_FAILURE() << "no tag on node " << i;
    return {};
  }
  void stop_traffic(counter_traffic& t) {
    t.stop();
    EXPECT_TRUE(run_until([&] { return t.idle(); }));
  }
};

TEST_F(RedisClusterFailover, AKilledPrimarysSlotsFollowItsPromotedReplicaAndWhatAReplicaAcknowledgedSurvives) {
  const std::size_t replica = add_replica(0);
  auto c = connect_cluster();
  const std::string tag = tag_on(0), room = tag + "room";
  auto [ec, set] = run(*c, {"SET", tag + "kept", "before"});
  ASSERT_FALSE(ec) << set.str;
  std::optional<reply> waited;
  std::array<std::string_view, 3> wait{"WAIT", "1", "2000"};
  c->exec_near(tag, wait, [&](error_code, reply r) { waited = std::move(r); });
  ASSERT_TRUE(run_until([&] { return waited.has_value(); }));
  ASSERT_EQ(waited->integer, 1) << "the replica should have acknowledged the write";

  redis_subscriber sub(ioc.get_executor(), cluster_options(), clk);
  std::vector<std::string> heard;
  int resubscribed = 0;
  sub.on_resubscribed([&] { ++resubscribed; });
  sub.subscribe(room, [&](std::string_view, std::string_view p) { heard.emplace_back(p); });
  sub.start();
  ASSERT_TRUE(run_until([&] { return sub.ready(); }));

  counter_traffic traffic(*c, tag + "n");
  // Writes to a primary that stays up: the cluster refuses them too while a slot has no primary
  // (CLUSTERDOWN, cluster-require-full-coverage), which the caller must be told to retry.
  counter_traffic elsewhere(*c, tag_on(2) + "n");
  traffic.start();
  elsewhere.start();
  ASSERT_TRUE(run_until([&] { return traffic.acked().size() >= 5; }));
  nodes[0]->kill();
  const std::size_t acked_before = traffic.acked().size();
  // Until the cluster promotes the replica the slot's commands fail, and say so; then they land there.
  ASSERT_TRUE(run_until([&] { return traffic.acked().size() >= acked_before + 5; }, 30s))
      << traffic.errors() << " errors, no write taken since the kill";
  stop_traffic(traffic);
  stop_traffic(elsewhere);
  EXPECT_GT(traffic.errors(), 0) << "writes sent while the slot had no primary must fail";
  EXPECT_EQ(traffic.final_errors(), std::vector<std::string>{}) << "a failover's errors are all 'retry'";
  EXPECT_EQ(elsewhere.final_errors(), std::vector<std::string>{}) << "a failover's errors are all 'retry'";
  EXPECT_EQ(raw_at(2, {"GET", tag_on(2) + "n"}).str, std::to_string(elsewhere.acked().back()));
  EXPECT_EQ(owner_of(key_slot(tag)), replica);
  EXPECT_EQ(raw_at(replica, {"GET", tag + "kept"}).str, "before");
  EXPECT_EQ(raw_at(replica, {"GET", tag + "n"}).str, std::to_string(traffic.acked().back()))
      << "the last acknowledged write is on the new primary";
  ASSERT_TRUE(run_until([&] { return c->address().find(std::to_string(nodes[replica]->port())) != std::string::npos; }));
  EXPECT_EQ(c->address().find(std::to_string(nodes[0]->port())), std::string::npos) << c->address();

  // The subscriber takes its channel up on the new primary and says so (the owner reads back).
  ASSERT_TRUE(run_until([&] { return resubscribed > 0 && sub.ready(); }, 30s));
  EXPECT_EQ(raw_at(replica, {"SPUBLISH", room, "after"}).integer, 1);
  ASSERT_TRUE(run_until([&] { return !heard.empty() && heard.back() == "after"; }));
  sub.stop();
}

TEST_F(RedisClusterFailover, AManualFailoverUnderTrafficLosesNoAcknowledgedWrite) {
  const std::size_t replica = add_replica(1);
  auto c = connect_cluster();
  const std::string key = tag_on(1) + "n";
  counter_traffic traffic(*c, key);
  traffic.start();
  ASSERT_TRUE(run_until([&] { return traffic.acked().size() >= 5; }));
  // The replica asks the primary to stop writes, catches up and takes over (redis-cli's way).
  ASSERT_EQ(raw_at(replica, {"CLUSTER", "FAILOVER"}).str, "OK");
  wait_until_primary(replica);
  const std::size_t acked_before = traffic.acked().size();
  // The former primary answers MOVED now: the client follows to the new one.
  ASSERT_TRUE(run_until([&] { return traffic.acked().size() >= acked_before + 10; }, 30s)) << traffic.errors();
  stop_traffic(traffic);
  EXPECT_EQ(owner_of(key_slot(key)), replica);
  EXPECT_EQ(traffic.errors(), 0) << "a manual failover pauses writes, it does not fail them: " << traffic.last_error();
  const auto& acked = traffic.acked();
  for (std::size_t i = 0; i < acked.size(); ++i) EXPECT_EQ(acked[i], static_cast<long long>(i) + 1) << i;
  EXPECT_EQ(raw_at(replica, {"GET", key}).str, std::to_string(acked.size())) << "every acknowledged write is kept";
  EXPECT_EQ(raw_at(1, {"ROLE"}).elements.at(0).str, "slave") << "the former primary follows the new one";
}

}  // namespace
}  // namespace switchboard::store
