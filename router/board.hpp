#pragma once
// Each team's live board (ARCHITECTURE §1; docs/LEADS.md): its queues with today's service level
// and Erlang C staffing advice, its agents with their load, and the conversations at risk —
// computed from what the router's reconciler holds and today's counts. Pure.

#include <cstdint>
#include <map>
#include <string>

#include "proto/wire.pb.h"
#include "router/reconciler.hpp"

namespace switchboard::router {

// Today's figures of a queue (conversations created today, as the reports count them).
struct queue_day {
  std::int64_t day = -1;
  int answered = 0, sl_met = 0, abandoned = 0;
};

// Team → board. `today`: queue → today's figures (a queue not in it has none yet).
std::map<std::string, v1::Board> compute_boards(const reconciler& r, const std::map<std::string, queue_day>& today,
                                                time_ms now);

}  // namespace switchboard::router
