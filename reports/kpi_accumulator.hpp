#pragma once
// A KPI report computed as its conversations stream past, a batch at a time, so that a month of
// conversations never has to be held at once: each batch is counted into the rows (kpi.hpp) and
// its holding spans kept for occupancy, then the batch can go. What it keeps is bounded by the rows
// (intervals × keys) and one span per conversation held; finish() gives exactly what compute()
// and add_occupancy() give for all the conversations at once (up to the rounding of the sums).
// Pure: no I/O, no clock. Not thread-safe (one report, one thread).

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "reports/kpi.hpp"

namespace switchboard::reports {

class kpi_accumulator {
 public:
  // The report's dimension and interval, the queues' service-level targets, and its period
  // [from, to) (occupancy is clipped to it).
  kpi_accumulator(dimension by, std::int64_t interval_ms, std::map<std::string, int> sl_seconds, std::int64_t from_ms,
                  std::int64_t to_ms);

  // Counts a batch of conversations (each once: batches must not overlap).
  void add(const std::vector<conversation_record>& batch);
  // Conversations counted so far.
  long conversations() const noexcept { return conversations_; }
  // Whether the dimension has occupancy (all, agent, team): finish() then wants the agents' presence.
  bool has_occupancy() const noexcept;
  // The rows, sorted by (start, key), with occupancy from the holding spans and `agents`' presence
  // when the dimension has it. Leaves the accumulator empty.
  std::vector<kpi_row> finish(const std::vector<agent_presence>& agents);

 private:
  dimension by_;
  std::int64_t interval_ms_;
  std::map<std::string, int> sl_seconds_;
  std::int64_t from_ms_, to_ms_;
  kpi_table rows_;
  holding_spans held_;
  long conversations_ = 0;
};

}  // namespace switchboard::reports
