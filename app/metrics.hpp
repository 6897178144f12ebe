#pragma once
// GET /metrics of a `serve` process, in Prometheus' text format (app/serve.cpp routes it here):
// the process's registry (Redis connections, router, outbox: each counts its own) and, on a
// gateway, its scrape-time figures (sessions by role, requests in flight, webhooks, mail).
// docs/OPERATIONS.md names every metric. Thread-safe.

#include "core/metrics.hpp"
#include "gateway/http_routes.hpp"

namespace switchboard::gateway {
struct ws_context;
class conversation_service;
class webhook_api;
class mail_receiver;
}  // namespace switchboard::gateway

namespace switchboard::app {

// Registers the gateway's scrape-time figures; the id removes them (metrics::registry::remove_collector)
// before the parts they read are gone.
int add_gateway_metrics(metrics::registry& r, const gateway::ws_context& ws, const gateway::conversation_service& service,
                        const gateway::webhook_api& hooks, const gateway::mail_receiver& mail);

gateway::http_answer metrics_text(const metrics::registry& r);
// GET /metrics/dwell: the gateway dwell in 208 log-linear buckets, for bench/ws_load's quantiles.
gateway::http_answer dwell_text(const gateway::ws_context& ws);

}  // namespace switchboard::app
