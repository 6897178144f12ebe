// bench/ws_load: N customers and M agents in live conversations over WebSocket, through a real
// `switchboard serve` (gateway + router) on a private redis-server, and — the baseline a user might
// pick instead — the same traffic through nginx with Debian's nchan module (Redis-backed pub/sub
// over WebSocket) on the same Redis, in the same run.
//
//   build/bench/ws_load [--customers 1000] [--agents 100] [--seconds 10] [--threads 2]
//                       [--only switchboard|nchan]
//
// --threads sets the gateway's I/O threads (server.threads) and nginx's worker_processes.
//
// For each system:
//   1. idle memory: the server's resident memory before and after N customers connect and wait
//      (Switchboard: every customer authenticated, welcomed, nothing else) → bytes per connection;
//   2. peak: every customer keeps one message in flight (the next goes when the previous is both
//      persisted — Switchboard's ack; nchan: the customer's own copy, published through Redis —
//      and delivered to the agent) for --seconds → messages per second, the server's CPU in
//      core-seconds and messages per core-second; Redis's and this client's CPU over the same
//      window, and what the three spent per message (the machine's budget: 2 cores / rate);
//   3. latency at 50% and 90% of that peak, offered open-loop (evenly paced, whatever the
//      answers): customer send → agent receive, p50/p99/p999, and for Switchboard the gateway's
//      own dwell (read → stored → ack) from two scrapes of GET /metrics/dwell.
// A team lead watches the live board during the peak and at 50%: its age on arrival, the longest
// time without one, its size and the router's time computing it.
// Switchboard routes first: each customer opens a conversation, the router offers it, an agent
// accepts; then the agent receives every customer message as a live event. nchan has no routing:
// each agent subscribes to its conversations' channels (multiplexed on one socket).
//
// The load client is one thread (so it is not the bottleneck on the others' cores: it is measured
// against the servers' CPU, and both servers get the same client). It starts every process itself
// on loopback and stops them at the end.

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <sys/resource.h>
#include <unistd.h>
#include <vector>

#include "core/clock.hpp"
#include "core/latency_histogram.hpp"
#include "bench/ws_client.hpp"
#include "bench/ws_load_processes.hpp"
#include "proto/wire.pb.h"
#include "store/redis_process.hpp"

namespace asio = boost::asio;
using namespace switchboard;
using namespace ws_load;
using steady = std::chrono::steady_clock;
using bench::run_until;

namespace {

constexpr const char* kSecret = "ws-load-secret-0123456789abcdef0123";

// ---- the load client ----

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  auto k = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1));
  std::nth_element(v.begin(), v.begin() + static_cast<long>(k), v.end());
  return v[k];
}

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(steady::now().time_since_epoch()).count();
}

struct figures {
  double idle_bytes_per_conn = 0;
  double peak_per_s = 0;            // persisted and delivered to the agent
  double peak_persisted_per_s = 0;  // persisted (acknowledged)
  double peak_core_s = 0;
  double peak_redis_core_s = 0, peak_client_core_s = 0;  // the rest of the machine at the peak
  double peak_messages = 0;                                // delivered during the peak
  double per_core_second = 0;
  // The team lead's live board during the peak (Switchboard only).
  long boards = 0;
  double board_p50_ms = 0, board_p99_ms = 0, board_bytes = 0, board_compute_share = 0;
  // The board during the closed-loop peak: does it keep its one-a-second rhythm?
  long peak_boards = 0;
  double peak_board_p99_ms = 0, peak_board_gap_ms = 0;
  struct at_rate {
    double offered = 0, delivered_per_s = 0, p50 = 0, p99 = 0, p999 = 0;
    double dwell_p50 = 0, dwell_p99 = 0, dwell_p999 = 0;  // the gateway's own measure (Switchboard)
    long lost = 0;  // sent, never delivered to the agent within 10 s
  } half, ninety;
};

// The system under test: where to connect and how.
struct target {
  bool switchboard = true;
  int port = 0;
  pid_t pid = -1;
  pid_t redis_pid = -1;  // the Redis both systems use (its CPU at the peak is counted too)
};

