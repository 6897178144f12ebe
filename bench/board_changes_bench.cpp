// What a console's boards cost the gateway (gateway/board_changes.hpp): working out the changes of
// a 1,000-agent, 50-queue board a second later (every queue and one agent in twenty changed, as in
// web/bench's worst case), beside what the hub pays for that board anyway in the same run — parsing
// it from the router's bytes — and the JSON each way: the whole board and its changes.
//   build/bench/board_changes_bench
#include <benchmark/benchmark.h>

#include <string>

#include "gateway/board_changes.hpp"
#include "gateway/protocol/frame_codec.hpp"

namespace {

using namespace switchboard;

v1::Board board(std::int64_t at_ms, int tick) {
  v1::Board b;
  b.set_team("care");
  b.set_at_ms(at_ms);
  for (int q = 0; q < 50; ++q) {
    auto* x = b.add_queues();
    x->set_queue("queue-" + std::to_string(q));
    x->set_waiting((q * 3 + tick) % 9);
    x->set_oldest_wait_seconds(30 + tick);
    x->set_service_level_today(0.8);
    x->set_answered_today(100 + q + tick);
    x->set_agents_needed(5);
    x->set_agents_available(4 + (q + tick) % 6);
  }
  for (int i = 0; i < 1000; ++i) {
    auto* a = b.add_agents();
    a->set_agent_id("agent-" + std::to_string(i));
    const bool moved = (i * 7919 + tick * 104729) % 20 == 0;
    a->set_status(moved ? v1::AWAY : v1::AVAILABLE);
    a->set_status_seconds(moved ? 0 : 60 + tick);
    auto* l = a->add_load();
    l->set_channel(v1::CHANNEL_WEB);
    l->set_conversations(i % 4);
    l->set_capacity(3);
    for (int k = 0; k < i % 4; ++k) a->add_conversations("01M8BENCH" + std::to_string(i) + "-" + std::to_string(k));
  }
  for (int r = 0; r < 20; ++r) {
    auto* x = b.add_at_risk();
    x->set_conversation_id("01M8BENCHRISK" + std::to_string(r));
    x->set_reason("waiting past the service level");
  }
  return b;
}

v1::ServerFrame frame_of(v1::Board b) {
  v1::ServerFrame f;
  *f.mutable_board() = std::move(b);
  return f;
}

void BM_BoardChanges(benchmark::State& state) {
  const auto before = board(1'000'000, 1), after = board(1'001'000, 2);
  auto sent = gateway::instants_of(before);
  for (auto _ : state) benchmark::DoNotOptimize(gateway::board_changes(before, after, sent));
}

void BM_ParseWholeBoard(benchmark::State& state) {  // the baseline: the hub parses it anyway
  const auto bytes = frame_of(board(1'001'000, 2)).SerializeAsString();
  state.counters["bytes"] = static_cast<double>(bytes.size());
  for (auto _ : state) {
    v1::ServerFrame f;
    benchmark::DoNotOptimize(f.ParseFromString(bytes));
  }
}

void BM_JsonWholeBoard(benchmark::State& state) {
  const auto f = frame_of(board(1'001'000, 2));
  state.counters["bytes"] = static_cast<double>(gateway::encode_server_frame(gateway::wire_format::json, f).size());
  for (auto _ : state) benchmark::DoNotOptimize(gateway::encode_server_frame(gateway::wire_format::json, f));
}

void BM_JsonChanges(benchmark::State& state) {
  auto sent = gateway::instants_of(board(1'000'000, 1));
  const auto f = frame_of(gateway::board_changes(board(1'000'000, 1), board(1'001'000, 2), sent));
  state.counters["bytes"] = static_cast<double>(gateway::encode_server_frame(gateway::wire_format::json, f).size());
  for (auto _ : state) benchmark::DoNotOptimize(gateway::encode_server_frame(gateway::wire_format::json, f));
}

BENCHMARK(BM_BoardChanges)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_ParseWholeBoard)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_JsonWholeBoard)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_JsonChanges)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
