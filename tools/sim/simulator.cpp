#include "tools/sim/simulator.hpp"

#include "core/defaults.hpp"

#include <cmath>
#include <cstdio>
#include <queue>
#include <random>
#include <sstream>
#include <stdexcept>
#include <unordered_map>

#include "core/config.hpp"
#include "router/engine/engine.hpp"

namespace switchboard::sim {

namespace {

using router::time_ms;

constexpr double kDrainSeconds = 24 * 3600;  // after the horizon, answer or abandon what is left

// A portable random source: mt19937_64 is specified exactly; the conversions below are ours, so the
// same seed gives the same numbers with any standard library.
class rng {
 public:
  explicit rng(std::uint64_t seed) : g_(seed) {}
  double uniform() { return static_cast<double>(g_() >> 11) * 0x1.0p-53; }  // [0, 1)
  double exponential(double mean) { return -std::log1p(-uniform()) * mean; }
  double normal() {
    const double u1 = 1.0 - uniform(), u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }

 private:
  std::mt19937_64 g_;
};

enum class ev { arrival, abandon, complete, shift_on, shift_off };

struct event {
  double t;
  std::uint64_t seq;
  ev kind;
  int a;  // stream, conversation or group
  int b;  // agent within the group
  bool operator>(const event& o) const { return t != o.t ? t > o.t : seq > o.seq; }
};

struct conv {
  int stream = 0;
  double arrived = 0;
  bool counted = false;
  bool answered = false;
  bool done = false;
  int group = -1;
};

struct agent_state {
  int group = 0;
  std::string id;
  bool on = false;
  double on_since = 0;
};

time_ms to_ms(double seconds) { return static_cast<time_ms>(std::llround(seconds * 1000.0)); }

void validate(const v1::Scenario& s) {
  if (!(s.hours() > 0)) throw std::invalid_argument("hours: must be > 0");
  if (s.queues().empty()) throw std::invalid_argument("queues: at least one queue is needed");
  try {
    validate_queues(s.queues(), "queues");
  } catch (const config_error& e) {
    throw std::invalid_argument(e.what());
  }
  std::unordered_map<std::string, int> names;
  for (const auto& q : s.queues()) {
    if (q.name().empty()) throw std::invalid_argument("queues: every queue needs a name");
    names[q.name()] = 1;
  }
  for (int i = 0; i < s.arrivals_size(); ++i) {
    const auto& a = s.arrivals(i);
    const std::string at = "arrivals[" + std::to_string(i) + "]";
    if (!names.count(a.queue())) throw std::invalid_argument(at + ".queue: no queue named '" + a.queue() + "'");
    if (a.per_hour() < 0) throw std::invalid_argument(at + ".per_hour: must be >= 0");
    if (!(a.handle().mean_seconds() > 0)) throw std::invalid_argument(at + ".handle.mean_seconds: must be > 0");
    const auto& d = a.handle().distribution();
    if (!d.empty() && d != "exponential" && d != "lognormal") {
      throw std::invalid_argument(at + ".handle.distribution: exponential or lognormal, got '" + d + "'");
    }
  }
  for (int i = 0; i < s.agent_groups_size(); ++i) {
    if (s.agent_groups(i).count() < 0) {
      throw std::invalid_argument("agent_groups[" + std::to_string(i) + "].count: must be >= 0");
    }
  }
}

class run {
 public:
  run(const v1::Scenario& s, std::uint64_t seed)
      : s_(s),
        engine_(router::engine_config{{s.queues().begin(), s.queues().end()}, 0}),
        arrivals_rng_(seed * 0x9E3779B97F4A7C15ull + 1),
        handle_rng_(seed * 0x9E3779B97F4A7C15ull + 2),
        patience_rng_(seed * 0x9E3779B97F4A7C15ull + 3),
        decline_rng_(seed * 0x9E3779B97F4A7C15ull + 4) {
    r_.seed = seed;
    r_.hours = s.hours();
    for (int i = 0; i < s.queues_size(); ++i) {
      queue_report q;
      q.name = s.queues(i).name();
      q.target_seconds = s.queues(i).policy().service_level_seconds();
      queue_index_[q.name] = i;
      r_.queues.push_back(q);
    }
    busy_.assign(static_cast<std::size_t>(s.agent_groups_size()), 0);
    staffed_.assign(static_cast<std::size_t>(s.agent_groups_size()), 0);
    for (int g = 0; g < s.agent_groups_size(); ++g) {
      r_.groups.push_back({s.agent_groups(g).name(), 0, 0});
    }
  }