// CPU seconds (user + system) of this process: the load client.
double own_cpu_seconds() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  auto s = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return s(u.ru_utime) + s(u.ru_stime);
}

void run_for(asio::io_context& ioc, std::chrono::milliseconds d) {
  ioc.restart();
  ioc.run_for(d);
}

std::string sign(const std::string& role, const std::string& sub, std::vector<std::string> teams = {}) {
  return bench::sign_token(role, sub, std::move(teams), "load", kSecret);
}

std::string sign_lead() { return sign("lead", "lead-0", {"load"}); }

figures run(const target& t, int customers, int agents, int seconds) {
  asio::io_context ioc;
  figures f;
  const auto N = static_cast<std::size_t>(customers);
  std::vector<std::shared_ptr<bench::ws_client>> cs(N), as(static_cast<std::size_t>(agents));
  std::vector<std::string> conv_of(N);
  std::vector<int> in_flight(N, 0);
  std::vector<long> next_id(N, 0);
  long opened = 0, ready = 0, accepted = 0, persisted = 0, delivered = 0;
  bool closed_loop = false, measuring = false;
  std::vector<double> latency_ms;
  const std::string proto = t.switchboard ? "switchboard.v1.proto" : "";

  // A message is done when it is both persisted (ack, or nchan's own copy) and delivered to the
  // agent: the closed loop sends the next one then, so the peak is what the whole path sustains.
  auto send_message = [&](std::size_t i) {
    const std::string body = "t" + std::to_string(now_ns()) + ":" + std::to_string(i);
    in_flight[i] += 2;
    if (!t.switchboard) return cs[i]->send(body);
    v1::ClientFrame fr;
    fr.set_request_id("m");
    auto* m = fr.mutable_send_message();
    m->set_conversation_id(conv_of[i]);
    m->mutable_message()->set_body(body);
    m->mutable_message()->set_client_message_id("c" + std::to_string(i) + "-" + std::to_string(next_id[i]++));
    cs[i]->send(fr.SerializeAsString());
  };
  auto on_persisted = [&](std::size_t i) {
    --in_flight[i];
    ++persisted;
    if (closed_loop && in_flight[i] == 0) send_message(i);
  };
  auto on_agent_body = [&](std::string_view body) {
    const auto colon = body.find(':');
    if (body.size() < 2 || body[0] != 't' || colon == std::string_view::npos) return;
    ++delivered;
    if (measuring) {
      const std::int64_t sent = std::stoll(std::string(body.substr(1, colon - 1)));
      latency_ms.push_back(static_cast<double>(now_ns() - sent) / 1e6);
    }
    const auto i = static_cast<std::size_t>(std::stoul(std::string(body.substr(colon + 1))));
    if (i < N && in_flight[i] > 0) {
      --in_flight[i];
      if (closed_loop && in_flight[i] == 0) send_message(i);
    }
  };

  // Agents: Switchboard desks set themselves available and accept every offer; nchan subscribers
  // listen to their conversations' channels (customer i belongs to agent i mod M).
  for (int j = 0; j < agents; ++j) {
    auto a = std::make_shared<bench::ws_client>(ioc);
    as[static_cast<std::size_t>(j)] = a;
    std::string path = "/v1/ws";
    if (!t.switchboard) {
      path = "/s/";
      for (int i = j; i < customers; i += agents) path += (i == j ? "" : ",") + ("conv" + std::to_string(i));
    }
    a->on_message([&, a](std::string_view bytes) {
      if (!t.switchboard) return on_agent_body(bytes);
      v1::ServerFrame fr;
      if (!fr.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) return;
      if (fr.has_agent_state() && fr.request_id() == "st") ++ready;
      if (fr.has_offer()) {
        v1::ClientFrame ans;
        ans.set_request_id("acc");
        ans.mutable_answer_offer()->set_conversation_id(fr.offer().conversation_id());
        ans.mutable_answer_offer()->set_accept(true);
        a->send(ans.SerializeAsString());
      }
      if (fr.has_ack() && fr.request_id() == "acc") ++accepted;
      if (fr.has_event() && fr.event().has_message() && fr.event().message().direction() == v1::DIRECTION_INBOUND) {
        on_agent_body(fr.event().message().body());
      }
    });
    a->start(t.port, path, proto, t.switchboard ? sign("agent", "a" + std::to_string(j)) : "", [&, a] {
      ++opened;
      if (!t.switchboard) return;
      v1::ClientFrame st;
      st.set_request_id("st");
      st.mutable_set_status()->set_status(v1::AVAILABLE);
      a->send(st.SerializeAsString());
    });
  }
  run_until(ioc, [&] { return opened == agents && (!t.switchboard || ready == agents); }, std::chrono::seconds(60),
            "agents connecting");

  // A team lead watches the live board (Switchboard): its age on arrival, its size, its cost.
  std::vector<double> board_age_ms;
  double board_bytes = 0, board_compute_us = 0;
  bool board_measuring = false;
  std::vector<steady::time_point> board_arrivals;
  std::shared_ptr<bench::ws_client> lead;
  if (t.switchboard) {
    lead = std::make_shared<bench::ws_client>(ioc);
    lead->on_message([&](std::string_view bytes) {
      v1::ServerFrame fr;
      if (std::getenv("WS_LOAD_DEBUG") && fr.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
        std::fprintf(stderr, "lead frame kind %d size %zu\n", static_cast<int>(fr.kind_case()), bytes.size());
      }
      if (!board_measuring || !fr.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())) || !fr.has_board()) return;
      board_age_ms.push_back(static_cast<double>(system_clock_source::instance().unix_ms() - fr.board().at_ms()));
      board_arrivals.push_back(steady::now());
      board_bytes += static_cast<double>(bytes.size());
      board_compute_us += static_cast<double>(fr.board().compute_us());
    });
    bool lead_open = false;
    lead->start(t.port, "/v1/ws", proto, sign_lead(), [&] { lead_open = true; });
    run_until(ioc, [&] { return lead_open; }, std::chrono::seconds(30), "the lead connecting");
  }

  // 1. Idle memory: N customers connected, doing nothing.
  run_for(ioc, std::chrono::milliseconds(500));
  const long rss_before = rss_kib(t.pid);
  opened = 0;
  long welcomed = 0;
  for (std::size_t i = 0; i < N; ++i) {
    auto c = std::make_shared<bench::ws_client>(ioc);
    cs[i] = c;
    c->on_message([&, i](std::string_view bytes) {
      if (!t.switchboard) {
        if (bytes.size() > 1 && bytes[0] == 't') on_persisted(i);  // its own copy, back through Redis
        return;
      }
      v1::ServerFrame fr;
      if (!fr.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) return;
      if (fr.has_welcome()) ++welcomed;
      if (fr.has_ack() && fr.request_id() == "open") conv_of[i] = fr.ack().conversation_id();
      if (fr.has_ack() && fr.request_id() == "m") on_persisted(i);
    });
    c->start(t.port, t.switchboard ? "/v1/ws" : "/c/conv" + std::to_string(i), proto,
             t.switchboard ? sign("customer", "c" + std::to_string(i)) : "", [&] { ++opened; });
    if (i % 200 == 199) run_for(ioc, std::chrono::milliseconds(1));  // keep the accept queue short
  }
  run_until(ioc, [&] { return opened == customers && (!t.switchboard || welcomed == customers); },
            std::chrono::seconds(180), "customers connecting");
  run_for(ioc, std::chrono::milliseconds(1000));
  const long rss_after = rss_kib(t.pid);
  f.idle_bytes_per_conn = static_cast<double>(rss_after - rss_before) * 1024.0 / customers;

  // Switchboard routes first: every customer opens a conversation; an agent accepts each.
  if (t.switchboard) {
    for (std::size_t i = 0; i < N; ++i) {
      v1::ClientFrame fr;
      fr.set_request_id("open");
      fr.mutable_send_message()->mutable_message()->set_body("hello");
      fr.mutable_send_message()->mutable_message()->set_client_message_id("open-" + std::to_string(i));
      cs[i]->send(fr.SerializeAsString());
      if (i % 200 == 199) run_for(ioc, std::chrono::milliseconds(1));
    }
    run_until(ioc, [&] { return accepted == customers; }, std::chrono::seconds(300), "conversations routed");
    run_for(ioc, std::chrono::milliseconds(500));
  }

  // 2. Peak: one message in flight per customer.
  persisted = delivered = 0;
  closed_loop = true;
  const double cpu0 = cpu_seconds(t.pid), redis0 = cpu_seconds(t.redis_pid), client0 = own_cpu_seconds();
  const auto t0 = steady::now();
  board_measuring = true;
  for (std::size_t i = 0; i < N; ++i) send_message(i);
  run_for(ioc, std::chrono::seconds(seconds));
  const double elapsed = std::chrono::duration<double>(steady::now() - t0).count();
  board_measuring = false;
  f.peak_boards = static_cast<long>(board_age_ms.size());
  f.peak_board_p99_ms = percentile(board_age_ms, 0.99);
  for (std::size_t i = 0; i <= board_arrivals.size(); ++i) {  // the longest time without a board
    const auto from = i == 0 ? t0 : board_arrivals[i - 1];
    const auto until = i == board_arrivals.size() ? steady::now() : board_arrivals[i];
    f.peak_board_gap_ms = std::max(f.peak_board_gap_ms, std::chrono::duration<double, std::milli>(until - from).count());
  }
  if (!lead) f.peak_board_gap_ms = 0;  // no lead on this target (with one and no board: the whole peak)
  board_age_ms.clear();
  board_arrivals.clear();
  board_bytes = board_compute_us = 0;
  const long peak_persisted = persisted, peak_delivered = delivered;
  const double cpu1 = cpu_seconds(t.pid), redis1 = cpu_seconds(t.redis_pid), client1 = own_cpu_seconds();
  closed_loop = false;
  const auto peak_until = steady::now() + std::chrono::seconds(10);
  while (!std::all_of(in_flight.begin(), in_flight.end(), [](int n) { return n == 0; }) && steady::now() < peak_until) {
    run_for(ioc, std::chrono::milliseconds(5));
  }
  std::fill(in_flight.begin(), in_flight.end(), 0);
  f.peak_per_s = static_cast<double>(peak_delivered) / elapsed;
  f.peak_persisted_per_s = static_cast<double>(peak_persisted) / elapsed;
  f.peak_core_s = cpu1 - cpu0;
  f.peak_redis_core_s = redis1 - redis0;
  f.peak_client_core_s = client1 - client0;
  f.peak_messages = static_cast<double>(peak_delivered);
  f.per_core_second = f.peak_core_s > 0 ? static_cast<double>(peak_delivered) / f.peak_core_s : 0;

  // 3. Latency at a share of the peak, paced evenly whatever the answers.
  auto paced = [&](double share, figures::at_rate& out) {
    const double rate = f.peak_per_s * share;
    out.offered = rate;
    latency_ms.clear();
    const auto dwell_before = t.switchboard ? dwell_counts(t.port) : std::vector<std::uint64_t>{};
    delivered = 0;
    measuring = true;
    long sent = 0;
    std::size_t next = 0;
    const auto start = steady::now();
    const auto end = start + std::chrono::seconds(seconds);
    asio::steady_timer tick(ioc);
    std::function<void()> pace = [&] {
      const auto now = steady::now();
      if (now >= end) return;
      const long due = static_cast<long>(rate * std::chrono::duration<double>(now - start).count());
      for (; sent < due; ++sent) {
        send_message(next);
        next = (next + 1) % N;
      }
      tick.expires_after(std::chrono::microseconds(500));
      tick.async_wait([&](boost::system::error_code ec) {
        if (!ec) pace();
      });
    };
    pace();
    run_until(ioc, [&] { return steady::now() >= end; }, std::chrono::seconds(seconds + 5), "paced load");
    // Wait for the stragglers, up to 10 s; what never arrives is counted as lost.
    const auto drain_until = steady::now() + std::chrono::seconds(10);
    while (delivered < sent && steady::now() < drain_until) run_for(ioc, std::chrono::milliseconds(5));
    out.lost = sent - delivered;
    measuring = false;
    out.delivered_per_s = static_cast<double>(delivered) / seconds;
    out.p50 = percentile(latency_ms, 0.50);
    out.p99 = percentile(latency_ms, 0.99);
    out.p999 = percentile(latency_ms, 0.999);
    if (t.switchboard) {
      auto dwell = dwell_counts(t.port);
      for (std::size_t i = 0; i < dwell.size(); ++i) dwell[i] -= dwell_before[i];
      out.dwell_p50 = latency_histogram::quantile_us(dwell, 0.50) / 1000;
      out.dwell_p99 = latency_histogram::quantile_us(dwell, 0.99) / 1000;
      out.dwell_p999 = latency_histogram::quantile_us(dwell, 0.999) / 1000;
    }
    const auto acks_until = steady::now() + std::chrono::seconds(10);
    while (!std::all_of(in_flight.begin(), in_flight.end(), [](int n) { return n == 0; }) && steady::now() < acks_until) {
      run_for(ioc, std::chrono::milliseconds(5));
    }
    std::fill(in_flight.begin(), in_flight.end(), 0);  // lost ones are not waited for again
  };
  // The lead's board at half of the peak: its age, size and cost (at the peak: above).
  board_measuring = true;
  const auto board_t0 = steady::now();
  paced(0.5, f.half);
  board_measuring = false;
  f.boards = static_cast<long>(board_age_ms.size());
  f.board_p50_ms = percentile(board_age_ms, 0.5);
  f.board_p99_ms = percentile(board_age_ms, 0.99);
  f.board_bytes = f.boards ? board_bytes / f.boards : 0;
  f.board_compute_share =
      board_compute_us / 1e6 / std::chrono::duration<double>(steady::now() - board_t0).count();  // of one core
  paced(0.9, f.ninety);

  for (auto& c : cs) c->close();
  for (auto& a : as) a->close();
  if (lead) lead->close();
  run_for(ioc, std::chrono::milliseconds(300));
  return f;
}

}  // namespace

