#include "app/metrics.hpp"

#include "gateway/conversation_service.hpp"
#include "gateway/mail_receiver.hpp"
#include "gateway/webhook_api.hpp"
#include "gateway/ws_context.hpp"

namespace switchboard::app {

// GET /metrics, in Prometheus' text format: open WebSocket sessions, requests in flight and the
// gateway dwell of messages (frame read → stored → ack queued), a histogram in seconds.
gateway::http_answer metrics_text(const gateway::ws_context& ws, const gateway::conversation_service& service,
                                  const gateway::webhook_api& hooks, const gateway::mail_receiver& mail) {
  gateway::http_answer a;
  a.content_type = "text/plain; version=0.0.4; charset=utf-8";
  a.body = "# HELP switchboard_ws_sessions Open WebSocket sessions.\n# TYPE switchboard_ws_sessions gauge\n";
  a.body += "switchboard_ws_sessions " + std::to_string(ws.open()) + "\n";
  a.body += "# HELP switchboard_requests_in_flight Requests being worked on.\n# TYPE switchboard_requests_in_flight gauge\n";
  a.body += "switchboard_requests_in_flight " + std::to_string(service.in_flight()) + "\n";
  ws.dwell.write_prometheus(a.body, "switchboard_gateway_dwell_seconds",
                            "Customer messages: frame read, stored, ack queued on the connection.", "");
  a.body +=
      "# HELP switchboard_webhook_updates_total Providers' webhook updates: messages stored, the rest by kind.\n"
      "# TYPE switchboard_webhook_updates_total counter\n";
  for (const auto& [what, n] : hooks.counts()) {
    const auto space = what.find(' ');
    std::string kind = what.substr(space + 1);
    for (auto& c : kind) {
      if (c == '"' || c == '\\') c = '_';
    }
    a.body += "switchboard_webhook_updates_total{provider=\"" + what.substr(0, space) + "\",kind=\"" + kind + "\"} " +
              std::to_string(n) + "\n";
  }
  a.body +=
      "# HELP switchboard_mail_received_total Customers' mails received, by what became of them.\n"
      "# TYPE switchboard_mail_received_total counter\n";
  for (const auto& [what, n] : mail.counts()) {
    a.body += "switchboard_mail_received_total{outcome=\"" + what + "\"} " + std::to_string(n) + "\n";
  }
  return a;
}

}  // namespace switchboard::app
