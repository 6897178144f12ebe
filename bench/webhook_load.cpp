// bench/webhook_load: signed WhatsApp webhooks ingested per second through a real `switchboard
// serve` (HTTP, the signature over the raw body, the parse, the customer's identity, the append)
// beside append_bench's raw append rate measured in the same run (the ratio is the cost of
// HTTP, verifying and parsing); and replies sent per second by the outbox to a local HTTPS fake
// of WhatsApp's send API, beside the fake's own rate measured in the same run.
//
//   build/bench/webhook_load [--requests 20000] [--connections 16] [--seconds 60] [--threads 2]
//                            [--appends 20000] [--append-customers 64]
//                            [--replies 5000] [--conversations 64] [--agents 4]
//                            [--fake-connections 32] [--fake-seconds 3] [--reply-gap-ms 1]
//                            [--only ingest|outbox]
//
// Ingest: every body is the fixture's text message (tests/fixtures/webhooks/whatsapp/
// pywa__message.json, "text") with its own wamid, signed with X-Hub-Signature-256, posted to
// POST /v1/webhooks/whatsapp/main over --connections keep-alive connections, one request in flight
// on each (closed loop). Two rows: --requests messages each from a new sender (a new customer, a
// new conversation in the queue), then --requests more from the same senders (each a message in
// the customer's open conversation). Every answer must be 200 with "stored": 1.
// Outbox: see webhook_load_outbox.cpp. --seconds bounds each phase; every process is started
// here on loopback (redis-server, switchboard, the fake: this program again with
// --provider-fake) and stopped at the end. WEBHOOK_LOAD_KEEP=1 keeps their logs (the folder is
// named on failure); WEBHOOK_LOAD_LOG=info|debug sets the servers' log level.

#include <boost/asio/io_context.hpp>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <thread>

#include "bench/provider_fake.hpp"
#include "bench/webhook_load.hpp"
#include "bench/ws_load_processes.hpp"
#include "store/redis_process.hpp"

#ifndef WEBHOOK_LOAD_FIXTURE
#define WEBHOOK_LOAD_FIXTURE "tests/fixtures/webhooks/whatsapp/pywa__message.json"
#endif

namespace fs = std::filesystem;
using namespace webhook_load;

namespace {

struct options {
  long requests = 20000, appends = 20000, replies = 5000;
  int connections = 16, seconds = 60, threads = 2, append_customers = 64, conversations = 64, agents = 4;
  int fake_connections = 32, fake_seconds = 3, reply_gap_ms = 1;
  std::string only, fixture = WEBHOOK_LOAD_FIXTURE;
};

constexpr const char* kUsage =
    "usage: webhook_load [--requests N] [--connections C] [--seconds S] [--threads T] [--appends N]\n"
    "                    [--append-customers C] [--replies N] [--conversations N] [--agents N]\n"
    "                    [--fake-connections N] [--fake-seconds S] [--reply-gap-ms N] [--only ingest|outbox]\n"
    "                    [--fixture FILE]\n";

bool parse(int argc, char** argv, options& o) {
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i], v = argv[i + 1];
    if (a == "--requests") o.requests = std::stol(v);
    else if (a == "--connections") o.connections = std::stoi(v);
    else if (a == "--seconds") o.seconds = std::stoi(v);
    else if (a == "--threads") o.threads = std::stoi(v);
    else if (a == "--appends") o.appends = std::stol(v);
    else if (a == "--append-customers") o.append_customers = std::stoi(v);
    else if (a == "--replies") o.replies = std::stol(v);
    else if (a == "--conversations") o.conversations = std::stoi(v);
    else if (a == "--agents") o.agents = std::stoi(v);
    else if (a == "--fake-connections") o.fake_connections = std::stoi(v);
    else if (a == "--fake-seconds") o.fake_seconds = std::stoi(v);
    else if (a == "--reply-gap-ms") o.reply_gap_ms = std::stoi(v);
    else if (a == "--only" && (v == "ingest" || v == "outbox")) o.only = v;
    else if (a == "--fixture") o.fixture = v;
    else return false;
  }
  return argc % 2 == 1 && o.reply_gap_ms >= 0 && o.requests > 0 && o.connections > 0 && o.seconds > 0 && o.replies > 0 &&
         o.conversations > 0 && o.agents > 0 && o.fake_connections > 0 && o.fake_seconds > 0;
}

bool port_open(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<unsigned short>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(fd);
  return ok;
}