int main(int argc, char** argv) {
  int customers = 1000, agents = 100, seconds = 10, threads = 2;
  std::string only;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--customers") customers = std::stoi(argv[i + 1]);
    else if (a == "--threads") threads = std::stoi(argv[i + 1]);
    else if (a == "--agents") agents = std::stoi(argv[i + 1]);
    else if (a == "--seconds") seconds = std::stoi(argv[i + 1]);
    else if (a == "--only") only = argv[i + 1];
    else {
      std::cerr << "usage: ws_load [--customers N] [--agents M] [--seconds S] [--threads T] [--only switchboard|nchan]\n";
      return 2;
    }
  }
  agents = std::max(1, std::min(agents, customers));
  if ((customers + agents - 1) / agents > 255) {
    std::cerr << "ws_load: at most 255 customers per agent (an nchan subscriber multiplexes up to 255 channels)\n";
    return 2;
  }
  const auto exe = std::filesystem::canonical("/proc/self/exe");
  const std::string bin = (exe.parent_path().parent_path() / "app" / "switchboard").string();
  const auto tmp = std::filesystem::temp_directory_path() / ("sb-ws-load-" + std::to_string(::getpid()));
  std::filesystem::create_directories(tmp);
  int status = 0;
  try {
    store::redis_process_options ro;
    ro.dir = (tmp / "redis").string();
    ro.appendfsync = "everysec";
    store::redis_process redis(ro);
    redis.start();
    std::vector<std::pair<std::string, figures>> results;

    if (only.empty() || only == "switchboard") {
      const int port = store::pick_free_port();
      const int per_agent = (customers + agents - 1) / agents + 1;
      std::ofstream cfg(tmp / "switchboard.yaml");
      cfg << "server: {http_port: " << port << ", threads: " << threads << ", max_queued_frames: 100000, idle_timeout_seconds: 600,\n"
          << "  frames_per_second: 1000000, frame_burst: 1000000, user_frames_per_second: 1000000,\n"
          << "  user_frame_burst: 1000000, max_connections_per_user: 10,\n"
          // Every client is 127.0.0.1; 10k connections opened at once wait longer than 10 s for
          // their upgrade on two cores.
          << "  max_connections: 100000, max_connections_per_address: 100000, handshake_timeout_seconds: 120}\n"
          << "redis: {url: \"redis://127.0.0.1:" << redis.port() << "\", command_timeout_ms: 5000}\n"
          << "log: {level: " << (std::getenv("WS_LOAD_DEBUG") ? "debug" : "warn") << "}\n"
          << "auth: {keys: [{kid: load, secret: " << kSecret << "}]}\n"
          << "router: {agent_grace_seconds: 600}\n"
          << "queues: [{name: load, team: load, policy: {strategy: least_occupied, offer_timeout_seconds: 300,\n"
          << "  service_level_seconds: 20, service_level_target: 0.8}}]\n"
          << "agents:\n";
      for (int j = 0; j < agents; ++j) {
        cfg << "  - {id: a" << j << ", teams: [load], capacity: [{channel: web, max_concurrent: " << per_agent << "}]}\n";
      }
      cfg.close();
      child sb;
      spawn(sb, {bin, "serve", "--config", (tmp / "switchboard.yaml").string()}, (tmp / "switchboard.log").string());
      wait_until([&] { return http_ok(port, "/readyz"); }, "switchboard /readyz", std::chrono::seconds(30));
      ::usleep(1'500'000);  // the router takes the lease (at most a third of its TTL)
      results.emplace_back("switchboard", run(target{true, port, sb.pid, redis.pid()}, customers, agents, seconds));
      sb.stop();
      ::system(("redis-cli -p " + std::to_string(redis.port()) + " FLUSHALL > /dev/null").c_str());
    }
    if (only.empty() || only == "nchan") {
      const int port = store::pick_free_port();
      std::ofstream cfg(tmp / "nginx.conf");
      cfg << "load_module /usr/lib/nginx/modules/ngx_nchan_module.so;\nworker_processes " << threads << ";\ndaemon off;\n"
          << "pid " << (tmp / "nginx.pid").string() << ";\nerror_log " << (tmp / "nginx-error.log").string()
          << " warn;\nworker_rlimit_nofile 20000;\nevents { worker_connections 19000; }\nhttp {\n  access_log off;\n"
          << "  client_body_temp_path " << tmp.string() << ";\n"
          << "  upstream redis_store { nchan_redis_server redis://127.0.0.1:" << redis.port() << "; }\n"
          << "  server {\n    listen 127.0.0.1:" << port << ";\n"
          << "    location ~ ^/c/(\\w+)$ { nchan_pubsub websocket; nchan_channel_id $1; nchan_redis_pass redis_store; }\n"
          << "    location ~ ^/s/([\\w,]+)$ { nchan_subscriber websocket; nchan_channel_id $1;\n"
          << "      nchan_channel_id_split_delimiter \",\"; nchan_redis_pass redis_store; }\n"
          << "    location = /ok { return 200; }\n  }\n}\n";
      cfg.close();
      child ng;
      spawn(ng, {"nginx", "-c", (tmp / "nginx.conf").string(), "-p", tmp.string()}, (tmp / "nginx.log").string());
      wait_until([&] { return http_ok(port, "/ok") && ws_ok(port, "/s/probe"); }, "nginx and nchan on Redis",
                 std::chrono::seconds(30));
      results.emplace_back("nginx+nchan", run(target{false, port, ng.pid, redis.pid()}, customers, agents, seconds));
      ng.stop();
    }
    redis.stop();

    std::printf("ws_load: %d customers, %d agents, %d s per phase, Redis AOF everysec (rewrites from %d MB), %d server threads/workers\n",
                customers, agents, seconds, store::redis_process_options{}.aof_rewrite_min_mb, threads);
    std::printf("%-44s", "");
    for (const auto& [name, f] : results) std::printf("%16s", name.c_str());
    std::printf("\n");
    auto row = [&](const char* label, const std::function<double(const figures&)>& get, const char* fmt) {
      std::printf("%-44s", label);
      for (const auto& [name, f] : results) std::printf(fmt, get(f));
      std::printf("\n");
    };
    row("memory per idle connection (bytes)", [](const figures& f) { return f.idle_bytes_per_conn; }, "%16.0f");
    row("peak messages/s, persisted and delivered", [](const figures& f) { return f.peak_per_s; }, "%16.0f");
    row("  of which persisted (acked) msgs/s", [](const figures& f) { return f.peak_persisted_per_s; }, "%16.0f");
    row("server CPU at peak (core-seconds)", [](const figures& f) { return f.peak_core_s; }, "%16.2f");
    row("messages per server core-second", [](const figures& f) { return f.per_core_second; }, "%16.0f");
    // What the whole machine spent per message: on 2 cores, 50 us is 40k messages/s.
    row("Redis CPU at peak (core-seconds)", [](const figures& f) { return f.peak_redis_core_s; }, "%16.2f");
    row("load client CPU at peak (core-seconds)", [](const figures& f) { return f.peak_client_core_s; }, "%16.2f");
    row("CPU per message: server, Redis, client (us)", [](const figures& f) {
      return f.peak_messages > 0 ? 1e6 * (f.peak_core_s + f.peak_redis_core_s + f.peak_client_core_s) / f.peak_messages
                                 : 0.0;
    }, "%16.1f");
    row("lead's board at peak: updates received", [](const figures& f) { return double(f.peak_boards); }, "%16.0f");
    row("  age on arrival p99 (ms)", [](const figures& f) { return f.peak_board_p99_ms; }, "%16.1f");
    row("  longest time without an update (ms)", [](const figures& f) { return f.peak_board_gap_ms; }, "%16.0f");
    row("lead's board at 50% of peak: updates received", [](const figures& f) { return double(f.boards); }, "%16.0f");
    row("  age on arrival p50 (ms)", [](const figures& f) { return f.board_p50_ms; }, "%16.1f");
    row("  age on arrival p99 (ms)", [](const figures& f) { return f.board_p99_ms; }, "%16.1f");
    row("  bytes per board", [](const figures& f) { return f.board_bytes; }, "%16.0f");
    row("  router time computing boards (% of a core)", [](const figures& f) { return 100 * f.board_compute_share; },
        "%16.2f");
    for (const auto& [title, phase] : {std::pair{"50% of peak", &figures::half}, std::pair{"90% of peak", &figures::ninety}}) {
      auto at = [phase = phase](double figures::at_rate::*field) {
        return [phase, field](const figures& f) { return (f.*phase).*field; };
      };
      const std::string offered = std::string(title) + ": offered msgs/s";
      row(offered.c_str(), at(&figures::at_rate::offered), "%16.0f");
      row("  delivered to agents msgs/s", at(&figures::at_rate::delivered_per_s), "%16.0f");
      row("  never delivered (of those sent)", [phase = phase](const figures& f) { return double((f.*phase).lost); },
          "%16.0f");
      row("  customer -> agent p50 (ms)", at(&figures::at_rate::p50), "%16.2f");
      row("  customer -> agent p99 (ms)", at(&figures::at_rate::p99), "%16.2f");
      row("  customer -> agent p99.9 (ms)", at(&figures::at_rate::p999), "%16.2f");
      row("  gateway dwell p50 (ms, read -> stored -> ack)", at(&figures::at_rate::dwell_p50), "%16.3f");
      row("  gateway dwell p99 (ms)", at(&figures::at_rate::dwell_p99), "%16.3f");
      row("  gateway dwell p99.9 (ms)", at(&figures::at_rate::dwell_p999), "%16.3f");
    }
  } catch (const std::exception& e) {
    std::cerr << "ws_load: " << e.what() << " (logs in " << tmp.string() << ")\n";
    return 1;
  }
  if (!std::getenv("WS_LOAD_DEBUG")) std::filesystem::remove_all(tmp);
  return status;
}
