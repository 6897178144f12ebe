#include "app/serve.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <spdlog/spdlog.h>

#include <atomic>
#include <filesystem>
#include <optional>
#include <thread>
#include <vector>

#include "app/data_dir_lock.hpp"
#include "app/embedded_redis.hpp"
#include "core/config.hpp"
#include "core/live_config.hpp"
#include "core/log.hpp"
#include "core/ids.hpp"
#include "core/password.hpp"
#include "gateway/http_json.hpp"
#include "gateway/http_listener.hpp"
#include "gateway/conversation_service.hpp"
#include "gateway/hub.hpp"
#include "gateway/report_service.hpp"
#include "gateway/rest_api.hpp"
#include "gateway/webhook_api.hpp"
#include "gateway/mail_receiver.hpp"
#include "gateway/mailbox_reader.hpp"
#include "gateway/smtp_listener.hpp"
#include "app/metrics.hpp"
#include "app/serve_config.hpp"
#include "gateway/blob_api.hpp"
#include "media/blob_store.hpp"
#include "outbox/mail_sender.hpp"
#include "outbox/media_fetcher.hpp"
#include "outbox/outbox_service.hpp"
#include "gateway/protocol/frame_codec.hpp"
#include "gateway/session_api.hpp"
#include "gateway/static_files.hpp"
#include "gateway/ws_context.hpp"
#include "router/service.hpp"
#include "store/agents.hpp"
#include "store/identities.hpp"
#include "store/keys.hpp"
#include "store/people.hpp"
#include "store/redis_subscriber.hpp"
#include "store/timeline.hpp"
#include "store/redis_client.hpp"
#include "store/redis_process.hpp"
#include "store/scripts.hpp"

namespace switchboard::app {

namespace asio = boost::asio;
namespace fs = std::filesystem;

namespace {

// Runs `ioc` until the client is ready or the deadline passes. Returns whether it became ready.
bool wait_until_ready(asio::io_context& ioc, store::redis_client& client, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!client.ready() && std::chrono::steady_clock::now() < deadline) {
    ioc.run_one_until(deadline);
  }
  return client.ready();
}

// What WebSocket sessions share, from server.* and auth.*.
std::shared_ptr<gateway::ws_context> make_ws_context(const v1::Config& cfg, gateway::conversation_service& service,
                                                     const clock& clk) {
  auto ws = std::make_shared<gateway::ws_context>();
  for (const auto& k : cfg.auth().keys()) ws->auth.keys.push_back({k.kid(), k.secret()});
  ws->auth.issuer = cfg.auth().issuer();
  ws->auth.audience = cfg.auth().audience();
  ws->auth.leeway_seconds = cfg.auth().leeway_seconds();
  const auto& s = cfg.server();
  ws->allowed_origins.assign(s.allowed_origins().begin(), s.allowed_origins().end());
  ws->max_frame_bytes = static_cast<std::size_t>(s.max_frame_bytes());
  ws->max_queued_frames = static_cast<std::size_t>(s.max_queued_frames());
  ws->max_webhook_bytes = static_cast<std::size_t>(cfg.channels().max_webhook_bytes());
  ws->max_upload_bytes = static_cast<std::size_t>(cfg.channels().media().max_bytes());
  ws->idle_timeout = std::chrono::seconds(s.idle_timeout_seconds());
  ws->handshake_timeout = std::chrono::seconds(s.handshake_timeout_seconds());
  ws->frames_per_second = s.frames_per_second();
  ws->frame_burst = s.frame_burst();
  ws->user_frames_per_second = s.user_frames_per_second();
  ws->user_frame_burst = s.user_frame_burst();
  ws->max_connections_per_user = s.max_connections_per_user();
  ws->max_connections_per_address = s.max_connections_per_address();
  ws->max_connections = s.max_connections();
  ws->service = &service;
  ws->clk = &clk;
  return ws;
}

// One `serve` process: its parts as members, built in this order and destroyed in reverse. The
// handlers below capture `this`: they all run inside run(), which the object outlives.
class server {
 public:
  server(v1::Config cfg, const serve_options& opts, const std::string& data_dir_named);
  ~server();
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  // Runs until SIGTERM/SIGINT and the drain. Throws std::runtime_error on start-up failure.
  int run();

