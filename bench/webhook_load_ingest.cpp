// bench/webhook_load's ingest side: the fixture's WhatsApp body made into distinct signed
// messages, posted over keep-alive connections (net::https_client, one per connection, so each
// keeps its one connection), and append_bench's rates read from a child process.

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <sys/resource.h>

#include "bench/webhook_load.hpp"
#include "bench/ws_load_processes.hpp"
#include "channels/signature.hpp"
#include "net/https_client.hpp"

namespace webhook_load {

namespace asio = boost::asio;
namespace json = boost::json;
using steady = std::chrono::steady_clock;

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  auto k = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1));
  std::nth_element(v.begin(), v.begin() + static_cast<long>(k), v.end());
  return v[k];
}

double own_cpu_seconds() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  auto s = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return s(u.ru_utime) + s(u.ru_stime);
}

std::vector<signed_post> make_posts(const std::string& fixture, const std::string& run, long first, long count,
                                    long senders, long long sender_base) {
  std::ifstream in(fixture);
  if (!in) throw std::runtime_error("cannot read the fixture " + fixture);
  std::stringstream text;
  text << in.rdbuf();
  const json::value shape = json::parse(text.str()).at("text");  // pywa's named bodies: the text message
  const auto now = std::to_string(std::time(nullptr));
  std::vector<signed_post> out;
  out.reserve(static_cast<std::size_t>(count));
  for (long i = first; i < first + count; ++i) {
    json::value v = shape;
    auto& value = v.at("entry").at(0).at("changes").at(0).at("value").as_object();
    const std::string from = std::to_string(sender_base + i % senders);
    value.at("contacts").at(0).as_object()["wa_id"] = from;
    auto& m = value.at("messages").at(0).as_object();
    m["from"] = from;
    m["id"] = "wamid." + run + "." + std::to_string(i);
    m["timestamp"] = now;
    m["text"].as_object()["body"] = "Where is my order? It was due on Tuesday (message " + std::to_string(i) + ")";
    signed_post p;
    p.body = json::serialize(v);
    p.signature = switchboard::channels::meta_signature(kAppSecret, p.body);
    out.push_back(std::move(p));
  }
  return out;
}

load_figures post_all(asio::io_context& ioc, int port, int connections, const std::vector<signed_post>& posts,
                      std::chrono::seconds limit, pid_t server, pid_t redis) {
  load_figures f;
  std::vector<double> latency_ms;
  latency_ms.reserve(posts.size());
  std::size_t next = 0;
  int lanes_done = 0;
  const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/v1/webhooks/whatsapp/main";
  const auto deadline = steady::now() + limit;
  std::vector<std::unique_ptr<switchboard::net::https_client>> clients;
  for (int i = 0; i < connections; ++i) {
    clients.push_back(std::make_unique<switchboard::net::https_client>(ioc.get_executor(), "", std::chrono::seconds(30)));
  }
  auto lane = [&](switchboard::net::https_client& client) -> asio::awaitable<void> {
    while (next < posts.size() && steady::now() < deadline) {
      const signed_post& p = posts[next++];
      switchboard::net::https_request req;  // field by field (GCC 12 and braced lists of strings in coroutines)
      req.url = url;
      req.headers.emplace_back("X-Hub-Signature-256", p.signature);
      req.content_type = "application/json";
      req.body = p.body;
      const auto t0 = steady::now();
      const auto reply = co_await client.send(std::move(req));
      latency_ms.push_back(std::chrono::duration<double, std::milli>(steady::now() - t0).count());
      ++f.requests;
      if (reply.status == 200 && reply.body.find("\"stored\":1,") != std::string::npos) {
        ++f.stored;
      } else if (reply.status == 200) {
        ++f.not_stored;
        if (f.first_failure.empty()) f.first_failure = "200 " + reply.body;
      } else {
        ++f.failed;
        if (f.first_failure.empty()) f.first_failure = std::to_string(reply.status) + " " + reply.body + reply.error;
      }
    }
    ++lanes_done;
  };
  const double server0 = ws_load::cpu_seconds(server), redis0 = ws_load::cpu_seconds(redis), client0 = own_cpu_seconds();
  const auto start = steady::now();
  for (auto& c : clients) asio::co_spawn(ioc, lane(*c), asio::detached);
  ioc.restart();
  // Bounded: each request times out after 30 s, and no request starts after the deadline.
  while (lanes_done < connections) ioc.run_one_for(std::chrono::milliseconds(100));
  f.seconds = std::chrono::duration<double>(steady::now() - start).count();
  f.server_cpu = ws_load::cpu_seconds(server) - server0;
  f.redis_cpu = ws_load::cpu_seconds(redis) - redis0;
  f.client_cpu = own_cpu_seconds() - client0;
  f.per_second = static_cast<double>(f.requests) / f.seconds;
  for (const auto& p : posts) f.body_bytes += static_cast<double>(p.body.size());
  f.body_bytes /= static_cast<double>(std::max<std::size_t>(1, posts.size()));
  f.p50_ms = percentile(latency_ms, 0.50);
  f.p99_ms = percentile(latency_ms, 0.99);
  f.max_ms = latency_ms.empty() ? 0 : *std::max_element(latency_ms.begin(), latency_ms.end());
  clients.clear();
  ioc.restart();
  ioc.poll();
  return f;
}

std::vector<append_row> run_append_bench(const std::string& exe, long appends, int customers) {
  const std::string cmd = "'" + exe + "' --appends " + std::to_string(appends) + " --customers " +
                          std::to_string(customers) + " --json";
  std::FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) throw std::runtime_error("cannot run " + cmd);
  std::string out;
  char buf[4096];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
  if (::pclose(p) != 0) throw std::runtime_error(cmd + " failed: " + out);
  std::vector<append_row> rows;
  // Its log lines (the Redis link's) come first on stdout; the figures are the JSON array.
  const auto figures = out.find("[{");
  if (figures == std::string::npos) throw std::runtime_error(cmd + " printed no figures: " + out);
  const json::value parsed = json::parse(out.substr(figures));
  for (const auto& r : parsed.as_array()) {
    append_row a;
    a.in_flight = static_cast<int>(r.at("in_flight").to_number<double>());
    a.per_second = r.at("appends_per_s").to_number<double>();
    a.p50_ms = r.at("p50_ms").to_number<double>();
    a.p99_ms = r.at("p99_ms").to_number<double>();
    a.raw_per_second = r.at("raw_eval_per_s").to_number<double>();
    rows.push_back(a);
  }
  return rows;
}

}  // namespace webhook_load
