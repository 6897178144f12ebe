// KPIs for a scripted day of conversations, checked against figures worked out by hand.
#include "reports/kpi.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace switchboard::reports {
namespace {

constexpr std::int64_t kDay = 86'400'000;
constexpr std::int64_t T0 = kDay * 20'000;  // a day boundary

struct script {
  conversation_record c;
  script(const std::string& id, const std::string& queue) {
    c.id = id;
    c.queue = queue;
    c.team = "care";
  }
  v1::Event& at(std::int64_t s) {
    auto& e = c.events.emplace_back();
    e.set_at_ms(T0 + s * 1000);
    e.set_seq(static_cast<std::int64_t>(c.events.size()));
    return e;
  }
  script& customer(std::int64_t s) {
    at(s).mutable_message()->set_direction(v1::DIRECTION_INBOUND);
    return *this;
  }
  script& offer(std::int64_t s, const std::string& queue) {
    auto* d = at(s).mutable_decision();
    d->set_kind(v1::Decision::OFFER);
    d->set_queue(queue);
    return *this;
  }
  script& accept(std::int64_t s, const std::string& agent) {
    auto* o = at(s).mutable_offer_outcome();
    o->set_agent_id(agent);
    o->set_outcome(v1::OfferOutcome::ACCEPTED);
    return *this;
  }
  script& reply(std::int64_t s) {
    at(s).mutable_message()->set_direction(v1::DIRECTION_OUTBOUND);
    return *this;
  }
  script& notice(std::int64_t s) {  // the router telling a waiting customer their place
    auto& e = at(s);
    e.set_actor("router");
    e.mutable_message()->set_direction(v1::DIRECTION_OUTBOUND);
    return *this;
  }
  script& transfer(std::int64_t s, const std::string& from) {
    at(s).mutable_transfer()->set_from_id(from);
    return *this;
  }
  script& resolve(std::int64_t s) {
    at(s).mutable_status_change()->set_to(v1::RESOLVED);
    return *this;
  }
  script& rate(std::int64_t s, int score) {
    at(s).mutable_rating()->set_score(score);
    return *this;
  }
  script& escalate(std::int64_t s) {
    at(s).mutable_escalation()->set_agent_id("ann");
    at_last().mutable_escalation()->set_queue("escalations-care");
    return *this;
  }
  v1::Event& at_last() { return c.events.back(); }
};

std::vector<conversation_record> day() {
  std::vector<conversation_record> out;
  // c1: answered in 10 s (target 30: met), first reply 15 s, handled 90 s, resolved first time, CSAT 5.
  out.push_back(script("c1", "general").customer(0).offer(1, "general").accept(10, "ann").reply(15).resolve(100).rate(110, 5).c);
  // c2: answered in 50 s (missed), reply after 100 s, transferred, answered again, resolved at 4000 s: handle 350 s, CSAT 2.
  out.push_back(script("c2", "general").customer(3600).offer(3601, "general").accept(3650, "bob").reply(3700)
                    .transfer(3800, "bob").offer(3805, "general").accept(3810, "ann").resolve(4000).rate(4010, 2).c);
  // c3: never answered, closed: abandoned.
  out.push_back(script("c3", "billing").customer(7200).resolve(7300).c);
  // c4: answered in 5 s, reply at 10 s, resolved, reopened by the customer, escalated and taken by
  // the lead 10 s later, resolved again at 7600 s: handle 295 s (from the first accept).
  out.push_back(script("c4", "general").customer(7300).offer(7301, "general").accept(7305, "ann").reply(7310)
                    .resolve(7400).customer(7500).escalate(7550).accept(7560, "lea").resolve(7600).c);
  // c5: the next day, answered in 20 s, still open.
  out.push_back(script("c5", "general").customer(86'400 + 100).offer(86'400 + 101, "general").accept(86'400 + 120, "ann").c);
  // A router overflow is not a transfer.
  out.push_back(script("c6", "general").customer(86'400 + 200).transfer(86'400 + 210, "router").offer(86'400 + 211, "general")
                    .accept(86'400 + 215, "ann").c);
  return out;
}

const std::map<std::string, int> kTargets = {{"general", 30}, {"billing", 60}, {"escalations-care", 120}};

TEST(Kpi, AScriptedDayMatchesTheFiguresWorkedOutByHand) {
  const auto rows = compute(day(), dimension::all, kDay, kTargets);
  ASSERT_EQ(rows.size(), 2u);
  const auto& d1 = rows[0];
  EXPECT_EQ(d1.start_ms, T0);
  EXPECT_EQ(d1.conversations, 4);
  EXPECT_EQ(d1.answered, 3);
  EXPECT_EQ(d1.abandoned, 1);
  EXPECT_DOUBLE_EQ(d1.service_level(), 2.0 / 4.0);       // c1, c4 in time, of 3 answered + 1 abandoned
  EXPECT_DOUBLE_EQ(d1.asa_s(), (10.0 + 50 + 5) / 3);
  EXPECT_DOUBLE_EQ(d1.frt_s(), (15.0 + 100 + 10) / 3);
  EXPECT_DOUBLE_EQ(d1.aht_s(), (90.0 + 350 + 295) / 3);
  EXPECT_EQ(d1.resolved, 4);
  EXPECT_DOUBLE_EQ(d1.resolution_rate(), 1.0);
  EXPECT_DOUBLE_EQ(d1.fcr_rate(), 1.0 / 3);                // only c1: c2 was transferred, c4 reopened
  EXPECT_DOUBLE_EQ(d1.transfer_rate(), 1.0 / 3);
  EXPECT_DOUBLE_EQ(d1.abandon_rate(), 1.0 / 4);
  EXPECT_EQ(d1.escalations, 1);
  EXPECT_EQ(d1.escalations_answered, 1);
  EXPECT_DOUBLE_EQ(d1.escalation_asa_s(), 10.0);             // escalated at 7550 s, the lead took it at 7560 s
  EXPECT_DOUBLE_EQ(d1.escalation_service_level(), 1.0);      // within the escalation queue's 120 s
  EXPECT_DOUBLE_EQ(d1.csat(), 3.5);
  EXPECT_DOUBLE_EQ(d1.satisfied_rate(), 0.5);
  const auto& d2 = rows[1];
  EXPECT_EQ(d2.start_ms, T0 + kDay);
  EXPECT_EQ(d2.conversations, 2);
  EXPECT_EQ(d2.answered, 2);
  EXPECT_DOUBLE_EQ(d2.service_level(), 1.0);             // 20 s and 15 s, both within 30 s
  EXPECT_EQ(d2.transferred, 0);                          // the overflow is the router's, not a transfer
  EXPECT_EQ(d2.resolved, 0);
}

TEST(Kpi, TheRoutersAutomaticMessageIsNoFirstResponse) {
  std::vector<conversation_record> one;
  one.push_back(script("c1", "general").customer(0).notice(5).offer(6, "general").accept(20, "ann").reply(30).c);
  const auto rows = compute(one, dimension::all, kDay, kTargets);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_DOUBLE_EQ(rows[0].frt_s(), 30.0);
}

TEST(Kpi, ByQueueAgentAndHour) {
  auto by_queue = compute(day(), dimension::queue, kDay, kTargets);
  ASSERT_EQ(by_queue.size(), 3u);  // day 1: billing, general; day 2: general
  EXPECT_EQ(by_queue[0].key, "billing");
  EXPECT_EQ(by_queue[0].abandoned, 1);
  EXPECT_DOUBLE_EQ(by_queue[0].service_level(), 0.0);
  EXPECT_EQ(by_queue[1].key, "general");
  EXPECT_EQ(by_queue[1].conversations, 3);
  EXPECT_DOUBLE_EQ(by_queue[1].service_level(), 2.0 / 3);

  auto by_agent = compute(day(), dimension::agent, kDay, kTargets);
  // Day 1: c3 has no agent (""); c1, c2 (last taken by ann) → ann; c4 (last taken by the lead) → lea.
  ASSERT_GE(by_agent.size(), 3u);
  EXPECT_EQ(by_agent[0].key, "");
  EXPECT_EQ(by_agent[1].key, "ann");
  EXPECT_EQ(by_agent[1].conversations, 2);
  EXPECT_EQ(by_agent[2].key, "lea");
  EXPECT_EQ(by_agent[2].escalations, 1);

  auto hourly = compute(day(), dimension::all, 3'600'000, kTargets);
  ASSERT_EQ(hourly.size(), 4u);  // hours 0, 1, 2 of day 1 and one hour of day 2
  EXPECT_EQ(hourly[0].conversations, 1);
  EXPECT_EQ(hourly[2].conversations, 2);  // c3 at 2:00, c4 at 2:01:40
  auto quarter = compute(day(), dimension::all, 900'000, kTargets);
  EXPECT_EQ(quarter.size(), 4u);  // c3 (2:00) and c4 (2:01:40) share a quarter; so do day 2's two
}

TEST(Kpi, CsvAndJsonNameTheirColumnsTheSame) {
  const auto rows = compute(day(), dimension::queue, kDay, kTargets);
  const auto names = column_names();
  std::string header;
  for (const auto& n : names) header += (header.empty() ? "" : ",") + n;
  const auto csv = to_csv(rows);
  EXPECT_EQ(csv.substr(0, csv.find('\n')), header);
  // Every JSON row has exactly these members, in this order.
  const auto json = to_json(rows);
  std::size_t at = 0;
  for (std::size_t row = 0; row < rows.size(); ++row) {
    for (const auto& n : names) {
      const auto next = json.find("\"" + n + "\":", at);
      ASSERT_NE(next, std::string::npos) << n << " in " << json;
      at = next + n.size();
    }
  }
  EXPECT_EQ(header.rfind("key,start,conversations,answered,abandoned,resolved,transferred,escalations,ratings,"
                         "serviceLevel,asaSeconds,", 0), 0u);
}

TEST(Kpi, CsvHasAHeaderAndOneLinePerRow) {
  const auto csv = to_csv(compute(day(), dimension::queue, kDay, kTargets));
  EXPECT_EQ(csv.rfind("key,start,conversations,", 0), 0u);
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 4);
  EXPECT_NE(csv.find("\ngeneral," + std::to_string(T0) + ",3,3,0,3,1,1,2,0.6667,21.67,"), std::string::npos) << csv;
}

}  // namespace
}  // namespace switchboard::reports

namespace switchboard::reports {
namespace {

// Occupancy for a scripted morning (times in minutes after 09:00 of day T0), worked out by hand:
//   ann: available with a desk 09:00-12:00; holds c1 09:10-09:40 (resolved), c2 09:30-10:00
//        (transferred), c3 11:50-12:20 (resolved after she went away: still handling).
//        handling = 09:10-10:00 (overlap once) + 11:50-12:20 = 80 min;
//        staffed = 09:00-12:00 + 12:00-12:20 = 200 min; occupancy 0.4.
//   bob: available 09:00-09:30, holds nothing: staffed 30 min, handling 0.
//   lea: a lead with no status history takes c4 over 10:30-10:45: handling = staffed = 15 min.
TEST(Occupancy, AScriptedMorningByAgentTeamAndHour) {
  constexpr std::int64_t nine = T0 + 9 * 3'600'000;
  auto at = [&](int minutes) { return nine + std::int64_t{minutes} * 60'000; };
  auto conv = [&](const std::string& id) {
    conversation_record c;
    c.id = id;
    c.queue = "general";
    c.team = "care";
    return c;
  };
  auto event = [](conversation_record& c, std::int64_t when) -> v1::Event& {
    auto& e = c.events.emplace_back();
    e.set_at_ms(when);
    return e;
  };
  auto accept = [&](conversation_record& c, int m, const std::string& agent) {
    auto* o = event(c, at(m)).mutable_offer_outcome();
    o->set_agent_id(agent);
    o->set_outcome(v1::OfferOutcome::ACCEPTED);
  };
  auto resolve = [&](conversation_record& c, int m) { event(c, at(m)).mutable_status_change()->set_to(v1::RESOLVED); };
  auto c1 = conv("c1"), c2 = conv("c2"), c3 = conv("c3"), c4 = conv("c4");
  event(c1, at(5)).mutable_message()->set_direction(v1::DIRECTION_INBOUND);
  accept(c1, 10, "ann");
  resolve(c1, 40);
  accept(c2, 30, "ann");
  event(c2, at(60)).mutable_transfer()->set_from_id("ann");
  accept(c3, 170, "ann");
  resolve(c3, 200);
  event(c4, at(90)).mutable_takeover()->set_lead_id("lea");
  resolve(c4, 105);
  const std::vector<conversation_record> convs{c1, c2, c3, c4};
  const std::vector<agent_presence> people{
      {"ann", {"care"}, {{at(-60), false}, {at(0), true}, {at(180), false}}},
      {"bob", {"care", "billing"}, {{at(0), true}, {at(30), false}}},
  };
  const std::int64_t from = nine, to = at(240);

  std::vector<kpi_row> by_agent;
  add_occupancy(by_agent, convs, people, dimension::agent, kDay, from, to);
  std::map<std::string, kpi_row> agent;
  for (const auto& r : by_agent) agent[r.key] = r;
  ASSERT_EQ(agent.size(), 3u);
  EXPECT_DOUBLE_EQ(agent["ann"].handling_s, 80 * 60);
  EXPECT_DOUBLE_EQ(agent["ann"].staffed_s, 200 * 60);
  EXPECT_DOUBLE_EQ(agent["ann"].occupancy(), 0.4);
  EXPECT_DOUBLE_EQ(agent["bob"].staffed_s, 30 * 60);
  EXPECT_DOUBLE_EQ(agent["bob"].occupancy(), 0);
  EXPECT_DOUBLE_EQ(agent["lea"].occupancy(), 1.0);
  EXPECT_DOUBLE_EQ(agent["lea"].staffed_s, 15 * 60);

  // By team: care has ann and bob (lea has no profile here: no team); billing has bob.
  std::vector<kpi_row> by_team;
  add_occupancy(by_team, convs, people, dimension::team, kDay, from, to);
  std::map<std::string, kpi_row> team;
  for (const auto& r : by_team) team[r.key] = r;
  EXPECT_DOUBLE_EQ(team["care"].handling_s, 80 * 60);
  EXPECT_DOUBLE_EQ(team["care"].staffed_s, 230 * 60);
  EXPECT_DOUBLE_EQ(team["billing"].staffed_s, 30 * 60);

  // By hour, for ann: 09h 50 of 60 min, 10h 0 of 60, 11h 10 of 60, 12h 20 of 20.
  std::vector<kpi_row> hourly;
  add_occupancy(hourly, convs, people, dimension::agent, 3'600'000, from, to);
  std::vector<std::pair<double, double>> ann;
  for (const auto& r : hourly) {
    if (r.key == "ann") ann.emplace_back(r.handling_s / 60, r.staffed_s / 60);
  }
  EXPECT_EQ(ann, (std::vector<std::pair<double, double>>{{50, 60}, {0, 60}, {10, 60}, {20, 20}}));

  // Rows that already exist (the conversations' KPIs) get the figures; queues have no occupancy.
  std::vector<kpi_row> all = compute(convs, dimension::all, kDay, {});
  ASSERT_EQ(all.size(), 1u);
  add_occupancy(all, convs, people, dimension::all, kDay, from, to);
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].conversations, 4);
  EXPECT_DOUBLE_EQ(all[0].handling_s, (80 + 15) * 60);
  EXPECT_DOUBLE_EQ(all[0].staffed_s, (200 + 30 + 15) * 60);
  std::vector<kpi_row> by_queue;
  add_occupancy(by_queue, convs, people, dimension::queue, kDay, from, to);
  EXPECT_TRUE(by_queue.empty());
  EXPECT_NE(to_json(all).find("\"occupancy\":0.3878"), std::string::npos) << to_json(all);
}

}  // namespace
}  // namespace switchboard::reports