 private:
  void connect_redis();
  void seed_dev_users();
  void start_router();
  void start_gateway();
  // Without the gateway role: /healthz, /readyz and /metrics only, for probes and Prometheus.
  void start_ops();
  // Binds server.listen_address:http_port (or --listen) and serves `routes`; throws a clear line.
  void listen(gateway::http_handler routes, const char* what);
  void start_smtp();
  void stop_router();
  void start_outbox();
  void stop_outbox();
  void on_signal(int sig);
  void wait_for_hangup();  // SIGHUP: reload_config, again and again
  void check_drained();
  std::size_t open_work() {
    return (listener_ ? listener_->open_sessions() : 0) + (smtp_ ? smtp_->open_sessions() : 0) + mailboxes_.running() +
           static_cast<std::size_t>(service_.in_flight());
  }

  const v1::Config cfg_;  // as started; what SIGHUP reloads is in live_
  const serve_options opts_;
  const roles which_;
  live_config live_;
  metrics::registry metrics_;  // GET /metrics; first made, last gone
  int gateway_metrics_ = 0;    // its collector of the gateway's figures
  const clock& clk_;
  std::unique_ptr<embedded_redis> embedded_;
  redis_endpoint ep_;
  asio::io_context ioc_;
  // The core strand: the Redis clients, the hub and the conversation service run here.
  asio::strand<asio::io_context::executor_type> core_;
  store::redis_options redis_opts_;
  store::redis_client redis_;
  store::redis_subscriber subscriber_;
  std::atomic<bool> redis_ready_{false};
  id_generator ids_;
  const store::key_layout keys_;
  // The router: a thread, an io_context and a Redis connection of its own (it blocks reading its
  // streams, and computing a board for thousands of conversations must not hold up the gateway).
  asio::io_context router_ioc_{1};
  std::unique_ptr<store::redis_client> router_redis_;
  std::unique_ptr<router::service> router_service_;
  std::thread router_thread_;  // runs until the router has stopped (stop_router)
  // The outbox: a thread, an io_context and two Redis connections (one blocks reading the streams).
  asio::io_context outbox_ioc_{1};
  std::unique_ptr<store::redis_client> outbox_reader_;
  std::unique_ptr<store::redis_client> outbox_writer_;
  std::unique_ptr<outbox::service> outbox_service_;
  // ... and its media fetcher, with a reading connection of its own (it blocks too).
  std::unique_ptr<store::redis_client> media_reader_;
  std::unique_ptr<outbox::media_fetcher> media_fetcher_;
  std::thread outbox_thread_;
  media::folder_blob_store blobs_;  // attachments (media.folder)
  // Live chat: WebSocket sessions, the hub that fans events out, the service that stores them.
  store::timeline_repository timeline_;
  store::identity_repository identities_;
  store::agent_repository agents_;
  store::people_repository people_;
  gateway::hub rooms_;
  // Reports: a thread and a Redis connection of their own (never the core strand's).
  gateway::report_service reports_;
  const gateway::session_api sessions_;
  store::dead_letter_repository dead_letters_;  // the outbox's, for the leads
  const gateway::outbox_api outbox_api_;
  const gateway::blob_api blob_api_;
  const gateway::rest_api api_;
  gateway::webhook_api hooks_;  // the messaging providers' webhooks
  gateway::mail_receiver mail_;  // customers' mail (the SMTP listener's and the mailboxes')
  gateway::mailbox_readers mailboxes_;  // channels.email.mailboxes (IMAP)
  const gateway::static_files pages_;
  outbox::mail_sender proof_mail_;   // the codes that prove an email address
  gateway::identity_proofs proofs_;  // customers proving a phone number or an email address
  gateway::conversation_service service_;
  std::shared_ptr<gateway::ws_context> ws_;
  std::shared_ptr<gateway::http_listener> listener_;
  std::shared_ptr<gateway::smtp_listener> smtp_;  // channels.email.smtp_listen
  std::optional<asio::signal_set> signals_;  // made once serving, so a signal before stops at once
  std::optional<asio::signal_set> hangup_;   // SIGHUP, likewise
  asio::steady_timer drain_;
  std::chrono::steady_clock::time_point drain_deadline_;
};

server::server(v1::Config cfg, const serve_options& opts, const std::string& data_dir_named)
    : cfg_(std::move(cfg)),
      opts_(opts),
      which_(opts.which),
      live_(cfg_),
      clk_(system_clock_source::instance()),
      embedded_(start_embedded(cfg_.redis(), data_dir_named)),
      ep_(endpoint_of(cfg_.redis(), embedded_.get())),
      ioc_(cfg_.server().threads()),
      core_(asio::make_strand(ioc_)),
      redis_opts_(store::redis_options::from_config(cfg_.redis(), ep_, &metrics_)),
      redis_(core_, redis_opts_.acknowledging(cfg_.redis()), clk_),  // its writes answer senders: redis.wait_replicas
      subscriber_(core_, redis_opts_, clk_),
      ids_(clk_),
      keys_(cfg_.store().key_prefix(), cfg_.store().shard_groups()),
      blobs_(cfg_.channels().media().folder()),
      timeline_(redis_, keys_, ids_, clk_, cfg_.store()),
      identities_(redis_, keys_, ids_, clk_),
      agents_(redis_, keys_, clk_, std::chrono::seconds(cfg_.server().desk_presence_seconds())),
      people_(redis_, keys_, clk_),
      rooms_(subscriber_, keys_),
      reports_(cfg_, live_, redis_opts_, keys_, clk_),
      sessions_(cfg_, clk_, core_, people_),
      dead_letters_(redis_, keys_),
      outbox_api_(timeline_, dead_letters_, ids_),
      blob_api_(cfg_.channels().media(), blobs_),
      api_(cfg_, live_, clk_, ids_, redis_ready_, redis_, core_, timeline_, agents_, identities_, reports_, sessions_, outbox_api_, blob_api_),
      hooks_(cfg_, live_, core_, redis_, keys_, timeline_, identities_, agents_),
      mail_(cfg_, live_, core_, redis_, keys_, timeline_, identities_, agents_, blobs_),
      mailboxes_(ioc_, core_, cfg_, redis_, keys_, mail_, ids_.next()),
      pages_(cfg_.server().web_root()),
      proof_mail_(core_, cfg_, timeline_, blobs_),
      proofs_(cfg_, core_, redis_, keys_, timeline_, identities_, proof_mail_),
      service_(core_, timeline_, identities_, agents_, rooms_, cfg_, live_, ids_.next(), proofs_),
      drain_(ioc_) {}

// An early exit (a start-up failure) stops the router hard.
server::~server() {
  metrics_.remove_collector(gateway_metrics_);
  if (router_thread_.joinable()) {
    router_ioc_.stop();
    router_thread_.join();
  }
  if (outbox_thread_.joinable()) {
    outbox_ioc_.stop();
    outbox_thread_.join();
  }
}

void server::connect_redis() {
  for (const auto* s : store::scripts::all()) redis_.add_script(*s);
  redis_.on_state_change([this](store::redis_link::state s, boost::system::error_code ec) {
    const bool up = s == store::redis_link::state::ready;
    if (redis_ready_.exchange(up) && !up && s != store::redis_link::state::stopped) {
      spdlog::warn("redis unavailable reason=\"{}\"", ec.message());
    }
  });
  redis_.start();
  subscriber_.start();
  const auto& sentinel = cfg_.redis().sentinel();  // each sentinel may be asked first
  const auto patience = std::chrono::milliseconds((cfg_.redis().connect_timeout_ms() + cfg_.redis().command_timeout_ms()) *
                                                  (1 + sentinel.addresses_size()));
  if (!wait_until_ready(ioc_, redis_, patience)) {
    redis_.stop();
    subscriber_.stop();
    const std::string where = sentinel.addresses_size() == 0 ? "Redis at " + ep_.host + ":" + std::to_string(ep_.port)
                                                             : "the primary '" + sentinel.master_name() + "' of redis.sentinel";
    throw std::runtime_error("cannot reach " + where + " within " + std::to_string(patience.count()) + " ms");
  }
}

void server::start_router() {
  auto router_strand = router_ioc_.get_executor();
  router_redis_ = std::make_unique<store::redis_client>(router_strand, redis_opts_, clk_, "router");
  for (const auto* s : store::scripts::all()) router_redis_->add_script(*s);
  router::service_options ro(cfg_, ids_.next());
  ro.metrics = &metrics_;
  ro.max_block = std::chrono::milliseconds(std::max(1, std::min(1000, cfg_.redis().command_timeout_ms() / 2)));
  router_service_ =
      std::make_unique<router::service>(router_strand, *router_redis_, keys_, ids_, clk_, cfg_.store(), ro);
  asio::post(router_strand, [this] {
    router_redis_->start();
    router_service_->start();
  });
  live_.on_replace([this](const live_version& v) { router_service_->reload(v.queues); });
  spdlog::info("router {} contending for the lease (ttl {} ms)", ro.instance, cfg_.router().lease_ttl_ms());
  router_thread_ = std::thread([this] { router_ioc_.run(); });
}

void server::stop_router() {
  if (router_service_) router_service_->stop([this] { router_redis_->stop(); });
}

void server::start_outbox() {
  auto ex = outbox_ioc_.get_executor();
  outbox_reader_ = std::make_unique<store::redis_client>(ex, redis_opts_, clk_, "outbox-read");
  outbox_writer_ = std::make_unique<store::redis_client>(ex, redis_opts_, clk_, "outbox");
  for (const auto* s : store::scripts::all()) outbox_writer_->add_script(*s);
  outbox::options o;
  o.instance = ids_.next();
  o.metrics = &metrics_;
  o.block = std::chrono::milliseconds(std::max(1, std::min(1000, cfg_.redis().command_timeout_ms() / 2)));
  o.claim_idle = std::chrono::milliseconds(cfg_.channels().claim_idle_ms());
  outbox_service_ = std::make_unique<outbox::service>(ex, *outbox_reader_, *outbox_writer_, keys_, ids_, clk_, cfg_, blobs_, o);
  media_reader_ = std::make_unique<store::redis_client>(ex, redis_opts_, clk_, "media-read");
  outbox::fetch_options f;
  f.instance = o.instance;
  f.block = o.block;
  f.claim_idle = o.claim_idle;
  media_fetcher_ = std::make_unique<outbox::media_fetcher>(ex, *media_reader_, *outbox_writer_, keys_, ids_, clk_, cfg_, blobs_, f);
  asio::post(ex, [this] {
    outbox_reader_->start();
    outbox_writer_->start();
    media_reader_->start();
    outbox_service_->start();
    media_fetcher_->start();
  });
  spdlog::info("outbox {} sending replies for {} channel accounts", o.instance, cfg_.channels().accounts_size());
  outbox_thread_ = std::thread([this] { outbox_ioc_.run(); });
}

void server::stop_outbox() {
  if (!outbox_service_) return;
  // The writer is shared: it stops once both are done.
  auto left = std::make_shared<int>(2);
  auto one_done = [this, left] {
    if (--*left > 0) return;
    outbox_reader_->stop();
    media_reader_->stop();
    outbox_writer_->stop();
  };
  outbox_service_->stop(one_done);
  media_fetcher_->stop(one_done);
}

// The config's development sign-ins (only ever beside the embedded Redis): made in Redis, or
// brought in line with the config. An unchanged password is not hashed again, so sessions survive
// a restart.
void server::seed_dev_users() {
  if (cfg_.dev_users().empty()) return;
  bool done = false;
  std::exception_ptr failed;
  asio::co_spawn(
      core_,
      [this]() -> asio::awaitable<void> {
        for (const auto& d : cfg_.dev_users()) {
          auto now = co_await people_.get(d.id());
          if (!now && now.error() != errc::not_found) throw std::runtime_error("dev_users: " + now.error().message());
          store::user_record u;
          u.id = d.id();
          u.role = d.role();
          u.teams.assign(d.teams().begin(), d.teams().end());
          u.display_name = d.display_name();
          u.dev = true;
          if (now && now->role == u.role && now->teams == u.teams && now->display_name == u.display_name &&
              !now->disabled && verify_password(now->password_hash, d.password())) {
            continue;
          }
          u.password_hash = hash_password(d.password());
          if (auto put = co_await people_.put(u); !put) throw std::runtime_error("dev_users: " + put.error().message());
        }
      },
      [&](std::exception_ptr e) {
        failed = e;
        done = true;
      });
  while (!done) ioc_.run_one();
  if (failed) std::rethrow_exception(failed);
  spdlog::info("development sign-ins ready for {} people (shown on the landing page)", cfg_.dev_users_size());
}

void server::start_gateway() {
  service_.start();
  reports_.start();
  seed_dev_users();
  // Agent keys of a version before agent groups: moved before desks connect (the router does the
  // same when it takes the lead; either may come first, both are safe).
  asio::co_spawn(core_, [this]() -> asio::awaitable<void> {
    auto moved = co_await agents_.adopt_legacy();
    if (!moved) spdlog::warn("agent keys under {{ag}} not moved yet: {}", moved.error().message());
    else if (*moved > 0) spdlog::info("moved {} agents' keys from {{ag}} to their agent groups", *moved);
  }, asio::detached);
  ws_ = make_ws_context(cfg_, service_, clk_);
  ws_->use_metrics(metrics_);
  gateway_metrics_ = add_gateway_metrics(metrics_, *ws_, service_, hooks_, mail_);
  ws_->find_session = [this](std::string cookie, std::function<void(std::optional<principal>)> then) {
    sessions_.authenticate(std::move(cookie), [this, then = std::move(then)](result<store::web_session> s) {
      if (!s) return then(std::nullopt);
      const auto r = gateway::role_from_name(s->role);
      if (!r || *r == role::customer) return then(std::nullopt);
      then(principal{*r, s->user, s->teams, s->expires_at_ms / 1000, s->session_hash,
                     s->display_name.empty() ? s->user : s->display_name});
    });
  };
  // Sign-outs and disabled accounts, from any gateway: close those sockets here.
  subscriber_.subscribe(keys_.revoke_channel(),
                        [ws = ws_](std::string_view, std::string_view what) { ws->close_revoked(what); });
  if (pages_.loaded()) {
    spdlog::info("web pages: {} files from {}", pages_.size(), cfg_.server().web_root());
  } else {
    spdlog::warn("web pages not found in server.web_root '{}' (build them: scripts/dev.sh build); / answers 404",
                 cfg_.server().web_root());
  }
  gateway::http_handler routes = [&api = api_, &hooks = hooks_, &pages = pages_, ws = ws_, &metrics = metrics_](
                                     gateway::http_request req, gateway::http_responder respond) {
    if (hooks.handle(req, respond)) return;
    if (req.target == "/metrics" && req.method == "GET") return respond(metrics_text(metrics));
    if (req.target == "/metrics/dwell" && req.method == "GET") return respond(dwell_text(*ws));
    if ((req.method == "GET" || req.method == "HEAD") && !req.target.starts_with("/v1/")) {
      if (auto page = pages.answer(req)) return respond(std::move(*page));
    }
    api.handle(std::move(req), std::move(respond));
  };
  listen(std::move(routes), "");
  start_smtp();
}

void server::start_ops() {
  listen([this](gateway::http_request req, gateway::http_responder respond) {
    const std::string path = req.target.substr(0, req.target.find('?'));
    if (path == "/metrics" && req.method == "GET") return respond(metrics_text(metrics_));
    if (path == "/healthz" || path == "/readyz") {
      return respond(gateway::health_answer(path, req.method, redis_ready_.load(), redis_.address()));
    }
    respond(gateway::json_error(404, "not_found", "this process has no gateway role: /healthz, /readyz, /metrics"));
  }, " (health and metrics only)");
}

void server::listen(gateway::http_handler routes, const char* what) {
  const auto& s = cfg_.server();
  try {
    const asio::ip::tcp::endpoint at(asio::ip::make_address(s.listen_address()),
                                     static_cast<unsigned short>(s.http_port()));
    listener_ = std::make_shared<gateway::http_listener>(ioc_, at, std::move(routes), ws_);
  } catch (const boost::system::system_error& e) {
    redis_.stop();
    subscriber_.stop();
    service_.stop();
    stop_router();
    stop_outbox();
    ioc_.run_for(std::chrono::milliseconds(200));
    throw std::runtime_error("cannot listen on " + s.listen_address() + ":" + std::to_string(s.http_port()) + ": " +
                             e.code().message());
  }
  listener_->run();
  spdlog::info("switchboard listening on http://{}:{}{} threads={}", s.listen_address(), listener_->port(), what,
               s.threads());
}

void server::start_smtp() {
  const auto& e = cfg_.channels().email();
  mailboxes_.start();
  if (mailboxes_.size() > 0) spdlog::info("switchboard reading {} mailbox(es) over IMAP", mailboxes_.size());
  if (e.smtp_listen().empty()) return;
  const auto colon = e.smtp_listen().rfind(':');
  std::string host = e.smtp_listen().substr(0, colon);
  if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
  try {
    const asio::ip::tcp::endpoint at(asio::ip::make_address(host), static_cast<unsigned short>(std::stoi(e.smtp_listen().substr(colon + 1))));
    smtp_ = std::make_shared<gateway::smtp_listener>(ioc_, at, e, mail_);
  } catch (const std::exception& x) {
    listener_->stop();
    throw std::runtime_error("channels.email.smtp_listen '" + e.smtp_listen() + "': " + x.what());
  }
  smtp_->run();
  spdlog::info("switchboard smtp listening on {}:{} inboxes={} starttls={}", host, smtp_->port(), e.inboxes_size(),
               !e.tls_certificate_file().empty());
}

// SIGTERM/SIGINT: stop accepting, tell WebSocket clients to reconnect (1012), let open sessions
// and in-flight requests finish (their acks need Redis), give the router lease up, then stop the
// Redis clients; the loop ends when no work is left, or at shutdown_grace_ms at the latest.
void server::on_signal(int sig) {
  spdlog::info("signal {} received: stopping", sig);
  if (hangup_) hangup_->cancel();  // it would keep the loop running
  drain_deadline_ = std::chrono::steady_clock::now() + std::chrono::milliseconds(cfg_.server().shutdown_grace_ms());
  if (listener_) listener_->stop();
  if (smtp_) smtp_->stop();
  mailboxes_.stop();
  service_.stop();
  stop_router();
  stop_outbox();
  check_drained();
}

void server::wait_for_hangup() {
  hangup_->async_wait([this](boost::system::error_code ec, int) {
    if (ec) return;
    reload_config(live_, opts_);
    wait_for_hangup();
  });
}

void server::check_drained() {
  const bool over = std::chrono::steady_clock::now() >= drain_deadline_;
  if (open_work() == 0 || over) {
    if (over) {
      spdlog::warn("shutdown grace of {} ms over with {} sessions or requests open", cfg_.server().shutdown_grace_ms(),
                   open_work());
    }
    asio::post(core_, [this] {
      redis_.stop();
      subscriber_.stop();
    });
    if (over) {
      ioc_.stop();
      router_ioc_.stop();
      outbox_ioc_.stop();
    }
    return;  // nothing keeps the loop: run() returns
  }
  drain_.expires_after(std::chrono::milliseconds(10));
  drain_.async_wait([this](boost::system::error_code ec) {
    if (!ec) check_drained();
  });
}

int server::run() {
  connect_redis();
  if (which_.router) start_router();
  if (which_.outbox) start_outbox();
  if (which_.gateway) start_gateway();
  else start_ops();
  signals_.emplace(ioc_, SIGINT, SIGTERM);
  signals_->async_wait([this](boost::system::error_code ec, int sig) {
    if (!ec) on_signal(sig);
  });
  hangup_.emplace(ioc_, SIGHUP);
  wait_for_hangup();

  std::vector<std::thread> threads;
  for (int i = 1; i < cfg_.server().threads(); ++i) threads.emplace_back([this] { ioc_.run(); });
  ioc_.run();
  for (auto& t : threads) t.join();
  if (router_thread_.joinable()) router_thread_.join();  // it stops itself after stop_router()
  if (outbox_thread_.joinable()) outbox_thread_.join();  // and the outbox after stop_outbox()

  if (embedded_) {
    embedded_->process.stop();
    spdlog::info("embedded redis-server stopped");
  }
  spdlog::info("switchboard stopped");
  return 0;
}

}  // namespace

int serve(const serve_options& opts) {
  v1::Config cfg = load_config(opts.config_path, process_env());
  const std::string data_dir_named = apply_overrides(cfg, opts);
  setup_logging(cfg.log());
  prepare_media(cfg);
  std::string names;
  for (const auto& [on, name] : {std::pair{opts.which.gateway, "gateway"}, {opts.which.router, "router"}, {opts.which.outbox, "outbox"}}) {
    if (on) names += (names.empty() ? "" : ",") + std::string(name);
  }
  spdlog::info("switchboard starting config={} roles={}", opts.config_path, names);
  server s(std::move(cfg), opts, data_dir_named);
  return s.run();
}

}  // namespace switchboard::app
