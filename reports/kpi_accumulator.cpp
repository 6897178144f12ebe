#include "reports/kpi_accumulator.hpp"

#include <utility>

namespace switchboard::reports {

kpi_accumulator::kpi_accumulator(dimension by, std::int64_t interval_ms, std::map<std::string, int> sl_seconds,
                                 std::int64_t from_ms, std::int64_t to_ms)
    : by_(by),
      interval_ms_(interval_ms > 0 ? interval_ms : 86'400'000),
      sl_seconds_(std::move(sl_seconds)),
      from_ms_(from_ms),
      to_ms_(to_ms) {}

bool kpi_accumulator::has_occupancy() const noexcept {
  return by_ == dimension::all || by_ == dimension::agent || by_ == dimension::team;
}

void kpi_accumulator::add(const std::vector<conversation_record>& batch) {
  for (const auto& c : batch) count_conversation(rows_, c, by_, interval_ms_, sl_seconds_);
  conversations_ += static_cast<long>(batch.size());
  if (has_occupancy()) held_.add(batch, from_ms_, to_ms_);
}

std::vector<kpi_row> kpi_accumulator::finish(const std::vector<agent_presence>& agents) {
  auto rows = rows_of(std::move(rows_));
  rows_.clear();
  if (has_occupancy()) add_occupancy(rows, held_, agents, by_, interval_ms_, from_ms_, to_ms_);
  held_ = holding_spans{};
  conversations_ = 0;
  return rows;
}

}  // namespace switchboard::reports
