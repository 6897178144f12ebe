// A recorded routing log replayed through the reconciler and the engine gives the same decisions,
// byte for byte (tests/unit/data/routing_replay.golden). The log (routing_replay.log) holds what a
// router was told, one input per line: agent records, routing notes, time passing, and the
// outcomes of its own writes. A change in what the engine decides — or in the order it decides in,
// say from a hash map's iteration order — shows here as a diff.
//
// Recording a new log and golden (after an intended change of behaviour; review the diff):
//   SWITCHBOARD_RECORD_REPLAY=1 build/tests/unit_tests --gtest_filter='RoutingReplay.*'
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>

#include "router/reconciler.hpp"

namespace switchboard::router {
namespace {

namespace pbu = google::protobuf::util;

const std::string kDir = std::string(SWITCHBOARD_SOURCE_DIR) + "/tests/unit/data/";
constexpr time_ms kT0 = 1'800'000'000'000;

reconciler_settings replay_settings() {
  reconciler_settings s;
  const char* names[] = {"care", "billing", "sales"};
  const v1::Strategy strategies[] = {v1::LONGEST_IDLE, v1::BEST_SKILL_MATCH, v1::ROUND_ROBIN};
  for (int i = 0; i < 3; ++i) {
    v1::Queue q;
    q.set_name(names[i]);
    q.set_team(names[i]);
    q.mutable_policy()->set_strategy(strategies[i]);
    q.mutable_policy()->set_offer_timeout_seconds(20);
    q.mutable_policy()->set_max_missed_offers(3);
    auto* step = q.mutable_policy()->add_relax();
    step->set_after_seconds(40);
    step->set_any_team(true);
    s.queues.push_back(q);
  }
  auto* need = s.queues[1].add_required_skills();
  need->set_name("billing");
  need->set_proficiency(2);
  return s;
}

std::string json(const google::protobuf::Message& m) {
  std::string out;
  (void)pbu::MessageToJsonString(m, &out);
  return out;
}

// Applies one log line; appends the decisions it led to, one text line each.
void apply(reconciler& r, const std::string& line, std::string& decided) {
  std::istringstream in(line);
  time_ms at = 0;
  std::string verb;
  in >> at >> verb;
  std::string rest;
  std::getline(in >> std::ws, rest);
  actions todo;
  if (verb == "agent") {
    std::istringstream a(rest);
    int connections = 0, dropped = 0;
    std::string body;
    a >> connections >> dropped >> std::ws;
    std::getline(a, body);
    v1::Agent profile;
    ASSERT_TRUE(pbu::JsonStringToMessage(body, &profile).ok()) << line;
    todo = r.on_agent(profile, connections, dropped != 0, at);
  } else if (verb == "note") {
    v1::RoutingNote n;
    ASSERT_TRUE(pbu::JsonStringToMessage(rest, &n).ok()) << line;
    todo = r.on_note(n, at);
  } else if (verb == "advance") {
    todo = r.advance(at);
  } else if (verb == "offered" || verb == "offer_ended" || verb == "away") {
    std::istringstream a(rest);
    std::string x, y;
    a >> x >> y;
    if (verb == "offered") r.offered(x, y);
    if (verb == "offer_ended") r.offer_ended(x);
    if (verb == "away") r.set_away(x);
  } else {
    FAIL() << "unknown line: " << line;
  }
  for (const auto& a : todo) {
    for (const auto& d : a.ds) decided += d.ShortDebugString() + "\n";
  }
}

// The recorder: a busy hour of three queues and eight agents, driven by a seeded generator that
// answers offers, resolves, declines and changes statuses the way desks do.
class recorder {
 public:
  explicit recorder(std::ostream& log) : log_(log), r_(replay_settings()) {}

  void run() {
    for (int i = 0; i < 8; ++i) agent(i, true, 0);
    for (int step = 0; step < 700; ++step) {
      now_ += std::uniform_int_distribution<int>(100, 4000)(rng_);
      const int roll = std::uniform_int_distribution<int>(0, 99)(rng_);
      if (roll < 30) arrive();
      else if (roll < 55) answer();
      else if (roll < 80) resolve();
      else if (roll < 85) agent(std::uniform_int_distribution<int>(0, 7)(rng_), coin(70), 0);
      line("advance", "");
    }
  }

 private:
  bool coin(int percent) { return std::uniform_int_distribution<int>(0, 99)(rng_) < percent; }

  void line(const std::string& verb, const std::string& rest) {
    const std::string text = std::to_string(now_) + " " + verb + (rest.empty() ? "" : " " + rest);
    log_ << text << "\n";
    std::string ignored;
    apply(r_, text, ignored);
    // The service's feedback, as it would follow each decision.
    if (verb == "note" || verb == "advance" || verb == "agent") feedback();
  }

