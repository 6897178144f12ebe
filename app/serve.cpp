#include "app/serve.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <spdlog/spdlog.h>

#include <atomic>
#include <functional>
#include <optional>
#include <stdexcept>
#include <thread>
#include <vector>

#include "core/config.hpp"
#include "core/log.hpp"
#include "core/ids.hpp"
#include "gateway/http_listener.hpp"
#include "gateway/conversation_service.hpp"
#include "gateway/hub.hpp"
#include "gateway/report_service.hpp"
#include "gateway/rest_api.hpp"
#include "gateway/ws_context.hpp"
#include "router/service.hpp"
#include "store/agents.hpp"
#include "store/identities.hpp"
#include "store/keys.hpp"
#include "store/redis_subscriber.hpp"
#include "store/timeline.hpp"
#include "store/redis_client.hpp"
#include "store/redis_process.hpp"
#include "store/scripts.hpp"

namespace switchboard::app {

namespace asio = boost::asio;

namespace {

// GET /metrics, in Prometheus' text format: open WebSocket sessions, requests in flight and the
// gateway dwell of messages (frame read → stored → ack queued), a histogram in seconds.
gateway::http_answer metrics_text(const gateway::ws_context& ws, const gateway::conversation_service& service) {
  gateway::http_answer a;
  a.content_type = "text/plain; version=0.0.4; charset=utf-8";
  a.body = "# HELP switchboard_ws_sessions Open WebSocket sessions.\n# TYPE switchboard_ws_sessions gauge\n";
  a.body += "switchboard_ws_sessions " + std::to_string(ws.open()) + "\n";
  a.body += "# HELP switchboard_requests_in_flight Requests being worked on.\n# TYPE switchboard_requests_in_flight gauge\n";
  a.body += "switchboard_requests_in_flight " + std::to_string(service.in_flight()) + "\n";
  ws.dwell.write_prometheus(a.body, "switchboard_gateway_dwell_seconds",
                            "Customer messages: frame read, stored, ack queued on the connection.", "");
  return a;
}

std::unique_ptr<store::redis_process> start_embedded(const v1::EmbeddedRedis& cfg) {
  store::redis_process_options o;
  o.binary = cfg.binary();
  o.dir = cfg.data_dir();
  o.appendfsync = cfg.appendfsync();
  o.aof_rewrite_min_mb = cfg.aof_rewrite_min_mb();
  o.start_timeout = std::chrono::milliseconds(cfg.start_timeout_ms());
  auto p = std::make_unique<store::redis_process>(o);
  p->start();
  spdlog::info("embedded redis-server on {}:{} data_dir={} appendfsync={}", p->host(), p->port(), cfg.data_dir(),
               cfg.appendfsync());
  return p;
}

// Runs `ioc` until the client is ready or the deadline passes. Returns whether it became ready.
bool wait_until_ready(asio::io_context& ioc, store::redis_client& client, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!client.ready() && std::chrono::steady_clock::now() < deadline) {
    ioc.run_one_until(deadline);
  }
  return client.ready();
}

}  // namespace

roles parse_roles(const std::string& list) {
  roles r{false, false};
  std::size_t start = 0;
  while (start <= list.size()) {
    auto end = list.find(',', start);
    if (end == std::string::npos) end = list.size();
    const auto name = list.substr(start, end - start);
    if (name == "gateway") r.gateway = true;
    else if (name == "router") r.router = true;
    else throw std::invalid_argument("--roles: unknown role '" + name + "' (gateway, router)");
    start = end + 1;
  }
  return r;
}