  report go() {
    const double horizon = s_.hours() * 3600;
    for (int i = 0; i < s_.arrivals_size(); ++i) schedule_arrival(i, 0);
    start_agents(horizon);
    double now = 0;
    // Bounded: arrivals stop at the horizon; afterwards only what is left is drained, for a day at most.
    for (;;) {
      const double engine_next =
          engine_.next_timer() == INT64_MAX ? INFINITY : static_cast<double>(engine_.next_timer()) / 1000.0;
      const double next = std::min(events_.empty() ? INFINITY : events_.top().t, engine_next);
      if (next == INFINITY || next > horizon + kDrainSeconds) break;
      if (next > horizon && open_counted_ == 0) break;
      now = next;
      if (engine_next <= now && (events_.empty() || engine_next <= events_.top().t)) {
        handle(engine_.advance(to_ms(now)), now);
        ++r_.engine_facts;
        continue;
      }
      const event e = events_.top();
      events_.pop();
      switch (e.kind) {
        case ev::arrival: arrive(e.a, now, horizon); break;
        case ev::abandon: abandon(e.a, now); break;
        case ev::complete: complete(e.a, now); break;
        case ev::shift_on: shift(e.a, e.b, true, now, horizon); break;
        case ev::shift_off: shift(e.a, e.b, false, now, horizon); break;
      }
    }
    finish(horizon);
    return r_;
  }

 private:
  void push(double t, ev kind, int a, int b = 0) { events_.push({t, ++seq_, kind, a, b}); }

  double rate_at(const v1::ArrivalStream& a, double t) const {
    if (a.per_hour_by_hour_size() == 0) return a.per_hour();
    const auto hour = static_cast<long>(std::floor(t / 3600));
    return a.per_hour_by_hour(static_cast<int>(hour % a.per_hour_by_hour_size()));
  }

  // Next arrival of a piecewise-constant Poisson process: exact, by memorylessness.
  void schedule_arrival(int stream, double from) {
    const auto& a = s_.arrivals(stream);
    double t = from;
    const double horizon = s_.hours() * 3600;
    while (t < horizon) {
      const double rate = rate_at(a, t) / 3600.0;
      const double hour_end = (std::floor(t / 3600) + 1) * 3600;
      if (rate <= 0) {
        t = hour_end;
        continue;
      }
      const double next = t + arrivals_rng_.exponential(1.0 / rate);
      if (a.per_hour_by_hour_size() == 0 || next < hour_end) {
        if (next < horizon) push(next, ev::arrival, stream);
        return;
      }
      t = hour_end;
    }
  }

  double draw_handle(const v1::HandleTime& h) {
    if (h.distribution() == "lognormal" && h.sd_seconds() > 0) {
      const double m = h.mean_seconds(), sd = h.sd_seconds();
      const double sigma2 = std::log1p((sd * sd) / (m * m));
      const double mu = std::log(m) - sigma2 / 2;
      return std::exp(mu + std::sqrt(sigma2) * handle_rng_.normal());
    }
    return handle_rng_.exponential(h.mean_seconds());
  }

  void start_agents(double horizon) {
    for (int g = 0; g < s_.agent_groups_size(); ++g) {
      const auto& grp = s_.agent_groups(g);
      for (int i = 0; i < grp.count(); ++i) {
        agent_state a;
        a.group = g;
        a.id = grp.name() + "-" + std::to_string(i + 1);
        agents_.push_back(a);
        const int ai = static_cast<int>(agents_.size()) - 1;
        if (grp.shifts().empty()) {
          shift(g, ai, true, 0, horizon);
          continue;
        }
        set_status(ai, false, 0);
        for (double day = 0; day * 24 < s_.hours() + kDrainSeconds / 3600; ++day) {
          for (const auto& sh : grp.shifts()) {
            push(day * 86400 + sh.start_hour() * 3600, ev::shift_on, g, ai);
            push(day * 86400 + sh.end_hour() * 3600, ev::shift_off, g, ai);
          }
        }
      }
    }
  }

