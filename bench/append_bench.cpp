// bench/append: appends per second and latency through the store's append path
// (timeline_repository::append → EVALSHA append.lua on one pipelined connection) with 1, 16 and 64
// appends in flight, beside redis-benchmark sending a raw EVALSHA of the same script with the same
// keys and arguments to the same server in the same run. Prints both and the ratio.
//
//   build/bench/append_bench [--appends N] [--customers C] [--appendfsync always|everysec|no] [--json]
//
// --customers spreads our appends over C customers' conversations (the baseline always hits the
// first one, as redis-benchmark repeats one command): C > 1 shows the cost of a spread key space.
// It starts its own redis-server on a free loopback port in a temporary folder and stops it.

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <sstream>
#include <optional>
#include <string>
#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

#include "core/clock.hpp"
#include "core/ids.hpp"
#include "store/conversation_rules.hpp"
#include "store/keys.hpp"
#include "store/redis_client.hpp"
#include "store/redis_process.hpp"
#include "store/scripts.hpp"
#include "store/timeline.hpp"

namespace asio = boost::asio;
using namespace switchboard;
using steady = std::chrono::steady_clock;

namespace {

struct figures {
  double per_second = 0;
  double p50_ms = 0;
  double p99_ms = 0;
};

double percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  auto k = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1));
  std::nth_element(v.begin(), v.begin() + static_cast<long>(k), v.end());
  return v[k];
}

store::append_request request_for(const std::string& customer, const std::string& conv, long i) {
  store::append_request r;
  r.customer_id = customer;
  r.conversation_id = conv;
  r.idempotency_key = "m" + std::to_string(i);
  r.event.set_actor("agent-000001");
  auto* m = r.event.mutable_message();
  m->set_direction(v1::DIRECTION_OUTBOUND);
  m->set_channel(v1::CHANNEL_WEB);
  m->set_body("Thanks for waiting - your order #48213 left our warehouse this morning and arrives tomorrow.");
  m->set_client_message_id(r.idempotency_key);
  return r;
}

// `in_flight` coroutines append until `total` appends are done; latencies in ms.
figures run_switchboard(asio::io_context& ioc, store::timeline_repository& repo, const std::vector<std::string>& customers,
                        const std::vector<std::string>& convs, int in_flight, long total, long& key_base) {
  std::vector<double> lat;
  lat.reserve(static_cast<std::size_t>(total));
  long issued = 0, done = 0, failed = 0;
  const long base = key_base;
  key_base += total;
  auto lane = [&]() -> asio::awaitable<void> {
    while (issued < total) {
      const long i = issued++;
      const auto c = static_cast<std::size_t>(i % static_cast<long>(customers.size()));
      auto t0 = steady::now();
      auto r = co_await repo.append(request_for(customers[c], convs[c], base + i));
      lat.push_back(std::chrono::duration<double, std::milli>(steady::now() - t0).count());
      if (!r) ++failed;
      ++done;
    }
  };
  const auto start = steady::now();
  for (int l = 0; l < in_flight; ++l) asio::co_spawn(ioc, lane(), asio::detached);
  ioc.restart();
  while (done < total) ioc.run_one();
  const double secs = std::chrono::duration<double>(steady::now() - start).count();
  if (failed) std::cerr << "warning: " << failed << " appends failed\n";
  figures f;
  f.per_second = static_cast<double>(total) / secs;
  f.p50_ms = percentile(lat, 0.50);
  f.p99_ms = percentile(lat, 0.99);
  return f;
}

// Runs a command, returns its standard output.
std::string capture(const std::vector<std::string>& argv) {
  int fds[2];
  if (pipe(fds) != 0) return {};
  pid_t pid = fork();
  if (pid == 0) {
    dup2(fds[1], 1);
    close(fds[0]);
    close(fds[1]);
    std::vector<char*> a;
    for (const auto& s : argv) a.push_back(const_cast<char*>(s.c_str()));
    a.push_back(nullptr);
    execvp(a[0], a.data());
    _exit(127);
  }
  close(fds[1]);
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = read(fds[0], buf, sizeof buf)) > 0) out.append(buf, static_cast<std::size_t>(n));
  close(fds[0]);
  waitpid(pid, nullptr, 0);
  return out;
}