void write_config(const fs::path& file, const options& o, int port, int redis_port, int fake_port, const fs::path& cert) {
  std::ofstream cfg(file);
  cfg << "server: {http_port: " << port << ", threads: " << o.threads << ", max_queued_frames: 100000,\n"
      << "  idle_timeout_seconds: 600, frames_per_second: 1000000, frame_burst: 1000000,\n"
      << "  user_frames_per_second: 1000000, user_frame_burst: 1000000, max_connections_per_address: 100000}\n"
      << "redis: {url: \"redis://127.0.0.1:" << redis_port << "\", command_timeout_ms: 5000}\n"
      << "log: {level: " << (std::getenv("WEBHOOK_LOAD_LOG") ? std::getenv("WEBHOOK_LOAD_LOG") : "warn") << "}\n"
      << "auth: {keys: [{kid: " << kJwtKid << ", secret: " << kJwtSecret << "}]}\n"
      << "router: {agent_grace_seconds: 600}\n"
      << "queues: [{name: whatsapp, team: care, policy: {offer_timeout_seconds: 300}}]\n"
      << "agents:\n";
  const int per_agent = (o.conversations + o.agents - 1) / o.agents + 1;
  for (int j = 0; j < o.agents; ++j) {
    cfg << "  - {id: a" << j << ", teams: [care], capacity: [{channel: whatsapp, max_concurrent: " << per_agent << "}]}\n";
  }
  // The account's own send limit (20/s by default, Meta's) lifted: the benchmark measures the outbox.
  cfg << "channels:\n  ca_file: " << cert.string() << "\n  accounts:\n"
      << "    - {provider: whatsapp, id: main, app_secret: " << kAppSecret << ", verify_token: wl-verify,\n"
      << "       access_token: " << kAccessToken << ", business_id: \"" << kPhoneNumberId << "\",\n"
      << "       api_url: \"https://127.0.0.1:" << fake_port << "/v21.0\", sends_per_second: 100000}\n";
}

// `switchboard serve` with `roles`, serving once /readyz answers and the router holds its lease.
void start_switchboard(ws_load::child& sb, const std::string& bin, const fs::path& tmp, int port, const std::string& roles,
                       const std::string& log) {
  ws_load::spawn(sb, {bin, "serve", "--config", (tmp / "switchboard.yaml").string(), "--roles", roles}, (tmp / log).string());
  ws_load::wait_until([&] { return ws_load::http_ok(port, "/readyz"); }, "switchboard /readyz (" + log + ")",
                      std::chrono::seconds(30));
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // the router takes the lease
}

struct ingest_figures {
  load_figures fresh, existing;
  std::vector<append_row> appends;
};

ingest_figures run_ingest(const options& o, const std::string& bin, const fs::path& tmp, int port, pid_t redis,
                          const std::string& run) {
  ingest_figures r;
  ws_load::child sb;
  start_switchboard(sb, bin, tmp, port, "gateway,router,outbox", "switchboard-ingest.log");
  boost::asio::io_context ioc;
  const long warm = std::max(200L, std::min(2000L, o.requests / 10));
  const auto limit = std::chrono::seconds(o.seconds);
  const auto check = [](const load_figures& f, const char* what) {
    if (f.failed || f.not_stored) {
      throw std::runtime_error(std::string(what) + ": " + std::to_string(f.failed + f.not_stored) +
                               " webhooks not stored, the first: " + f.first_failure);
    }
  };
  check(post_all(ioc, port, o.connections, make_posts(o.fixture, run + "w", 0, warm, warm, 971000000000LL), limit,
                 sb.pid, redis),
        "warm-up");
  r.fresh = post_all(ioc, port, o.connections, make_posts(o.fixture, run, 0, o.requests, o.requests, 972000000000LL),
                     limit, sb.pid, redis);
  check(r.fresh, "new customers");
  r.existing = post_all(ioc, port, o.connections,
                        make_posts(o.fixture, run, o.requests, o.requests, o.requests, 972000000000LL), limit, sb.pid, redis);
  check(r.existing, "existing conversations");
  sb.stop();
  return r;
}