  void set_status(int ai, bool on, double now) {
    const auto& grp = s_.agent_groups(agents_[static_cast<std::size_t>(ai)].group);
    router::agent_fact f;
    f.id = agents_[static_cast<std::size_t>(ai)].id;
    f.skills.assign(grp.skills().begin(), grp.skills().end());
    f.teams.assign(grp.teams().begin(), grp.teams().end());
    std::unordered_map<int, bool> channels;
    for (const auto& a : s_.arrivals()) channels[a.channel()] = true;
    for (const auto& [ch, _] : channels) {
      v1::ChannelCapacity c;
      c.set_channel(static_cast<v1::Channel>(ch));
      c.set_max_concurrent(grp.max_chats());
      f.capacity.push_back(c);
    }
    f.status = on ? v1::AVAILABLE : v1::OFFLINE;
    ++r_.engine_facts;
    handle(engine_.update_agent(f, to_ms(now)), now);
  }

  void shift(int g, int ai, bool on, double now, double horizon) {
    auto& a = agents_[static_cast<std::size_t>(ai)];
    if (a.on == on) return;
    if (!on) staffed_[static_cast<std::size_t>(g)] += std::max(0.0, std::min(now, horizon) - std::min(a.on_since, horizon));
    a.on = on;
    a.on_since = now;
    set_status(ai, on, now);
  }

  void arrive(int stream, double now, double horizon) {
    schedule_arrival(stream, now);
    const auto& a = s_.arrivals(stream);
    const int ci = static_cast<int>(convs_.size());
    conv c;
    c.stream = stream;
    c.arrived = now;
    c.counted = now >= s_.warmup_minutes() * 60;
    convs_.push_back(c);
    if (c.counted) {
      ++r_.queues[static_cast<std::size_t>(queue_index_.at(a.queue()))].arrivals;
      ++open_counted_;
    }
    router::conversation_fact f;
    f.id = std::to_string(ci);
    f.queue = a.queue();
    f.channel = a.channel();
    for (const auto& sk : a.required()) f.required.push_back({sk.name(), sk.proficiency()});
    for (const auto& sk : a.optional()) f.optional.push_back({sk.name(), sk.proficiency()});
    f.priority = a.priority();
    f.queued_at = to_ms(now);
    if (a.patience_seconds() > 0) push(now + patience_rng_.exponential(a.patience_seconds()), ev::abandon, ci);
    ++r_.engine_facts;
    handle(engine_.queue_conversation(f, to_ms(now)), now);
  }

  queue_report& origin(const conv& c) {
    return r_.queues[static_cast<std::size_t>(queue_index_.at(s_.arrivals(c.stream).queue()))];
  }

  void settle(conv& c) {
    c.done = true;
    if (c.counted) --open_counted_;
  }

  void abandon(int ci, double now) {
    auto& c = convs_[static_cast<std::size_t>(ci)];
    if (c.answered || c.done) return;
    settle(c);
    if (c.counted) {
      ++origin(c).abandoned;
      if (now > c.arrived) ++origin(c).waited;
    }
    ++r_.engine_facts;
    handle(engine_.release(std::to_string(ci), to_ms(now)), now);
  }

  void complete(int ci, double now) {
    ++r_.engine_facts;
    handle(engine_.release(std::to_string(ci), to_ms(now)), now);
  }