int serve(const std::string& config_path, roles which) {
  const v1::Config cfg = load_config(config_path, process_env());
  setup_logging(cfg.log());
  spdlog::info("switchboard starting config={} roles={}{}{}", config_path, which.gateway ? "gateway" : "",
               which.gateway && which.router ? "," : "", which.router ? "router" : "");

  std::unique_ptr<store::redis_process> embedded;
  redis_endpoint ep;
  if (cfg.redis().url().empty()) {
    embedded = start_embedded(cfg.redis().embedded());
    ep.host = embedded->host();
    ep.port = embedded->port();
  } else {
    ep = parse_redis_url(cfg.redis().url());
  }

  asio::io_context ioc(cfg.server().threads());
  const clock& clk = system_clock_source::instance();
  // The core strand: the Redis clients, the hub and the conversation service run here.
  auto core = asio::make_strand(ioc);
  const auto redis_opts = store::redis_options::from_config(cfg.redis(), ep);
  store::redis_client redis(core, redis_opts, clk);
  store::redis_subscriber subscriber(core, redis_opts, clk);
  for (const auto* s : store::scripts::all()) redis.add_script(*s);
  std::atomic<bool> redis_ready{false};
  redis.link().on_state_change([&](store::redis_link::state s, boost::system::error_code ec) {
    const bool up = s == store::redis_link::state::ready;
    if (redis_ready.exchange(up) && !up && s != store::redis_link::state::stopped) {
      spdlog::warn("redis unavailable reason=\"{}\"", ec.message());
    }
  });
  redis.start();
  subscriber.start();
  const auto patience = std::chrono::milliseconds(cfg.redis().connect_timeout_ms() + cfg.redis().command_timeout_ms());
  if (!wait_until_ready(ioc, redis, patience)) {
    redis.stop();
    subscriber.stop();
    throw std::runtime_error("cannot reach Redis at " + ep.host + ":" + std::to_string(ep.port) + " within " +
                             std::to_string(patience.count()) + " ms");
  }

  id_generator ids(clk);
  const store::key_layout keys(cfg.store().key_prefix(), cfg.store().shard_groups());

  // The router: a thread, an io_context and a Redis connection of its own (it blocks reading its
  // streams, and computing a board for thousands of conversations must not hold up the gateway).
  asio::io_context router_ioc(1);
  auto router_strand = router_ioc.get_executor();
  std::unique_ptr<store::redis_client> router_redis;
  std::unique_ptr<router::service> router_service;
  if (which.router) {
    router_redis = std::make_unique<store::redis_client>(router_strand, redis_opts, clk, "router");
    for (const auto* s : store::scripts::all()) router_redis->add_script(*s);
    router::service_options ro;
    ro.instance = ids.next();
    ro.lease_ttl = std::chrono::milliseconds(cfg.router().lease_ttl_ms());
    ro.agent_grace = std::chrono::seconds(cfg.router().agent_grace_seconds());
    ro.read_batch = cfg.router().read_batch();
    ro.default_handle_seconds = cfg.router().default_handle_seconds();
    ro.max_block = std::chrono::milliseconds(std::max(1, std::min(1000, cfg.redis().command_timeout_ms() / 2)));
    ro.queues.assign(cfg.queues().begin(), cfg.queues().end());
    router_service = std::make_unique<router::service>(router_strand, *router_redis, keys, ids, clk, cfg.store(), ro);
    asio::post(router_strand, [&] {
      router_redis->start();
      router_service->start();
    });
    spdlog::info("router {} contending for the lease (ttl {} ms)", ro.instance, cfg.router().lease_ttl_ms());
  }
  // Runs until the router has stopped (stop_router below); an early exit stops it hard.
  std::thread router_thread;
  if (which.router) router_thread = std::thread([&router_ioc] { router_ioc.run(); });
  struct router_joiner {
    std::thread& t;
    asio::io_context& io;
    ~router_joiner() {
      if (!t.joinable()) return;
      io.stop();
      t.join();
    }
  } join_router{router_thread, router_ioc};

  // Live chat: WebSocket sessions, the hub that fans events out, the service that stores them.
  store::timeline_repository timeline(redis, keys, ids, clk, cfg.store());
  store::identity_repository identities(redis, keys, ids, clk);
  store::agent_repository agents(redis, keys, clk, std::chrono::seconds(cfg.server().desk_presence_seconds()));
  gateway::hub rooms(subscriber, keys);
  // Reports: a thread and a Redis connection of their own (never the core strand's).
  gateway::report_service reports(cfg, redis_opts, keys, clk);
  if (which.gateway) reports.start();
  const gateway::rest_api api(cfg, clk, ids, redis_ready, core, timeline, agents, reports);
  gateway::conversation_service service(core, timeline, identities, agents, rooms, cfg, ids.next());
  if (which.gateway) service.start();
  auto ws = std::make_shared<gateway::ws_context>();
  for (const auto& k : cfg.auth().keys()) ws->auth.keys.push_back({k.kid(), k.secret()});
  ws->auth.issuer = cfg.auth().issuer();
  ws->auth.audience = cfg.auth().audience();
  ws->auth.leeway_seconds = cfg.auth().leeway_seconds();
  ws->allowed_origins.assign(cfg.server().allowed_origins().begin(), cfg.server().allowed_origins().end());
  ws->max_frame_bytes = static_cast<std::size_t>(cfg.server().max_frame_bytes());
  ws->max_queued_frames = static_cast<std::size_t>(cfg.server().max_queued_frames());
  ws->idle_timeout = std::chrono::seconds(cfg.server().idle_timeout_seconds());
  ws->handshake_timeout = std::chrono::seconds(cfg.server().handshake_timeout_seconds());
  ws->frames_per_second = cfg.server().frames_per_second();
  ws->frame_burst = cfg.server().frame_burst();
  ws->user_frames_per_second = cfg.server().user_frames_per_second();
  ws->user_frame_burst = cfg.server().user_frame_burst();
  ws->max_connections_per_user = cfg.server().max_connections_per_user();
  ws->max_connections_per_address = cfg.server().max_connections_per_address();
  ws->max_connections = cfg.server().max_connections();
  ws->service = &service;
  ws->clk = &clk;
  gateway::http_handler routes = [&api, ws, &service](gateway::http_request req, gateway::http_responder respond) {
    if (req.target == "/metrics" && req.method == "GET") return respond(metrics_text(*ws, service));
    api.handle(std::move(req), std::move(respond));
  };
  std::shared_ptr<gateway::http_listener> listener;
  auto stop_router = [&] {
    if (router_service) router_service->stop([&] { router_redis->stop(); });
  };
  if (which.gateway) {
    const auto address = asio::ip::make_address(cfg.server().listen_address());
    try {
      listener = std::make_shared<gateway::http_listener>(
          ioc, asio::ip::tcp::endpoint(address, static_cast<unsigned short>(cfg.server().http_port())), routes, ws);
    } catch (const boost::system::system_error& e) {
      redis.stop();
      subscriber.stop();
      service.stop();
      stop_router();
      ioc.run_for(std::chrono::milliseconds(200));
      throw std::runtime_error("cannot listen on " + cfg.server().listen_address() + ":" +
                               std::to_string(cfg.server().http_port()) + ": " + e.code().message());
    }
    listener->run();
    spdlog::info("switchboard listening on http://{}:{} threads={}", cfg.server().listen_address(), listener->port(),
                 cfg.server().threads());
  }

  // SIGTERM/SIGINT: stop accepting, tell WebSocket clients to reconnect (1012), let open sessions
  // and in-flight requests finish (their acks need Redis), give the router lease up, then stop the
  // Redis clients; the loop ends when no work is left, or at shutdown_grace_ms at the latest.
  asio::signal_set signals(ioc, SIGINT, SIGTERM);
  asio::steady_timer drain(ioc);
  std::chrono::steady_clock::time_point drain_deadline;
  auto open_work = [&] { return (listener ? listener->open_sessions() : 0) + static_cast<std::size_t>(service.in_flight()); };
  std::function<void()> check_drained = [&] {
    const bool over = std::chrono::steady_clock::now() >= drain_deadline;
    if (open_work() == 0 || over) {
      if (over) {
        spdlog::warn("shutdown grace of {} ms over with {} sessions or requests open", cfg.server().shutdown_grace_ms(),
                     open_work());
      }
      asio::post(core, [&redis, &subscriber] {
        redis.stop();
        subscriber.stop();
      });
      if (over) {
        ioc.stop();
        router_ioc.stop();
      }
      return;  // nothing keeps the loop: run() returns
    }
    drain.expires_after(std::chrono::milliseconds(10));
    drain.async_wait([&](boost::system::error_code ec) {
      if (!ec) check_drained();
    });
  };
  signals.async_wait([&](boost::system::error_code ec, int sig) {
    if (ec) return;
    spdlog::info("signal {} received: stopping", sig);
    drain_deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(cfg.server().shutdown_grace_ms());
    if (listener) listener->stop();
    service.stop();
    stop_router();
    check_drained();
  });

  std::vector<std::thread> threads;
  for (int i = 1; i < cfg.server().threads(); ++i) threads.emplace_back([&ioc] { ioc.run(); });
  ioc.run();
  for (auto& t : threads) t.join();
  if (router_thread.joinable()) router_thread.join();  // it stops itself after stop_router()

  if (embedded) {
    embedded->stop();
    spdlog::info("embedded redis-server stopped");
  }
  spdlog::info("switchboard stopped");
  return 0;
}

}  // namespace switchboard::app