void print_ingest(const options& o, const ingest_figures& r) {
  std::printf("webhook_load ingest: WhatsApp text webhooks (pywa__message.json \"text\", %.0f-byte bodies), %d connections "
              "(one request in flight each), Redis AOF everysec, %d server threads\n",
              r.fresh.body_bytes, o.connections, o.threads);
  std::printf("%-26s %9s %11s %8s %8s %8s | %14s %14s %14s %12s\n", "", "requests", "webhooks/s", "p50 ms", "p99 ms",
              "max ms", "server CPU s", "Redis CPU s", "client CPU s", "CPU us/hook");
  for (const auto& [name, f] : {std::pair{"new customer each", &r.fresh}, {"existing conversation each", &r.existing}}) {
    std::printf("%-26s %9ld %11.0f %8.2f %8.2f %8.2f | %14.2f %14.2f %14.2f %12.1f\n", name, f->requests, f->per_second,
                f->p50_ms, f->p99_ms, f->max_ms, f->server_cpu, f->redis_cpu, f->client_cpu,
                1e6 * (f->server_cpu + f->redis_cpu + f->client_cpu) / static_cast<double>(f->requests));
  }
  std::printf("append_bench in the same run (--appends %ld --customers %d; its own Redis, pinned; staff messages to "
              "existing conversations):\n", o.appends, o.append_customers);
  std::printf("%-26s %9s %11s %8s %8s %14s\n", "", "in flight", "appends/s", "p50 ms", "p99 ms", "raw EVALSHA/s");
  for (const auto& a : r.appends) {
    std::printf("%-26s %9d %11.0f %8.3f %8.3f %14.0f\n", "", a.in_flight, a.per_second, a.p50_ms, a.p99_ms, a.raw_per_second);
  }
  if (r.appends.empty()) return;
  const auto nearest = std::min_element(r.appends.begin(), r.appends.end(), [&](const append_row& a, const append_row& b) {
    return std::abs(a.in_flight - o.connections) < std::abs(b.in_flight - o.connections);
  });
  std::printf("ratio webhooks/s : appends/s at %d in flight: new customer %.0f%%, existing conversation %.0f%%\n",
              nearest->in_flight, 100 * r.fresh.per_second / nearest->per_second,
              100 * r.existing.per_second / nearest->per_second);
}

void print_outbox(const options& o, const outbox_figures& f) {
  std::printf("webhook_load outbox: %ld agents' replies (stored over the desk WebSocket, %ld acked) in %d WhatsApp "
              "conversations, %d agents; one `serve --roles outbox` process sending them to a local HTTPS fake\n",
              f.replies, f.acked, o.conversations, o.agents);
  std::printf("  %-48s %16s %16s\n", "", "outbox -> fake", "the fake alone");
  std::printf("  %-48s %16ld %16ld\n", "sends answered 200 (outbox: SENT seen by desks)", f.sent, f.fake_alone_requests);
  std::printf("  %-48s %16.0f %16.0f\n", "sends/s", f.per_second, f.fake_alone_per_second);
  // The outbox sends to at most 32 conversations at once (outbox::options::max_in_flight).
  std::printf("  %-48s %16d %16d\n", "requests in flight at most", std::min(o.conversations, 32), o.fake_connections);
  std::printf("  %-48s %16s %16.2f\n", "latency p99 ms", "-", f.fake_alone_p99_ms);
  std::printf("  %-48s %16ld %16d\n", "TLS connections the fake accepted", f.fake_connections, o.fake_connections);
  std::printf("  %-48s %16.2f %16.2f\n", "seconds (outbox: from its start to the last)", f.seconds,
              static_cast<double>(o.fake_seconds));
  std::printf("  %-48s %16.2f %16.2f\n", "CPU s: the fake", f.fake_cpu, f.fake_alone_cpu);
  std::printf("  %-48s %16.2f %16.2f\n", "CPU s: the sender (outbox process / this client)", f.outbox_cpu,
              f.fake_alone_client_cpu);
  std::printf("  %-48s %16.2f %16s\n", "CPU s: Redis", f.redis_cpu, "-");
  std::printf("  %-48s %16.2f %16s\n", "CPU s: gateway (relays the delivery events)", f.gateway_cpu, "-");
  std::printf("  %-48s %16ld %16s\n", "FAILED / refused at the fake", f.failed + f.fake_refused, "0");
  std::printf("  ratio outbox sends/s : the fake's own sends/s   %.0f%%\n",
              f.fake_alone_per_second > 0 ? 100 * f.per_second / f.fake_alone_per_second : 0.0);
  if (f.timed_out) {
    std::printf("  NOT DRAINED: %ld of %ld replies had no outcome within --seconds %d (with --reply-gap-ms 0, replies\n"
                "  appended in the same millisecond to different streams share an outbox entry id: see outbox_setup)\n",
                f.replies - f.sent - f.failed, f.replies, o.seconds);
  }
  if (!f.first_problem.empty()) std::printf("  first problem: %s\n", f.first_problem.c_str());
}