  void handle(const router::decisions& ds, double now) {
    for (const auto& d : ds) {
      const int ci = std::stoi(d.conversation_id());
      auto& c = convs_[static_cast<std::size_t>(ci)];
      if (d.kind() == v1::Decision::OVERFLOW) {
        if (c.counted) ++origin(c).overflowed_out;
        continue;
      }
      if (d.kind() != v1::Decision::OFFER) continue;
      ++r_.offers;
      const int ai = agent_by_id(d.agent_id());
      // The simulated agent answers at once: declines its group's share, accepts the rest.
      const double decline = s_.agent_groups(agents_[static_cast<std::size_t>(ai)].group).decline_probability();
      if (decline > 0 && decline_rng_.uniform() < decline) {
        ++r_.engine_facts;
        handle(engine_.answer_offer(d.conversation_id(), d.agent_id(), router::offer_answer::declined, to_ms(now)), now);
        continue;
      }
      engine_.answer_offer(d.conversation_id(), d.agent_id(), router::offer_answer::accepted, to_ms(now));
      ++r_.engine_facts;
      ++r_.assignments;
      c.answered = true;
      c.group = agents_[static_cast<std::size_t>(ai)].group;
      const double wait = now - c.arrived;
      if (c.counted) {
        auto& q = origin(c);
        ++q.answered;
        q.asa_seconds += wait;
        if (to_ms(wait) > 0) ++q.waited;
        if (wait <= q.target_seconds) ++q.within_target;
        settle(c);
      } else {
        c.done = true;
      }
      const double h = draw_handle(s_.arrivals(c.stream).handle());
      const double horizon = s_.hours() * 3600;
      busy_[static_cast<std::size_t>(c.group)] += std::max(0.0, std::min(now + h, horizon) - std::min(now, horizon));
      ++r_.groups[static_cast<std::size_t>(c.group)].handled;
      push(now + h, ev::complete, ci);
    }
  }

  int agent_by_id(const std::string& id) {
    if (agent_ids_.empty()) {
      for (std::size_t i = 0; i < agents_.size(); ++i) agent_ids_[agents_[i].id] = static_cast<int>(i);
    }
    return agent_ids_.at(id);
  }

  void finish(double horizon) {
    for (std::size_t i = 0; i < agents_.size(); ++i) {
      const auto& a = agents_[i];
      if (a.on) staffed_[static_cast<std::size_t>(a.group)] += std::max(0.0, horizon - std::min(a.on_since, horizon));
    }
    for (auto& q : r_.queues) {
      const double settled = static_cast<double>(q.answered + q.abandoned);
      if (settled > 0) {
        q.service_level = static_cast<double>(q.within_target) / settled;
        q.p_wait = static_cast<double>(q.waited) / settled;
        q.abandon_rate = static_cast<double>(q.abandoned) / settled;
      }
      if (q.answered > 0) q.asa_seconds /= static_cast<double>(q.answered);
    }
    for (std::size_t g = 0; g < r_.groups.size(); ++g) {
      const int chats = s_.agent_groups(static_cast<int>(g)).max_chats();
      const double capacity = staffed_[g] * chats;
      r_.groups[g].occupancy = capacity > 0 ? busy_[g] / capacity : 0;
    }
    r_.offers_per_assignment = r_.assignments > 0 ? static_cast<double>(r_.offers) / static_cast<double>(r_.assignments) : 0;
  }