// redis-benchmark --csv: a header, then one row whose first cell is the command (which may hold
// newlines); the last seven cells are rps, avg, min, p50, p95, p99 and max latency in ms.
figures parse_csv(const std::string& out) {
  figures f;
  std::string text = out.substr(0, out.find_last_not_of(" \r\n") + 1);
  std::vector<std::string> cells;
  std::size_t end = text.size();
  if (end > 0 && text[end - 1] == '"') --end;
  for (int i = 0; i < 7; ++i) {
    std::size_t sep = end == 0 ? std::string::npos : text.rfind("\",\"", end - 1);
    if (sep == std::string::npos) break;
    cells.insert(cells.begin(), text.substr(sep + 3, end - sep - 3));
    end = sep;
  }
  if (cells.size() == 7) {
    f.per_second = std::atof(cells[0].c_str());
    f.p50_ms = std::atof(cells[3].c_str());
    f.p99_ms = std::atof(cells[5].c_str());
  } else {
    std::cerr << "could not parse redis-benchmark output:\n" << out << "\n";
  }
  return f;
}

long timeline_length(asio::io_context& ioc, store::redis_client& client, const std::string& key) {
  std::optional<long> n;
  client.exec({"XLEN", key}, [&](boost::system::error_code, store::reply r) { n = static_cast<long>(r.integer); });
  ioc.restart();
  while (!n) ioc.run_one();
  return *n;
}

}  // namespace