  void feedback() {
    std::vector<std::string> lines;
    for (const auto& [id, c] : r_.conversations()) {
      const std::string st = r_.routing().conversation_state(id);
      const std::string agent = r_.routing().conversation_agent(id);
      if (st == "offered" && c.owner != agent) lines.push_back("offered " + id + " " + agent);
      if (st == "waiting" && !c.owner.empty()) lines.push_back("offer_ended " + id);
    }
    std::sort(lines.begin(), lines.end());
    for (const auto& l : lines) {
      log_ << now_ << " " << l << "\n";
      std::string ignored;
      apply(r_, std::to_string(now_) + " " + l, ignored);
    }
  }

  void agent(int i, bool available, int dropped) {
    v1::Agent a;
    a.set_id("agent-" + std::to_string(i));
    a.add_teams(i < 4 ? "care" : i < 6 ? "billing" : "sales");
    if (i % 3 == 0) a.add_teams("billing");
    auto* s = a.add_skills();
    s->set_name("billing");
    s->set_proficiency(1 + i % 5);
    a.set_status(available ? v1::AVAILABLE : v1::AWAY);
    a.set_status_since_ms(now_);
    auto* cap = a.add_capacity();
    cap->set_channel(v1::CHANNEL_WEB);
    cap->set_max_concurrent(1 + i % 3);
    line("agent", "1 " + std::to_string(dropped) + " " + json(a));
  }

  v1::RoutingNote base(const std::string& id, v1::RoutingNote::Kind k, v1::ConversationState st) {
    v1::RoutingNote n;
    n.set_conversation_id(id);
    n.set_customer_id("cu-" + id);
    n.set_kind(k);
    n.set_state(st);
    n.set_seq(++seq_[id]);
    n.set_queue(queue_[id]);
    n.set_channel(v1::CHANNEL_WEB);
    n.set_created_at_ms(created_[id]);
    n.set_at_ms(now_);
    return n;
  }

  void arrive() {
    const std::string id = "cv" + std::to_string(++convs_);
    const char* queues[] = {"care", "billing", "sales"};
    queue_[id] = queues[std::uniform_int_distribution<int>(0, 2)(rng_)];
    created_[id] = now_;
    auto n = base(id, v1::RoutingNote::QUEUED, v1::QUEUED);
    n.set_priority(coin(10) ? 5 : 0);
    line("note", json(n));
  }

  // An offered conversation is accepted (mostly) or declined.
  void answer() {
    for (const auto& [id, c] : r_.conversations()) {
      if (r_.routing().conversation_state(id) != "offered") continue;
      const std::string agent = r_.routing().conversation_agent(id);
      const bool accept = coin(80);
      auto n = base(id, accept ? v1::RoutingNote::ACCEPTED : v1::RoutingNote::DECLINED,
                    accept ? v1::ASSIGNED : v1::QUEUED);
      if (accept) n.set_owner_id(agent);
      else n.set_offer_agent(agent), n.add_excluded(agent);
      line("note", json(n));
      return;
    }
  }

  void resolve() {
    std::vector<std::string> held;
    for (const auto& [id, c] : r_.conversations()) {
      if (r_.routing().conversation_state(id) == "assigned") held.push_back(id);
    }
    if (held.empty()) return;
    std::sort(held.begin(), held.end());
    const auto& id = held[std::uniform_int_distribution<std::size_t>(0, held.size() - 1)(rng_)];
    line("note", json(base(id, v1::RoutingNote::RELEASED, v1::RESOLVED)));
  }

  std::ostream& log_;
  reconciler r_;
  std::mt19937 rng_{20261201};
  time_ms now_ = kT0;
  int convs_ = 0;
  std::map<std::string, std::int64_t> seq_;
  std::map<std::string, std::string> queue_;
  std::map<std::string, time_ms> created_;
};

std::string read_all(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(RoutingReplay, TheRecordedLogGivesTheGoldenDecisionsByteForByte) {
  if (std::getenv("SWITCHBOARD_RECORD_REPLAY")) {
    std::ofstream log(kDir + "routing_replay.log");
    recorder(log).run();
  }
  const std::string log = read_all(kDir + "routing_replay.log");
  ASSERT_FALSE(log.empty()) << "no " << kDir << "routing_replay.log";
  reconciler r(replay_settings());
  std::string decided;
  std::istringstream lines(log);
  int n = 0;
  for (std::string line; std::getline(lines, line) && n < 100'000; ++n) apply(r, line, decided);
  if (std::getenv("SWITCHBOARD_RECORD_REPLAY")) std::ofstream(kDir + "routing_replay.golden") << decided;
  const std::string golden = read_all(kDir + "routing_replay.golden");
  ASSERT_GT(golden.size(), 1000u);
  if (decided != golden) {
    const std::string actual = ::testing::TempDir() + "routing_replay.actual";
    std::ofstream(actual) << decided;
    FAIL() << "the decisions differ from the golden file; compare: diff " << kDir << "routing_replay.golden " << actual;
  }
}

}  // namespace
}  // namespace switchboard::router