  const v1::Scenario& s_;
  router::engine engine_;
  rng arrivals_rng_, handle_rng_, patience_rng_, decline_rng_;
  std::priority_queue<event, std::vector<event>, std::greater<>> events_;
  std::uint64_t seq_ = 0;
  std::vector<conv> convs_;
  std::vector<agent_state> agents_;
  std::unordered_map<std::string, int> agent_ids_;
  std::unordered_map<std::string, int> queue_index_;
  std::vector<double> busy_, staffed_;
  std::int64_t open_counted_ = 0;
  report r_;
};

}  // namespace

report simulate(const v1::Scenario& scenario, std::uint64_t seed) {
  v1::Scenario s = scenario;
  apply_defaults(s);  // the schema's (proto/scenario.proto), queues' policies included
  validate(s);
  run r(s, seed);
  return r.go();
}

v1::Scenario one_queue(int agents, double arrivals_per_hour, double aht_seconds, double target_seconds, double hours,
                       double patience_seconds) {
  v1::Scenario s;
  s.set_hours(hours);
  auto* q = s.add_queues();
  q->set_name("main");
  q->mutable_policy()->set_strategy(v1::LONGEST_IDLE);
  q->mutable_policy()->set_service_level_seconds(static_cast<int>(target_seconds));
  auto* skill = q->add_required_skills();
  skill->set_name("support");
  skill->set_proficiency(1);
  auto* a = s.add_arrivals();
  a->set_queue("main");
  a->set_per_hour(arrivals_per_hour);
  a->mutable_handle()->set_mean_seconds(aht_seconds);
  a->set_patience_seconds(patience_seconds);
  auto* g = s.add_agent_groups();
  g->set_name("agents");
  g->set_count(agents);
  auto* gs = g->add_skills();
  gs->set_name("support");
  gs->set_proficiency(3);
  return s;
}

std::string to_json(const report& r) {
  std::ostringstream o;
  char buf[512];
  o << "{\"seed\":" << r.seed << ",\"hours\":" << r.hours << ",\"queues\":[";
  for (std::size_t i = 0; i < r.queues.size(); ++i) {
    const auto& q = r.queues[i];
    std::snprintf(buf, sizeof buf,
                  "%s{\"name\":\"%s\",\"arrivals\":%lld,\"answered\":%lld,\"abandoned\":%lld,\"overflowed\":%lld,"
                  "\"target_seconds\":%g,\"service_level\":%.4f,\"p_wait\":%.4f,\"asa_seconds\":%.2f,"
                  "\"abandon_rate\":%.4f}",
                  i ? "," : "", q.name.c_str(), static_cast<long long>(q.arrivals), static_cast<long long>(q.answered),
                  static_cast<long long>(q.abandoned), static_cast<long long>(q.overflowed_out), q.target_seconds,
                  q.service_level, q.p_wait, q.asa_seconds, q.abandon_rate);
    o << buf;
  }
  o << "],\"groups\":[";
  for (std::size_t i = 0; i < r.groups.size(); ++i) {
    std::snprintf(buf, sizeof buf, "%s{\"name\":\"%s\",\"occupancy\":%.4f,\"handled\":%lld}", i ? "," : "",
                  r.groups[i].name.c_str(), r.groups[i].occupancy, static_cast<long long>(r.groups[i].handled));
    o << buf;
  }
  std::snprintf(buf, sizeof buf, "],\"offers_per_assignment\":%.4f,\"engine_facts\":%lld}", r.offers_per_assignment,
                static_cast<long long>(r.engine_facts));
  o << buf;
  return o.str();
}

std::string to_text(const report& r) {
  std::ostringstream o;
  char buf[512];
  std::snprintf(buf, sizeof buf, "simulated %.1f h, seed %llu, %lld engine facts\n", r.hours,
                static_cast<unsigned long long>(r.seed), static_cast<long long>(r.engine_facts));
  o << buf;
  std::snprintf(buf, sizeof buf, "%-14s %8s %8s %9s %10s %8s %8s %9s %9s\n", "queue", "arrivals", "answered",
                "abandoned", "overflowed", "SL", "P(wait)", "ASA s", "abandon");
  o << buf;
  for (const auto& q : r.queues) {
    std::snprintf(buf, sizeof buf, "%-14s %8lld %8lld %9lld %10lld %7.1f%% %7.1f%% %9.1f %8.1f%%\n", q.name.c_str(),
                  static_cast<long long>(q.arrivals), static_cast<long long>(q.answered),
                  static_cast<long long>(q.abandoned), static_cast<long long>(q.overflowed_out), 100 * q.service_level,
                  100 * q.p_wait, q.asa_seconds, 100 * q.abandon_rate);
    o << buf;
  }
  std::snprintf(buf, sizeof buf, "%-14s %10s %8s\n", "agent group", "occupancy", "handled");
  o << buf;
  for (const auto& g : r.groups) {
    std::snprintf(buf, sizeof buf, "%-14s %9.1f%% %8lld\n", g.name.c_str(), 100 * g.occupancy,
                  static_cast<long long>(g.handled));
    o << buf;
  }
  std::snprintf(buf, sizeof buf, "offers per assignment: %.3f\n", r.offers_per_assignment);
  o << buf;
  return o.str();
}

}  // namespace switchboard::sim
