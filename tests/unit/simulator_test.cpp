// The simulator against queueing theory (Erlang C, computed here independently of the code under
// test), its determinism, and the pooling effect of multi-skilled agents.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>

#include "tools/sim/simulator.hpp"

namespace switchboard::sim {
namespace {

// Erlang C: probability that an arrival waits, with n agents and offered load a (Erlangs).
double erlang_c(int n, double a) {
  double term = 1, sum = 0;  // a^k / k!
  for (int k = 0; k < n; ++k) {
    sum += term;
    term *= a / (k + 1);
  }
  const double top = term * n / (n - a);
  return top / (sum + top);
}

double erlang_sl(int n, double a, double aht, double target) {
  return 1 - erlang_c(n, a) * std::exp(-(n - a) * target / aht);
}

struct load {
  double occupancy;
  double hours;  // longer runs where the wait is more correlated
};

class ErlangC : public ::testing::TestWithParam<load> {};

TEST_P(ErlangC, OneSkillQueueWithoutAbandonmentMatchesTheFormula) {
  const int n = 10;
  const double aht = 300, target = 20;
  const double a = n * GetParam().occupancy;
  const double per_hour = a * 3600 / aht;
  const auto r = simulate(one_queue(n, per_hour, aht, target, GetParam().hours), 7);
  const auto& q = r.queues.at(0);
  const double pw = erlang_c(n, a), sl = erlang_sl(n, a, aht, target);
  std::printf("occupancy %.2f: P(wait) sim %.4f vs Erlang C %.4f; SL(20 s) sim %.4f vs %.4f; occupancy %.4f; %lld "
              "arrivals\n",
              GetParam().occupancy, q.p_wait, pw, q.service_level, sl, r.groups[0].occupancy,
              static_cast<long long>(q.arrivals));
  EXPECT_NEAR(q.p_wait, pw, 0.02);
  EXPECT_NEAR(q.service_level, sl, 0.02);
  EXPECT_NEAR(r.groups[0].occupancy, GetParam().occupancy, 0.02);
  EXPECT_EQ(q.abandoned, 0);
  EXPECT_EQ(q.answered, q.arrivals);
}

INSTANTIATE_TEST_SUITE_P(Loads, ErlangC,
                         ::testing::Values(load{0.70, 3000}, load{0.80, 3000}, load{0.90, 6000}, load{0.95, 20000}));

TEST(Simulator, TheSameSeedGivesTheSameReport) {
  auto s = one_queue(5, 50, 240, 20, 200, 120);
  EXPECT_EQ(to_json(simulate(s, 42)), to_json(simulate(s, 42)));
  EXPECT_NE(to_json(simulate(s, 42)), to_json(simulate(s, 43)));
}

TEST(Simulator, ImpatientCustomersAbandon) {
  const auto r = simulate(one_queue(5, 70, 240, 20, 500, 60), 3);  // 93% offered load, 1 min patience
  const auto& q = r.queues[0];
  EXPECT_GT(q.abandon_rate, 0.01);
  EXPECT_EQ(q.answered + q.abandoned, q.arrivals);
  std::printf("abandonment %.4f, SL %.4f, ASA %.1f s\n", q.abandon_rate, q.service_level, q.asa_seconds);
}

TEST(Simulator, LognormalHandleTimesKeepTheirMean) {
  auto s = one_queue(10, 100, 300, 20, 2000);
  s.mutable_arrivals(0)->mutable_handle()->set_distribution("lognormal");
  s.mutable_arrivals(0)->mutable_handle()->set_sd_seconds(600);
  const auto r = simulate(s, 5);
  EXPECT_NEAR(r.groups[0].occupancy, 100.0 * 300 / 3600 / 10, 0.02);
}

TEST(Simulator, ShiftsAndHourlyRates) {
  auto s = one_queue(4, 0, 300, 20, 24 * 20);
  auto* a = s.mutable_arrivals(0);
  for (int h = 0; h < 24; ++h) a->add_per_hour_by_hour(h >= 8 && h < 16 ? 36 : 0);  // 3 Erlangs by day
  auto* shift = s.mutable_agent_groups(0)->add_shifts();
  shift->set_start_hour(8);
  shift->set_end_hour(16);
  const auto r = simulate(s, 9);
  const auto& q = r.queues[0];
  EXPECT_NEAR(static_cast<double>(q.arrivals), 36.0 * 8 * 20, 36.0 * 8 * 20 * 0.05);
  EXPECT_EQ(q.answered, q.arrivals);
  EXPECT_NEAR(r.groups[0].occupancy, 0.75, 0.05);  // busy only when staffed: 3 of 4 agents
}

TEST(Simulator, BadScenariosAreRefusedWithThePath) {
  auto s = one_queue(1, 10, 60, 20, 1);
  s.mutable_arrivals(0)->set_queue("nope");
  try {
    simulate(s, 1);
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "arrivals[0].queue: no queue named 'nope'");
  }
  auto t = one_queue(1, 10, 60, 20, 1);
  t.mutable_arrivals(0)->mutable_handle()->set_distribution("gamma");
  EXPECT_THROW(simulate(t, 1), std::invalid_argument);
}

// Two queues needing different skills, each 100 per hour with 5-minute handle times; target 80%
// answered within 20 s. How many agents: two separate pools, or one pool with both skills?
v1::Scenario two_skills(int a_only, int b_only, int both) {
  v1::Scenario s;
  s.set_hours(1500);
  for (const char* name : {"a", "b"}) {
    auto* q = s.add_queues();
    q->set_name(name);
    q->mutable_policy()->set_service_level_seconds(20);
    auto* sk = q->add_required_skills();
    sk->set_name(name);
    sk->set_proficiency(1);
    auto* arr = s.add_arrivals();
    arr->set_queue(name);
    arr->set_per_hour(100);
    arr->mutable_handle()->set_mean_seconds(300);
  }
  auto group = [&](const char* name, int count, std::vector<const char*> skills) {
    auto* g = s.add_agent_groups();
    g->set_name(name);
    g->set_count(count);
    for (const char* k : skills) {
      auto* sk = g->add_skills();
      sk->set_name(k);
      sk->set_proficiency(3);
    }
  };
  group("a-only", a_only, {"a"});
  group("b-only", b_only, {"b"});
  group("both", both, {"a", "b"});
  return s;
}

bool meets(const report& r) { return r.queues[0].service_level >= 0.8 && r.queues[1].service_level >= 0.8; }

TEST(Simulator, AgentsWithBothSkillsReachTheTargetWithFewerAgents) {
  int separate = 0;
  for (int n = 9; n <= 20 && !separate; ++n) {
    if (meets(simulate(two_skills(n, n, 0), 11))) separate = 2 * n;
  }
  int pooled = 0;
  for (int m = 17; m <= 40 && !pooled; ++m) {
    if (meets(simulate(two_skills(0, 0, m), 11))) pooled = m;
  }
  const auto sep = simulate(two_skills(separate / 2, separate / 2, 0), 11);
  const auto pool = simulate(two_skills(0, 0, pooled), 11);
  std::printf("80%% in 20 s for 2 x 100/h at 300 s: separate pools need %d agents (SL %.3f / %.3f, occupancy %.3f);"
              " one pool with both skills needs %d (SL %.3f / %.3f, occupancy %.3f)\n",
              separate, sep.queues[0].service_level, sep.queues[1].service_level, sep.groups[0].occupancy, pooled,
              pool.queues[0].service_level, pool.queues[1].service_level, pool.groups[2].occupancy);
  ASSERT_GT(separate, 0);
  ASSERT_GT(pooled, 0);
  EXPECT_LT(pooled, separate);
}

}  // namespace
}  // namespace switchboard::sim
