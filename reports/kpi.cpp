#include "reports/kpi.hpp"

#include "core/actors.hpp"
#include "core/defaults.hpp"

#include <cstdio>
#include <tuple>

namespace switchboard::reports {

namespace {

// The service level target of a queue the config no longer has: the schema's default (read at
// first use, not at static initialisation: the schema's options register then).
int default_target() {
  static const int seconds = with_defaults(v1::Queue{}).policy().service_level_seconds();
  return seconds;
}

double ratio(double a, double b) { return b > 0 ? a / b : 0; }

// What one conversation's events say.
struct facts {
  std::int64_t created = -1, first_accept = -1, first_response = -1, resolved_at = -1;
  bool answered = false, resolved = false, reopened = false, transferred = false;
  int escalations = 0, rating = 0;
  std::string agent, answered_queue;
  struct escalation {
    std::int64_t at = 0, answered_at = -1;
    std::string queue;
  };
  std::vector<escalation> escalated;
};

facts read(const conversation_record& c) {
  facts f;
  std::string offer_queue;
  bool was_resolved = false;
  for (const auto& e : c.events) {
    if (f.created < 0) f.created = e.at_ms();
    switch (e.kind_case()) {
      case v1::Event::kDecision:
        if (e.decision().kind() == v1::Decision::OFFER) offer_queue = e.decision().queue();
        break;
      case v1::Event::kOfferOutcome:
        if (e.offer_outcome().outcome() == v1::OfferOutcome::ACCEPTED) {
          if (!f.escalated.empty() && f.escalated.back().answered_at < 0) f.escalated.back().answered_at = e.at_ms();
          if (!f.answered) {
            f.answered = true;
            f.first_accept = e.at_ms();
            f.answered_queue = offer_queue;
          }
          f.agent = e.offer_outcome().agent_id();
        }
        break;
      case v1::Event::kTakeover:
        if (!f.escalated.empty() && f.escalated.back().answered_at < 0) f.escalated.back().answered_at = e.at_ms();
        if (!f.answered) {
          f.answered = true;
          f.first_accept = e.at_ms();
        }
        f.agent = e.takeover().lead_id();
        break;
      case v1::Event::kMessage:
        if (e.message().direction() == v1::DIRECTION_OUTBOUND && !automatic_message(e) && f.first_response < 0) {
          f.first_response = e.at_ms();
        }
        if (e.message().direction() == v1::DIRECTION_INBOUND && was_resolved) f.reopened = true;
        if (e.message().direction() == v1::DIRECTION_INBOUND) f.resolved = false;
        break;
      case v1::Event::kTransfer:
        if (e.transfer().from_id() != "router") f.transferred = true;
        break;
      case v1::Event::kEscalation:
        ++f.escalations;
        f.escalated.push_back({e.at_ms(), -1, e.escalation().queue()});
        break;
      case v1::Event::kStatusChange:
        if (e.status_change().to() == v1::RESOLVED) {
          f.resolved = true;
          was_resolved = true;
          f.resolved_at = e.at_ms();
        } else {
          f.resolved = false;
        }
        break;
      case v1::Event::kRating:
        f.rating = e.rating().score();
        break;
      default:
        break;
    }
  }
  return f;
}

}  // namespace

double kpi_row::service_level() const { return ratio(sl_met, answered + abandoned); }
double kpi_row::asa_s() const { return ratio(asa_sum_s, answered); }
double kpi_row::frt_s() const { return ratio(frt_sum_s, frt_n); }
double kpi_row::aht_s() const { return ratio(aht_sum_s, aht_n); }
double kpi_row::resolution_rate() const { return ratio(resolved, conversations); }
double kpi_row::fcr_rate() const { return ratio(fcr, aht_n); }
double kpi_row::transfer_rate() const { return ratio(transferred, answered); }
double kpi_row::abandon_rate() const { return ratio(abandoned, conversations); }
double kpi_row::csat() const { return ratio(csat_sum, ratings); }
double kpi_row::satisfied_rate() const { return ratio(satisfied, ratings); }
double kpi_row::escalation_asa_s() const { return ratio(escalation_wait_sum_s, escalations_answered); }
double kpi_row::escalation_service_level() const { return ratio(escalation_sl_met, escalations); }
double kpi_row::occupancy() const { return ratio(handling_s, staffed_s); }

void add_figures(kpi_row& into, const kpi_row& part) {
  into.conversations += part.conversations;
  into.answered += part.answered;
  into.sl_met += part.sl_met;
  into.abandoned += part.abandoned;
  into.resolved += part.resolved;
  into.fcr += part.fcr;
  into.transferred += part.transferred;
  into.escalations += part.escalations;
  into.ratings += part.ratings;
  into.satisfied += part.satisfied;
  into.frt_n += part.frt_n;
  into.aht_n += part.aht_n;
  into.escalations_answered += part.escalations_answered;
  into.escalation_sl_met += part.escalation_sl_met;
  into.asa_sum_s += part.asa_sum_s;
  into.frt_sum_s += part.frt_sum_s;
  into.aht_sum_s += part.aht_sum_s;
  into.csat_sum += part.csat_sum;
  into.escalation_wait_sum_s += part.escalation_wait_sum_s;
  into.handling_s += part.handling_s;
  into.staffed_s += part.staffed_s;
}

kpi_row& row_of(kpi_table& table, std::int64_t start_ms, const std::string& key) {
  auto& r = table[{start_ms, key}];
  r.key = key;
  r.start_ms = start_ms;
  return r;
}

void count_conversation(kpi_table& table, const conversation_record& c, dimension by, std::int64_t interval_ms,
                        const std::map<std::string, int>& sl_seconds) {
  const facts f = read(c);
  if (f.created < 0) return;
  if (interval_ms <= 0) interval_ms = 86'400'000;
  const std::string queue = f.answered && !f.answered_queue.empty() ? f.answered_queue : c.queue;
  std::string key;
  switch (by) {
    case dimension::queue: key = queue; break;
    case dimension::agent: key = f.agent; break;
    case dimension::team: key = c.team; break;
    case dimension::channel: key = v1::Channel_Name(c.channel); break;
    case dimension::all: break;
  }
  auto target_of = [&sl_seconds](const std::string& q) {
    auto it = sl_seconds.find(q);
    // A queue no longer configured: the schema's default target.
    return it != sl_seconds.end() && it->second > 0 ? it->second : default_target();
  };
  auto& r = row_of(table, f.created - f.created % interval_ms, key);
  ++r.conversations;
  if (f.answered) {
    ++r.answered;
    const double asa = static_cast<double>(f.first_accept - f.created) / 1000.0;
    r.asa_sum_s += asa;
    if (asa <= target_of(queue)) ++r.sl_met;
    if (f.transferred) ++r.transferred;
  } else if (f.resolved) {
    ++r.abandoned;
  }
  if (f.first_response >= 0) {
    ++r.frt_n;
    r.frt_sum_s += static_cast<double>(f.first_response - f.created) / 1000.0;
  }
  if (f.resolved) {
    ++r.resolved;
    if (f.answered && !f.reopened && !f.transferred) ++r.fcr;
    if (f.answered) {
      ++r.aht_n;
      r.aht_sum_s += static_cast<double>(f.resolved_at - f.first_accept) / 1000.0;
    }
  }
  r.escalations += f.escalations;
  for (const auto& esc : f.escalated) {
    if (esc.answered_at < 0) continue;
    ++r.escalations_answered;
    const double wait = static_cast<double>(esc.answered_at - esc.at) / 1000.0;
    r.escalation_wait_sum_s += wait;
    if (wait <= target_of(esc.queue)) ++r.escalation_sl_met;
  }
  if (f.rating > 0) {
    ++r.ratings;
    r.csat_sum += f.rating;
    if (f.rating >= 4) ++r.satisfied;
  }
}

std::vector<kpi_row> rows_of(kpi_table&& table) {
  std::vector<kpi_row> out;
  out.reserve(table.size());
  for (auto& [k, r] : table) out.push_back(std::move(r));
  return out;
}

std::vector<kpi_row> compute(const std::vector<conversation_record>& conversations, dimension by,
                             std::int64_t interval_ms, const std::map<std::string, int>& sl_seconds) {
  kpi_table rows;
  for (const auto& c : conversations) count_conversation(rows, c, by, interval_ms, sl_seconds);
  return rows_of(std::move(rows));
}

std::vector<kpi_row> merge_rows(const std::vector<kpi_row>& a, const std::vector<kpi_row>& b) {
  kpi_table table;
  for (const auto* rows : {&a, &b}) {
    for (const auto& r : *rows) add_figures(row_of(table, r.start_ms, r.key), r);
  }
  return rows_of(std::move(table));
}

namespace {

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

// The columns of a report, in order, named once for JSON and CSV alike (docs/LEADS.md lists them).
struct column {
  const char* name;
  std::string (*value)(const kpi_row&);  // as a JSON number (key: as text, quoted by the writer)
};

std::string count(long v) { return std::to_string(v); }

const column kColumns[] = {
    {"key", [](const kpi_row& r) { return r.key; }},
    {"start", [](const kpi_row& r) { return std::to_string(r.start_ms); }},
    {"conversations", [](const kpi_row& r) { return count(r.conversations); }},
    {"answered", [](const kpi_row& r) { return count(r.answered); }},
    {"abandoned", [](const kpi_row& r) { return count(r.abandoned); }},
    {"resolved", [](const kpi_row& r) { return count(r.resolved); }},
    {"transferred", [](const kpi_row& r) { return count(r.transferred); }},
    {"escalations", [](const kpi_row& r) { return count(r.escalations); }},
    {"ratings", [](const kpi_row& r) { return count(r.ratings); }},
    {"serviceLevel", [](const kpi_row& r) { return num(r.service_level()); }},
    {"asaSeconds", [](const kpi_row& r) { return num(r.asa_s()); }},
    {"firstResponseSeconds", [](const kpi_row& r) { return num(r.frt_s()); }},
    {"handleSeconds", [](const kpi_row& r) { return num(r.aht_s()); }},
    {"resolutionRate", [](const kpi_row& r) { return num(r.resolution_rate()); }},
    {"fcrRate", [](const kpi_row& r) { return num(r.fcr_rate()); }},
    {"transferRate", [](const kpi_row& r) { return num(r.transfer_rate()); }},
    {"abandonRate", [](const kpi_row& r) { return num(r.abandon_rate()); }},
    {"csat", [](const kpi_row& r) { return num(r.csat()); }},
    {"satisfiedRate", [](const kpi_row& r) { return num(r.satisfied_rate()); }},
    {"escalationsAnswered", [](const kpi_row& r) { return count(r.escalations_answered); }},
    {"escalationAsaSeconds", [](const kpi_row& r) { return num(r.escalation_asa_s()); }},
    {"escalationServiceLevel", [](const kpi_row& r) { return num(r.escalation_service_level()); }},
    {"occupancy", [](const kpi_row& r) { return num(r.occupancy()); }},
    {"handlingSeconds", [](const kpi_row& r) { return num(r.handling_s); }},
    {"staffedSeconds", [](const kpi_row& r) { return num(r.staffed_s); }},
};

}  // namespace

std::vector<std::string> column_names() {
  std::vector<std::string> out;
  for (const auto& c : kColumns) out.emplace_back(c.name);
  return out;
}

std::string to_json(const std::vector<kpi_row>& rows) {
  std::string out = "[";
  for (std::size_t i = 0; i < rows.size(); ++i) {
    out += i ? ",{" : "{";
    bool first = true;
    for (const auto& c : kColumns) {
      out += first ? "\"" : ",\"";
      out += c.name;
      out += "\":";
      out += &c == &kColumns[0] ? json_string(c.value(rows[i])) : c.value(rows[i]);
      first = false;
    }
    out += "}";
  }
  return out + "]";
}

std::string to_csv(const std::vector<kpi_row>& rows) {
  std::string out;
  for (const auto& c : kColumns) (out += &c == &kColumns[0] ? "" : ",") += c.name;
  out += "\n";
  for (const auto& r : rows) {
    for (const auto& c : kColumns) (out += &c == &kColumns[0] ? "" : ",") += csv_field(c.value(r));
    out += "\n";
  }
  return out;
}

bool dimension_from_name(const std::string& name, dimension& out) {
  if (name == "all" || name.empty()) out = dimension::all;
  else if (name == "queue") out = dimension::queue;
  else if (name == "agent") out = dimension::agent;
  else if (name == "team") out = dimension::team;
  else if (name == "channel") out = dimension::channel;
  else return false;
  return true;
}

}  // namespace switchboard::reports
