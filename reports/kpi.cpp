#include "reports/kpi.hpp"

#include <cstdio>
#include <tuple>

namespace switchboard::reports {

namespace {

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
        if (e.message().direction() == v1::DIRECTION_OUTBOUND && f.first_response < 0) f.first_response = e.at_ms();
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

std::vector<kpi_row> compute(const std::vector<conversation_record>& conversations, dimension by,
                             std::int64_t interval_ms, const std::map<std::string, int>& sl_seconds) {
  std::map<std::tuple<std::int64_t, std::string>, kpi_row> rows;
  if (interval_ms <= 0) interval_ms = 86'400'000;
  for (const auto& c : conversations) {
    const facts f = read(c);
    if (f.created < 0) continue;
    const std::string queue = f.answered && !f.answered_queue.empty() ? f.answered_queue : c.queue;
    std::string key;
    switch (by) {
      case dimension::queue: key = queue; break;
      case dimension::agent: key = f.agent; break;
      case dimension::team: key = c.team; break;
      case dimension::channel: key = v1::Channel_Name(c.channel); break;
      case dimension::all: break;
    }
    const std::int64_t start = f.created - f.created % interval_ms;
    auto& r = rows[{start, key}];
    r.key = key;
    r.start_ms = start;
    ++r.conversations;
    if (f.answered) {
      ++r.answered;
      const double asa = static_cast<double>(f.first_accept - f.created) / 1000.0;
      r.asa_sum_s += asa;
      auto it = sl_seconds.find(queue);
      const int target = it != sl_seconds.end() && it->second > 0 ? it->second : 60;
      if (asa <= target) ++r.sl_met;
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
      auto it = sl_seconds.find(esc.queue);
      if (wait <= (it != sl_seconds.end() && it->second > 0 ? it->second : 60)) ++r.escalation_sl_met;
    }
    if (f.rating > 0) {
      ++r.ratings;
      r.csat_sum += f.rating;
      if (f.rating >= 4) ++r.satisfied;
    }
  }
  std::vector<kpi_row> out;
  out.reserve(rows.size());
  for (auto& [k, r] : rows) out.push_back(std::move(r));
  return out;
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

}  // namespace

std::string to_json(const std::vector<kpi_row>& rows) {
  std::string out = "[";
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto& r = rows[i];
    out += (i ? "," : "");
    out += "{\"key\":" + json_string(r.key) + ",\"start\":" + std::to_string(r.start_ms) +
           ",\"conversations\":" + std::to_string(r.conversations) + ",\"answered\":" + std::to_string(r.answered) +
           ",\"abandoned\":" + std::to_string(r.abandoned) + ",\"resolved\":" + std::to_string(r.resolved) +
           ",\"transferred\":" + std::to_string(r.transferred) + ",\"escalations\":" + std::to_string(r.escalations) +
           ",\"ratings\":" + std::to_string(r.ratings) + ",\"serviceLevel\":" + num(r.service_level()) +
           ",\"asaSeconds\":" + num(r.asa_s()) + ",\"firstResponseSeconds\":" + num(r.frt_s()) +
           ",\"handleSeconds\":" + num(r.aht_s()) + ",\"resolutionRate\":" + num(r.resolution_rate()) +
           ",\"fcrRate\":" + num(r.fcr_rate()) + ",\"transferRate\":" + num(r.transfer_rate()) +
           ",\"abandonRate\":" + num(r.abandon_rate()) + ",\"csat\":" + num(r.csat()) +
           ",\"satisfiedRate\":" + num(r.satisfied_rate()) +
           ",\"escalationsAnswered\":" + std::to_string(r.escalations_answered) +
           ",\"escalationAsaSeconds\":" + num(r.escalation_asa_s()) +
           ",\"escalationServiceLevel\":" + num(r.escalation_service_level()) +
           ",\"occupancy\":" + num(r.occupancy()) + ",\"handlingSeconds\":" + num(r.handling_s) +
           ",\"staffedSeconds\":" + num(r.staffed_s) + "}";
  }
  return out + "]";
}

std::string to_csv(const std::vector<kpi_row>& rows) {
  std::string out =
      "key,start,conversations,answered,abandoned,resolved,transferred,escalations,ratings,service_level,"
      "asa_seconds,first_response_seconds,handle_seconds,resolution_rate,fcr_rate,transfer_rate,abandon_rate,csat,"
      "satisfied_rate,escalations_answered,escalation_asa_seconds,escalation_service_level,occupancy,handling_seconds,"
      "staffed_seconds\n";
  for (const auto& r : rows) {
    out += csv_field(r.key) + "," + std::to_string(r.start_ms) + "," + std::to_string(r.conversations) + "," +
           std::to_string(r.answered) + "," + std::to_string(r.abandoned) + "," + std::to_string(r.resolved) + "," +
           std::to_string(r.transferred) + "," + std::to_string(r.escalations) + "," + std::to_string(r.ratings) + "," +
           num(r.service_level()) + "," + num(r.asa_s()) + "," + num(r.frt_s()) + "," + num(r.aht_s()) + "," +
           num(r.resolution_rate()) + "," + num(r.fcr_rate()) + "," + num(r.transfer_rate()) + "," +
           num(r.abandon_rate()) + "," + num(r.csat()) + "," + num(r.satisfied_rate()) + "," +
           std::to_string(r.escalations_answered) + "," + num(r.escalation_asa_s()) + "," +
           num(r.escalation_service_level()) + "," + num(r.occupancy()) + "," + num(r.handling_s) + "," +
           num(r.staffed_s) + "\n";
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