int main(int argc, char** argv) {
  long total = 100000;
  int customer_count = 1;
  std::string fsync = "everysec";
  bool json = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--appends" && i + 1 < argc) total = std::atol(argv[++i]);
    else if (a == "--appendfsync" && i + 1 < argc) fsync = argv[++i];
    else if (a == "--customers" && i + 1 < argc) customer_count = std::max(1, std::atoi(argv[++i]));
    else if (a == "--json") json = true;
    else {
      std::cerr << "usage: append_bench [--appends N] [--customers C] [--appendfsync always|everysec|no] [--json]\n";
      return 2;
    }
  }

  char tmpl[] = "/tmp/sb-bench-XXXXXX";
  if (!mkdtemp(tmpl)) return 1;
  store::redis_process_options po;
  po.dir = tmpl;
  po.appendfsync = fsync;
  store::redis_process server(po);
  server.start();
  // Same placement for both measurements: redis-server on CPU 1, the client (this process, and
  // redis-benchmark, which inherits it) on CPU 0. Left to the scheduler, runs differ by 2x
  // depending on where the two processes land.
  if (sysconf(_SC_NPROCESSORS_ONLN) >= 2) {
    cpu_set_t server_cpu, client_cpu;
    CPU_ZERO(&server_cpu);
    CPU_SET(1, &server_cpu);
    CPU_ZERO(&client_cpu);
    CPU_SET(0, &client_cpu);
    sched_setaffinity(server.pid(), sizeof server_cpu, &server_cpu);
    sched_setaffinity(0, sizeof client_cpu, &client_cpu);
  }

  asio::io_context ioc;
  const switchboard::clock& clk = system_clock_source::instance();
  store::redis_options ro;
  ro.host = server.host();
  ro.port = server.port();
  store::redis_client client(ioc.get_executor(), ro, clk);
  client.add_script(store::scripts::append());
  client.start();
  while (!client.ready()) ioc.run_one_for(std::chrono::milliseconds(50));

  store::key_layout keys("sb", 256);
  id_generator ids(clk);
  v1::StoreConfig cfg;
  cfg.set_dedupe_ttl_seconds(3600);
  cfg.set_reopen_window_seconds(3600);
  store::timeline_repository repo(client, keys, ids, clk, cfg);

  // Customers, each with an open conversation the appends go to in turn. With one (the default)
  // ours and the baseline run exactly the same commands on the same keys.
  std::vector<std::string> customers, convs;
  for (int c = 0; c < customer_count; ++c) {
    customers.push_back(ids.next());
    store::append_request open;
    open.customer_id = customers.back();
    open.mode = store::append_request::target::open_new;
    open.channel = v1::CHANNEL_WEB;
    open.event.mutable_message()->set_direction(v1::DIRECTION_INBOUND);
    open.event.mutable_message()->set_body("hello");
    std::optional<store::append_result> r;
    asio::co_spawn(ioc, repo.append(open), [&](std::exception_ptr, result<store::append_result> res) {
      if (res) r = *res;
    });
    ioc.restart();
    while (!r) ioc.run_one();
    convs.push_back(r->conversation_id);
  }

  // The raw baseline: the same script by SHA with the same keys and arguments as one append of
  // customer 0, the idempotency key randomised per call as ours are unique per call.
  const auto sample = request_for(customers[0], convs[0], 0);
  std::string event_bytes = [&] {
    auto ev = sample.event;
    ev.set_event_id(ids.next());
    ev.set_at_ms(clk.unix_ms());
    return ev.SerializeAsString();
  }();
  // argv cannot carry NUL bytes; a NUL-free stand-in of the same size keeps the work the same.
  std::replace(event_bytes.begin(), event_bytes.end(), '\0', ' ');
  const auto fx = store::effects_of(sample.event);
  const int group = keys.group_of_customer(customers[0]);
  std::vector<std::string> raw_args = {
      "EVALSHA", store::scripts::append().sha1, "8",
      keys.dedupe(customers[0], "r__rand_int__"), keys.timeline(customers[0]), keys.customer(customers[0]),
      keys.routing_requests(group), keys.fence(group), keys.active(group), keys.audit(group),
      keys.conversations_by_time(group),
      "existing", convs[0], customers[0], event_bytes, std::to_string(clk.unix_ms()), "r__rand_int__", "3600",
      "3600000", keys.conversation_prefix(customers[0])};
  // The state rules as the repository encodes them, up to the guard: "0", "-": no lease token, no
  // guard (argv cannot carry an empty argument through redis-benchmark, so no field operations).
  const auto encoded = store::encode_append_args(sample, fx);
  raw_args.insert(raw_args.end(), encoded.begin(), encoded.begin() + 7);
  raw_args[raw_args.size() - 2] = "0";

  // The baseline must do the same work: run its exact command once and refuse to go on if Redis
  // answers with an error (an error reply is much cheaper than the script).
  {
    std::vector<std::string_view> argv(raw_args.begin(), raw_args.end());
    std::optional<store::reply> check;
    client.exec(argv, [&](boost::system::error_code, store::reply r) { check = std::move(r); });
    ioc.restart();
    while (!check) ioc.run_one();
    if (check->is_error() || !check->is_array()) {
      std::cerr << "the baseline command fails: " << check->str << "\n";
      return 1;
    }
  }

  long key_base = 0;
  run_switchboard(ioc, repo, customers, convs, 16, std::min(total / 5, 20000L), key_base);  // warm-up

  struct row {
    int in_flight;
    figures ours, raw;
  };
  std::vector<row> rows;
  for (int k : {1, 16, 64}) {
    row r{k, run_switchboard(ioc, repo, customers, convs, k, total, key_base), {}};
    std::vector<std::string> cmd = {"redis-benchmark", "-h", server.host(), "-p", std::to_string(server.port()),
                                    "-c", "1", "-P", std::to_string(k), "-n", std::to_string(total),
                                    "-r", "1000000000", "--csv"};
    cmd.insert(cmd.end(), raw_args.begin(), raw_args.end());
    const long before = timeline_length(ioc, client, keys.timeline(customers[0]));
    r.raw = parse_csv(capture(cmd));
    const long stored = timeline_length(ioc, client, keys.timeline(customers[0])) - before;
    // A few random idempotency keys repeat (birthday collisions among 10^5 draws from 10^9, ~5
    // expected); more than 1% would mean the baseline is not doing real appends.
    if (stored < total - total / 100) {
      std::cerr << "warning: the baseline stored " << stored << " of " << total << " appends at " << k
                << " in flight (the rest were not real appends): its rate is not comparable\n";
    }
    rows.push_back(r);
  }
  client.stop();
  ioc.poll();
  server.stop();
  std::filesystem::remove_all(tmpl);

  if (json) {
    std::cout << "[";
    for (std::size_t i = 0; i < rows.size(); ++i) {
      const auto& r = rows[i];
      std::printf("%s{\"in_flight\":%d,\"appends_per_s\":%.0f,\"p50_ms\":%.3f,\"p99_ms\":%.3f,"
                  "\"raw_eval_per_s\":%.0f,\"raw_p50_ms\":%.3f,\"raw_p99_ms\":%.3f,\"ratio\":%.3f}",
                  i ? "," : "", r.in_flight, r.ours.per_second, r.ours.p50_ms, r.ours.p99_ms, r.raw.per_second,
                  r.raw.p50_ms, r.raw.p99_ms, r.raw.per_second > 0 ? r.ours.per_second / r.raw.per_second : 0);
    }
    std::cout << "]\n";
    return 0;
  }
  std::printf("append path vs raw EVALSHA (redis-benchmark -c 1 -P k), %ld appends each, %d customer(s), "
              "appendfsync %s\n", total, customer_count, fsync.c_str());
  std::printf("%9s | %14s %9s %9s | %14s %9s %9s | %6s\n", "in flight", "switchboard/s", "p50 ms", "p99 ms",
              "raw EVAL/s", "p50 ms", "p99 ms", "ratio");
  for (const auto& r : rows) {
    std::printf("%9d | %14.0f %9.3f %9.3f | %14.0f %9.3f %9.3f | %5.0f%%\n", r.in_flight, r.ours.per_second,
                r.ours.p50_ms, r.ours.p99_ms, r.raw.per_second, r.raw.p50_ms, r.raw.p99_ms,
                r.raw.per_second > 0 ? 100.0 * r.ours.per_second / r.raw.per_second : 0.0);
  }
  return 0;
}
