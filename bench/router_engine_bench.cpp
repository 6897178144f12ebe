// bench/router_engine_bench: the routing engine's cost per fact as agents and waiting
// conversations grow (1k/10k/100k agents × 10k/100k/1M waiting), in steady state: every agent is
// busy, the queues are full, and each cycle releases one conversation (the freed agent gets the
// best waiting one: an OFFER), accepts that offer, and queues a new conversation (which waits).
// Ten queues, each needing its own skill at proficiency 2+; agents have 3 of the 10 skills.
//
//   build/bench/router_engine_bench [--benchmark_filter=...]
//
// Counters: facts/s (one core), p50/p99 per fact in µs, decisions/s. BM_NaiveScan, the baseline
// measured in the same run, decides the same workload by scanning (see below).

#include <benchmark/benchmark.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <random>
#include <string>
#include <vector>

#include "router/engine/engine.hpp"

namespace {

using namespace switchboard;
using router::time_ms;

constexpr int kQueues = 10;

std::string qname(int q) { return "q" + std::to_string(q); }

router::engine make_engine() {
  router::engine_config cfg;
  for (int q = 0; q < kQueues; ++q) {
    v1::Queue queue;
    queue.set_name(qname(q));
    auto* s = queue.add_required_skills();
    s->set_name("skill" + std::to_string(q));
    s->set_proficiency(2);
    queue.mutable_policy()->set_strategy(v1::LONGEST_IDLE);
    queue.mutable_policy()->set_offer_timeout_seconds(30);
    cfg.queues.push_back(queue);
  }
  cfg.explain_rejections = 5;
  return router::engine(cfg);
}

router::agent_fact make_agent(int i, std::mt19937& rng) {
  router::agent_fact a;
  a.id = "agent" + std::to_string(i);
  // Three distinct skills; skill (i mod 10) always, so that every queue has agents.
  std::vector<int> skills = {i % kQueues};
  while (skills.size() < 3) {
    int s = static_cast<int>(rng() % kQueues);
    if (std::find(skills.begin(), skills.end(), s) == skills.end()) skills.push_back(s);
  }
  for (int s : skills) {
    v1::Skill sk;
    sk.set_name("skill" + std::to_string(s));
    sk.set_proficiency(2 + static_cast<int>(rng() % 4));
    a.skills.push_back(sk);
  }
  v1::ChannelCapacity c;
  c.set_channel(v1::CHANNEL_WEB);
  c.set_max_concurrent(1);
  a.capacity.push_back(c);
  return a;
}

void BM_RoutingFacts(benchmark::State& state) {
  const int agents = static_cast<int>(state.range(0));
  const int waiting = static_cast<int>(state.range(1));
  std::mt19937 rng(12345);
  auto e = make_engine();
  time_ms now = 1'000'000;
  long next_conv = 0;
  std::vector<std::string> assigned;  // conversations held by agents (all agents busy)
  assigned.reserve(static_cast<std::size_t>(agents));

  auto new_conv = [&](time_ms at) {
    router::conversation_fact c;
    c.id = "c" + std::to_string(next_conv);
    c.queue = qname(static_cast<int>(next_conv % kQueues));
    c.channel = v1::CHANNEL_WEB;
    c.queued_at = at;
    ++next_conv;
    return c;
  };
  // Fill: agents first, each immediately takes one conversation; then the waiting backlog.
  for (int i = 0; i < agents; ++i) e.update_agent(make_agent(i, rng), now);
  for (int i = 0; i < agents; ++i) {
    auto c = new_conv(now);
    for (const auto& d : e.queue_conversation(c, now)) {
      if (d.kind() == v1::Decision::OFFER) {
        e.answer_offer(d.conversation_id(), d.agent_id(), router::offer_answer::accepted, now);
        assigned.push_back(d.conversation_id());
      }
    }
  }
  for (int i = 0; i < waiting; ++i) e.queue_conversation(new_conv(now + i), now + i);
  if (e.waiting_total() < static_cast<std::size_t>(waiting)) state.SkipWithError("agents were not all busy");

  std::vector<double> lat;
  lat.reserve(static_cast<std::size_t>(state.max_iterations) * 3);
  std::size_t cursor = 0;
  long decisions = 0;
  auto timed = [&](auto&& fn) {
    const auto t0 = std::chrono::steady_clock::now();
    auto ds = fn();
    lat.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count());
    decisions += static_cast<long>(ds.size());
    return ds;
  };
  for (auto _ : state) {
    now += 10;
    // 1. A conversation ends: its agent is offered the best waiting one.
    cursor = (cursor + 1) % assigned.size();
    auto ds = timed([&] { return e.release(assigned[cursor], now); });
    // 2. The agent accepts.
    for (const auto& d : ds) {
      if (d.kind() != v1::Decision::OFFER) continue;
      timed([&] { return e.answer_offer(d.conversation_id(), d.agent_id(), router::offer_answer::accepted, now); });
      assigned[cursor] = d.conversation_id();
    }
    // 3. A new conversation arrives and waits.
    auto c = new_conv(now);
    timed([&] { return e.queue_conversation(c, now); });
  }
  std::sort(lat.begin(), lat.end());
  const auto pct = [&](double p) { return lat.empty() ? 0.0 : lat[static_cast<std::size_t>(p * (lat.size() - 1))]; };
  state.counters["facts/s"] = benchmark::Counter(static_cast<double>(lat.size()), benchmark::Counter::kIsRate);
  state.counters["decisions/s"] = benchmark::Counter(static_cast<double>(decisions), benchmark::Counter::kIsRate);
  state.counters["p50_us"] = pct(0.50);
  state.counters["p99_us"] = pct(0.99);
  state.counters["waiting"] = static_cast<double>(e.waiting_total());
}