outbox_setup outbox_setup_of(const options& o, const std::string& bin, const fs::path& tmp, const std::string& run,
                             int port, pid_t gateway, pid_t redis, pid_t fake, int fake_port, const fs::path& cert) {
  outbox_setup s;
  s.switchboard = bin;
  s.config = (tmp / "switchboard.yaml").string();
  s.log_dir = tmp.string();
  s.fixture = o.fixture;
  s.run = run;
  s.port = port;
  s.gateway = gateway;
  s.redis = redis;
  s.fake = fake;
  s.fake_port = fake_port;
  s.fake_cert = cert.string();
  s.agents = o.agents;
  s.conversations = o.conversations;
  s.replies = o.replies;
  s.fake_connections = o.fake_connections;
  s.fake_seconds = std::chrono::seconds(o.fake_seconds);
  s.limit = std::chrono::seconds(o.seconds);
  s.reply_gap = std::chrono::milliseconds(o.reply_gap_ms);
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 5 && std::string(argv[1]) == "--provider-fake") {
    bench::provider_fake_options fo;
    fo.port = std::stoi(argv[2]);
    fo.cert_file = argv[3];
    fo.key_file = argv[4];
    fo.path = std::string("/v21.0/") + kPhoneNumberId + "/messages";
    fo.access_token = kAccessToken;
    return bench::run_provider_fake(fo);
  }
  options o;
  if (!parse(argc, argv, o)) {
    std::cerr << kUsage;
    return 2;
  }
  const auto exe = fs::canonical("/proc/self/exe");
  const std::string bin = (exe.parent_path().parent_path() / "app" / "switchboard").string();
  const auto tmp = fs::temp_directory_path() / ("sb-webhook-load-" + std::to_string(::getpid()));
  fs::create_directories(tmp);
  const std::string run = std::to_string(::getpid());
  try {
    switchboard::store::redis_process_options ro;
    ro.dir = (tmp / "redis").string();
    ro.appendfsync = "everysec";
    switchboard::store::redis_process redis(ro);
    redis.start();
    const auto cert = tmp / "fake-cert.pem", key = tmp / "fake-key.pem";
    const std::string openssl = "openssl req -x509 -newkey rsa:2048 -nodes -keyout '" + key.string() + "' -out '" +
                                cert.string() + "' -days 1 -subj /CN=localhost -addext "
                                "subjectAltName=DNS:localhost,IP:127.0.0.1 > '" + (tmp / "openssl.log").string() + "' 2>&1";
    if (std::system(openssl.c_str()) != 0) throw std::runtime_error("openssl req failed (openssl.log)");
    const int fake_port = switchboard::store::pick_free_port(), port = switchboard::store::pick_free_port();
    ws_load::child fake;
    ws_load::spawn(fake, {exe.string(), "--provider-fake", std::to_string(fake_port), cert.string(), key.string()},
                   (tmp / "fake.log").string());
    ws_load::wait_until([&] { return port_open(fake_port); }, "the provider fake", std::chrono::seconds(10));
    write_config(tmp / "switchboard.yaml", o, port, redis.port(), fake_port, cert);
    const std::string flush = "redis-cli -p " + std::to_string(redis.port()) + " FLUSHALL > /dev/null";

    if (o.only.empty() || o.only == "ingest") {
      auto r = run_ingest(o, bin, tmp, port, redis.pid(), run);
      if (std::system(flush.c_str()) != 0) throw std::runtime_error("redis-cli FLUSHALL failed");
      r.appends = run_append_bench((exe.parent_path() / "append_bench").string(), o.appends, o.append_customers);
      print_ingest(o, r);
      std::fflush(stdout);
    }
    if (o.only.empty() || o.only == "outbox") {
      ws_load::child sb;
      start_switchboard(sb, bin, tmp, port, "gateway,router", "switchboard-outbox.log");
      const auto f = run_outbox(outbox_setup_of(o, bin, tmp, run, port, sb.pid, redis.pid(), fake.pid, fake_port, cert));
      sb.stop();
      print_outbox(o, f);
    }
    fake.stop();
    redis.stop();
  } catch (const std::exception& e) {
    std::cerr << "webhook_load: " << e.what() << " (logs in " << tmp.string() << ")\n";
    return 1;
  }
  if (!std::getenv("WEBHOOK_LOAD_KEEP")) fs::remove_all(tmp);
  return 0;
}
