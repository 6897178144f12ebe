#include "app/metrics.hpp"

#include "gateway/conversation_service.hpp"
#include "gateway/mail_receiver.hpp"
#include "gateway/webhook_api.hpp"
#include "gateway/ws_context.hpp"

namespace switchboard::app {

namespace {

constexpr const char* kTextFormat = "text/plain; version=0.0.4; charset=utf-8";

}  // namespace

int add_gateway_metrics(metrics::registry& r, const gateway::ws_context& ws, const gateway::conversation_service& service,
                        const gateway::webhook_api& hooks, const gateway::mail_receiver& mail) {
  return r.add_collector([&ws, &service, &hooks, &mail](metrics::sample_writer& w) {
    for (const auto& [role, n] : ws.open_by_role()) {
      w.gauge("switchboard_ws_sessions", "Open WebSocket sessions, by role.", metrics::labels({{"role", role}}),
              static_cast<double>(n));
    }
    w.gauge("switchboard_requests_in_flight", "Requests being worked on.", {}, service.in_flight());
    for (const auto& [what, n] : hooks.counts()) {
      const auto space = what.find(' ');
      w.counter("switchboard_webhook_updates_total", "Providers' webhook updates: messages stored, the rest by kind.",
                metrics::labels({{"provider", what.substr(0, space)}, {"kind", what.substr(space + 1)}}),
                static_cast<double>(n));
    }
    for (const auto& [what, n] : mail.counts()) {
      w.counter("switchboard_mail_received_total", "Customers' mails received, by what became of them.",
                metrics::labels({{"outcome", what}}), static_cast<double>(n));
    }
  });
}

gateway::http_answer metrics_text(const metrics::registry& r) {
  gateway::http_answer a;
  a.content_type = kTextFormat;
  a.body = r.text();
  return a;
}

gateway::http_answer dwell_text(const gateway::ws_context& ws) {
  gateway::http_answer a;
  a.content_type = kTextFormat;
  ws.dwell.write_prometheus(a.body, "switchboard_gateway_dwell_seconds",
                            "Customer messages: frame read, stored, ack queued on the connection.", "");
  return a;
}

}  // namespace switchboard::app
