#pragma once
// GET /metrics of a gateway, in Prometheus' text format (app/serve.cpp routes it here).
// Thread-safe: reads counters only.

#include "gateway/http_routes.hpp"

namespace switchboard::gateway {
struct ws_context;
class conversation_service;
class webhook_api;
class mail_receiver;
}  // namespace switchboard::gateway

namespace switchboard::app {

gateway::http_answer metrics_text(const gateway::ws_context& ws, const gateway::conversation_service& service,
                                  const gateway::webhook_api& hooks, const gateway::mail_receiver& mail);

}  // namespace switchboard::app
