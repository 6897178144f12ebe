#pragma once
// The KPIs a team lead is judged by, computed from the conversations' own timeline events (so they
// can be recomputed at any time and never drift from what happened). Pure: no I/O, no clock.
//
// Each conversation counts once, in the interval (15 min, hour or day) when it was created, under
// the dimension asked for: all, its queue (where it was answered, else where it is), its team, its
// channel, or its agent (who last took it: the last accept or takeover). Definitions, per
// conversation, from its events in order:
//   answered      an agent accepted it (or a lead took it over)
//   speed of answer   first accept − creation
//   service level met answered within the queue's service_level_seconds of creation
//   abandoned     resolved without ever being answered (closed before an agent took it)
//   first response    first staff message to the customer − creation
//   handle time   resolution − first accept (resolved conversations that were answered)
//   resolved      resolved at the end of the events read
//   first-contact resolution  answered and resolved, never reopened (no customer message after a
//                 resolve) and never transferred
//   transferred   at least one transfer by staff (a router overflow is not a transfer)
//   escalations   escalation events; answered when a lead (or anyone) accepts it afterwards, with
//                 its own speed of answer (escalation → that accept) and service level (against the
//                 escalation queue's target)
//   CSAT          the customer's rating (1–5); satisfied = 4 or 5
// Rates: service level = met / (answered + abandoned); resolution = resolved / conversations;
// FCR = first-contact resolutions / answered and resolved; transfer rate = transferred / answered;
// abandonment = abandoned / conversations.
//
// Occupancy is the agents' own figure (add_occupancy, occupancy.cpp): handling time ÷ staffed time,
// where handling is the time an agent held at least one conversation (from the accept or takeover
// to the resolve, transfer, escalation or requeue, in the conversations' events) and staffed is
// handling plus the time they were available with a desk open (their status history). Counted by
// agent, team (each team the agent is in) or all; queues and channels have none.

#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "proto/model.pb.h"

namespace switchboard::reports {

enum class dimension { all, queue, agent, team, channel };

struct conversation_record {
  std::string id;
  std::string queue;                 // where it is now (used when it was never answered)
  std::string team;
  v1::Channel channel = v1::CHANNEL_UNSPECIFIED;
  std::vector<v1::Event> events;     // in seq order
};

struct kpi_row {
  std::string key;                   // the dimension's value ("" for all)
  std::int64_t start_ms = 0;         // the interval's start
  long conversations = 0, answered = 0, sl_met = 0, abandoned = 0, resolved = 0, fcr = 0, transferred = 0,
       escalations = 0, ratings = 0, satisfied = 0, frt_n = 0, aht_n = 0, escalations_answered = 0,
       escalation_sl_met = 0;
  double asa_sum_s = 0, frt_sum_s = 0, aht_sum_s = 0, csat_sum = 0, escalation_wait_sum_s = 0;
  double handling_s = 0, staffed_s = 0;  // occupancy's parts, in the row's interval

  double service_level() const;      // 0..1 (0 when nothing was answered or abandoned)
  double asa_s() const;
  double frt_s() const;
  double aht_s() const;
  double resolution_rate() const;
  double fcr_rate() const;
  double transfer_rate() const;
  double abandon_rate() const;
  double csat() const;               // average score, 0 when none
  double satisfied_rate() const;
  double escalation_asa_s() const;            // escalation → accept, averaged over answered escalations
  double escalation_service_level() const;    // answered within the escalation queue's target ÷ escalations
  double occupancy() const;                   // handling ÷ staffed, 0 when nobody was staffed
};

// An agent's staffed time, from their status history: (when, available with a desk open), oldest
// first; the first may be before the period (the state in force at its start).
struct agent_presence {
  std::string agent;
  std::vector<std::string> teams;
  std::vector<std::pair<std::int64_t, bool>> changes;
};

// Rows by (interval start, key), as compute() and kpi_accumulator fill them.
using kpi_table = std::map<std::tuple<std::int64_t, std::string>, kpi_row>;

// Rows sorted by (start, key). `sl_seconds` gives each queue's target (absent or 0: 60 s).
std::vector<kpi_row> compute(const std::vector<conversation_record>& conversations, dimension by,
                             std::int64_t interval_ms, const std::map<std::string, int>& sl_seconds);

// Counts one conversation into the row of the interval it was created in, under `by` (what
// compute() does for each conversation; a conversation without events counts nowhere).
void count_conversation(kpi_table& table, const conversation_record& c, dimension by, std::int64_t interval_ms,
                        const std::map<std::string, int>& sl_seconds);
// The row (start, key) of `table`, created empty if absent.
kpi_row& row_of(kpi_table& table, std::int64_t start_ms, const std::string& key);
// Adds every count and sum of `part` (all but key and start) to `into`.
void add_figures(kpi_row& into, const kpi_row& part);
// The rows of two disjoint sets of conversations → the rows of their union, sorted by (start, key):
// compute(a ∪ b) == merge_rows(compute(a), compute(b)), up to the rounding of the sums.
std::vector<kpi_row> merge_rows(const std::vector<kpi_row>& a, const std::vector<kpi_row>& b);
// The table's rows, sorted by (start, key).
std::vector<kpi_row> rows_of(kpi_table&& table);

// Adds occupancy (handling and staffed seconds, split over the intervals) to `rows` for [from, to),
// by agent, team or all; rows for intervals without conversations are added. Keeps rows sorted.
void add_occupancy(std::vector<kpi_row>& rows, const std::vector<conversation_record>& conversations,
                   const std::vector<agent_presence>& agents, dimension by, std::int64_t interval_ms,
                   std::int64_t from_ms, std::int64_t to_ms);

// Who held conversations when, per agent: [begin, end) spans in ms clipped to the period, gathered
// a batch of conversations at a time (add) and merged as they grow, so two conversations
// held at once count their overlap once and memory stays within one span per conversation.
class holding_spans {
 public:
  using span = std::pair<std::int64_t, std::int64_t>;
  void add(const std::vector<conversation_record>& batch, std::int64_t from_ms, std::int64_t to_ms);
  // Each agent's spans, merged (sorted, disjoint).
  std::map<std::string, std::vector<span>> merged() const;

 private:
  struct spans {
    std::vector<span> v;
    std::size_t merged_size = 0;  // v's size when it was last merged
  };
  std::map<std::string, spans> by_agent_;
};

// add_occupancy from spans gathered beforehand.
void add_occupancy(std::vector<kpi_row>& rows, const holding_spans& held, const std::vector<agent_presence>& agents,
                   dimension by, std::int64_t interval_ms, std::int64_t from_ms, std::int64_t to_ms);

// The report's columns, in order: the JSON rows' member names and the CSV header, the same names.
std::vector<std::string> column_names();
std::string to_json(const std::vector<kpi_row>& rows);
std::string to_csv(const std::vector<kpi_row>& rows);
bool dimension_from_name(const std::string& name, dimension& out);

}  // namespace switchboard::reports