// The baseline a first version would write: the same workload, deciding by scanning every waiting
// conversation when an agent frees up and every agent when a conversation arrives.
void BM_NaiveScan(benchmark::State& state) {
  const int agents = static_cast<int>(state.range(0));
  const int waiting = static_cast<int>(state.range(1));
  std::mt19937 rng(12345);
  struct agent {
    std::array<int, kQueues> prof{};
    bool busy = false;
    time_ms idle_since = 0;
  };
  struct conv {
    int queue;
    time_ms queued_at;
  };
  std::vector<agent> as(static_cast<std::size_t>(agents));
  for (int i = 0; i < agents; ++i) {
    for (const auto& sk : make_agent(i, rng).skills) {
      as[static_cast<std::size_t>(i)].prof[static_cast<std::size_t>(std::stoi(sk.name().substr(5)))] = sk.proficiency();
    }
    as[static_cast<std::size_t>(i)].busy = true;
  }
  std::vector<conv> ws;
  long next = 0;
  for (int i = 0; i < waiting; ++i) ws.push_back({static_cast<int>(next++ % kQueues), i});
  std::vector<double> lat;
  time_ms now = 1'000'000;
  int cursor = 0;
  auto timed = [&](auto&& fn) {
    const auto t0 = std::chrono::steady_clock::now();
    fn();
    lat.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count());
  };
  for (auto _ : state) {
    now += 10;
    cursor = (cursor + 1) % agents;
    timed([&] {  // release: the freed agent takes the oldest conversation it can serve
      auto& a = as[static_cast<std::size_t>(cursor)];
      a.busy = false;
      a.idle_since = now;
      std::size_t best = ws.size();
      for (std::size_t i = 0; i < ws.size(); ++i) {
        if (a.prof[static_cast<std::size_t>(ws[i].queue)] >= 2 && (best == ws.size() || ws[i].queued_at < ws[best].queued_at)) best = i;
      }
      if (best < ws.size()) {
        ws[best] = ws.back();
        ws.pop_back();
        a.busy = true;
      }
    });
    timed([] {});  // accept: nothing to decide
    timed([&] {    // arrival: look for the longest-idle free agent who can serve it
      conv c{static_cast<int>(next++ % kQueues), now};
      std::size_t best = as.size();
      for (std::size_t i = 0; i < as.size(); ++i) {
        if (!as[i].busy && as[i].prof[static_cast<std::size_t>(c.queue)] >= 2 &&
            (best == as.size() || as[i].idle_since < as[best].idle_since)) {
          best = i;
        }
      }
      if (best < as.size()) as[best].busy = true;
      else ws.push_back(c);
    });
  }
  std::sort(lat.begin(), lat.end());
  const auto pct = [&](double p) { return lat.empty() ? 0.0 : lat[static_cast<std::size_t>(p * (lat.size() - 1))]; };
  state.counters["facts/s"] = benchmark::Counter(static_cast<double>(lat.size()), benchmark::Counter::kIsRate);
  state.counters["p50_us"] = pct(0.50);
  state.counters["p99_us"] = pct(0.99);
  state.counters["waiting"] = static_cast<double>(ws.size());
}

BENCHMARK(BM_RoutingFacts)
    ->ArgNames({"agents", "waiting"})
    ->ArgsProduct({{1'000, 10'000, 100'000}, {10'000, 100'000, 1'000'000}})
    ->Iterations(100'000)
    ->Unit(benchmark::kMicrosecond);

BENCHMARK(BM_NaiveScan)
    ->ArgNames({"agents", "waiting"})
    ->ArgsProduct({{1'000, 10'000, 100'000}, {10'000, 100'000, 1'000'000}})
    ->Iterations(2'000)
    ->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
