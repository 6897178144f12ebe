// The streaming report (kpi_accumulator, merge_rows) against the one-shot computation, over a month
// of generated conversations in batches of every size: the figures must be the same.
#include "reports/kpi_accumulator.hpp"

#include <gtest/gtest.h>

#include <random>

namespace switchboard::reports {
namespace {

constexpr std::int64_t kDay = 86'400'000;
constexpr std::int64_t T0 = kDay * 20'000;

// A conversation as the timeline tells it: a customer writes, offers, accepts (or not), replies,
// sometimes a transfer, an escalation and a lead's takeover, a resolve, a reopen, a rating.
conversation_record generated(std::mt19937& rng, int n) {
  auto pick = [&rng](int k) { return static_cast<int>(rng() % static_cast<unsigned>(k)); };
  const std::string agents[] = {"ann", "bob", "cy", "dee", "eve"};
  const std::string queues[] = {"general", "billing", "vip"};
  conversation_record c;
  c.id = "c" + std::to_string(n);
  c.queue = queues[pick(3)];
  c.team = pick(4) == 0 ? "sales" : "care";
  c.channel = pick(2) == 0 ? v1::CHANNEL_WEB : v1::CHANNEL_EMAIL;
  std::int64_t t = T0 + static_cast<std::int64_t>(rng() % (30 * kDay));
  auto event = [&](int gap_s) -> v1::Event& {
    t += std::int64_t{gap_s} * 1000;
    auto& e = c.events.emplace_back();
    e.set_at_ms(t);
    e.set_seq(static_cast<std::int64_t>(c.events.size()));
    return e;
  };
  auto accept = [&](const std::string& agent) {
    auto* d = event(1).mutable_decision();
    d->set_kind(v1::Decision::OFFER);
    d->set_queue(c.queue);
    auto* o = event(1 + pick(90)).mutable_offer_outcome();
    o->set_agent_id(agent);
    o->set_outcome(v1::OfferOutcome::ACCEPTED);
  };
  event(0).mutable_message()->set_direction(v1::DIRECTION_INBOUND);
  if (pick(6) == 0) {  // abandoned, or still waiting
    if (pick(2)) event(30 + pick(300)).mutable_status_change()->set_to(v1::RESOLVED);
    return c;
  }
  accept(agents[pick(5)]);
  event(5 + pick(60)).mutable_message()->set_direction(v1::DIRECTION_OUTBOUND);
  if (pick(5) == 0) {
    event(60).mutable_transfer()->set_from_id(pick(3) ? "ann" : "router");
    accept(agents[pick(5)]);
  }
  if (pick(7) == 0) {
    auto* e = event(30).mutable_escalation();
    e->set_agent_id("ann");
    e->set_queue("escalations");
    if (pick(2)) event(5 + pick(200)).mutable_takeover()->set_lead_id("lea");
  }
  event(60 + pick(1200)).mutable_message()->set_direction(v1::DIRECTION_OUTBOUND);
  if (pick(8) == 0) return c;  // still open at the end of the period
  event(30 + pick(600)).mutable_status_change()->set_to(v1::RESOLVED);
  if (pick(10) == 0) {  // reopened by the customer, resolved again
    event(600).mutable_message()->set_direction(v1::DIRECTION_INBOUND);
    event(100).mutable_status_change()->set_to(v1::RESOLVED);
  }
  if (pick(3) == 0) event(20).mutable_rating()->set_score(1 + pick(5));
  return c;
}

std::vector<conversation_record> month(int n) {
  std::mt19937 rng(11);
  std::vector<conversation_record> out;
  for (int i = 0; i < n; ++i) out.push_back(generated(rng, i));
  return out;
}

const std::map<std::string, int> kTargets = {{"general", 30}, {"billing", 60}, {"escalations", 120}};
const std::vector<agent_presence> kPeople = {
    {"ann", {"care"}, {{T0 - kDay, true}, {T0 + 10 * kDay, false}, {T0 + 12 * kDay, true}}},
    {"bob", {"care", "sales"}, {{T0, true}}},
    {"cy", {"sales"}, {{T0 + kDay, true}, {T0 + 2 * kDay, false}}},
};

// Counts equal; sums equal up to rounding (they were added in another order).
void expect_same(const std::vector<kpi_row>& got, const std::vector<kpi_row>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    const auto& g = got[i];
    const auto& w = want[i];
    SCOPED_TRACE("row " + std::to_string(i) + " key '" + w.key + "' start " + std::to_string(w.start_ms));
    EXPECT_EQ(std::tie(g.key, g.start_ms, g.conversations, g.answered, g.sl_met, g.abandoned, g.resolved, g.fcr,
                       g.transferred, g.escalations, g.ratings, g.satisfied, g.frt_n, g.aht_n, g.escalations_answered,
                       g.escalation_sl_met),
              std::tie(w.key, w.start_ms, w.conversations, w.answered, w.sl_met, w.abandoned, w.resolved, w.fcr,
                       w.transferred, w.escalations, w.ratings, w.satisfied, w.frt_n, w.aht_n, w.escalations_answered,
                       w.escalation_sl_met));
    for (auto field : {&kpi_row::asa_sum_s, &kpi_row::frt_sum_s, &kpi_row::aht_sum_s, &kpi_row::csat_sum,
                       &kpi_row::escalation_wait_sum_s, &kpi_row::handling_s, &kpi_row::staffed_s}) {
      EXPECT_NEAR(g.*field, w.*field, 1e-9 * std::max(1.0, std::abs(w.*field)));
    }
  }
  EXPECT_EQ(to_json(got), to_json(want));
}

const dimension kDimensions[] = {dimension::all, dimension::queue, dimension::agent, dimension::team,
                                 dimension::channel};

TEST(KpiMerge, RowsOfPartsMergedAreTheRowsOfTheWhole) {
  const auto all = month(600);
  for (auto by : kDimensions) {
    for (std::int64_t interval : {std::int64_t{900000}, std::int64_t{3600000}, kDay}) {
      SCOPED_TRACE("dimension " + std::to_string(static_cast<int>(by)) + " interval " + std::to_string(interval));
      const std::vector<conversation_record> a(all.begin(), all.begin() + 250), b(all.begin() + 250, all.end());
      expect_same(merge_rows(compute(a, by, interval, kTargets), compute(b, by, interval, kTargets)),
                  compute(all, by, interval, kTargets));
    }
  }
  // Merging with nothing changes nothing; rows of the same (start, key) add up.
  const auto rows = compute(all, dimension::queue, kDay, kTargets);
  expect_same(merge_rows(rows, {}), rows);
  expect_same(merge_rows({}, rows), rows);
  const auto twice = merge_rows(rows, rows);
  ASSERT_EQ(twice.size(), rows.size());
  EXPECT_EQ(twice[0].conversations, 2 * rows[0].conversations);
}

TEST(KpiAccumulator, BatchesOfAnySizeGiveTheOneShotReportWithOccupancy) {
  const auto all = month(800);  // 5 agents: well over 64 spans each, so merging as they grow happens
  const std::int64_t from = T0, to = T0 + 31 * kDay;
  for (auto by : kDimensions) {
    auto want = compute(all, by, 3'600'000, kTargets);
    add_occupancy(want, all, kPeople, by, 3'600'000, from, to);
    for (std::size_t batch : {1u, 7u, 64u, 1000u}) {
      SCOPED_TRACE("dimension " + std::to_string(static_cast<int>(by)) + " batch " + std::to_string(batch));
      kpi_accumulator acc(by, 3'600'000, kTargets, from, to);
      for (std::size_t i = 0; i < all.size(); i += batch) {
        acc.add(std::vector<conversation_record>(all.begin() + static_cast<long>(i),
                                                 all.begin() + static_cast<long>(std::min(all.size(), i + batch))));
      }
      acc.add({});
      EXPECT_EQ(acc.conversations(), 800);
      EXPECT_EQ(acc.has_occupancy(), by == dimension::all || by == dimension::agent || by == dimension::team);
      expect_same(acc.finish(kPeople), want);
      EXPECT_EQ(acc.conversations(), 0);  // finish() leaves it empty
      EXPECT_TRUE(acc.finish({}).empty());
    }
  }
}

TEST(KpiAccumulator, OverlappingHoldsAcrossBatchesCountOnce) {
  // ann holds c1 10:00-11:00 (batch 1) and c2 10:30-11:30 (batch 2): 90 minutes of handling.
  auto held = [](const std::string& id, std::int64_t begin, std::int64_t end) {
    conversation_record c;
    c.id = id;
    auto& a = c.events.emplace_back();
    a.set_at_ms(begin);
    a.mutable_offer_outcome()->set_agent_id("ann");
    a.mutable_offer_outcome()->set_outcome(v1::OfferOutcome::ACCEPTED);
    auto& r = c.events.emplace_back();
    r.set_at_ms(end);
    r.mutable_status_change()->set_to(v1::RESOLVED);
    return c;
  };
  const std::int64_t ten = T0 + 10 * 3'600'000;
  kpi_accumulator acc(dimension::agent, kDay, {}, T0, T0 + kDay);
  acc.add({held("c1", ten, ten + 3'600'000)});
  acc.add({held("c2", ten + 1'800'000, ten + 5'400'000)});
  const auto rows = acc.finish({});
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].key, "ann");
  EXPECT_EQ(rows[0].conversations, 2);
  EXPECT_DOUBLE_EQ(rows[0].handling_s, 90 * 60);
}

}  // namespace
}  // namespace switchboard::reports
