#include "bench/ws_load_processes.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "core/latency_histogram.hpp"

namespace ws_load {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using steady = std::chrono::steady_clock;
using switchboard::latency_histogram;

namespace {

// The fields of /proc/<pid>/stat after the command name (which may hold spaces): state, ppid, ...
// False when the process is gone.
bool stat_fields(const std::filesystem::path& stat, std::istringstream& rest) {
  std::ifstream in(stat);
  std::string s((std::istreambuf_iterator<char>(in)), {});
  const auto close = s.rfind(')');
  if (close == std::string::npos) return false;
  rest.str(s.substr(close + 2));
  return true;
}

// A process and its live children (nginx's workers).
std::vector<pid_t> family(pid_t pid) {
  std::vector<pid_t> out{pid};
  for (const auto& e : std::filesystem::directory_iterator("/proc")) {
    const auto name = e.path().filename().string();
    if (name.empty() || !std::isdigit(static_cast<unsigned char>(name[0]))) continue;
    std::istringstream rest;
    if (!stat_fields(e.path() / "stat", rest)) continue;
    std::string state;
    pid_t ppid = 0;
    rest >> state >> ppid;
    if (ppid == pid) out.push_back(std::stoi(name));
  }
  return out;
}

}  // namespace

void child::stop() {
  if (pid <= 0) return;
  ::kill(pid, SIGTERM);
  for (int i = 0; i < 200; ++i) {  // up to 10 s
    if (::waitpid(pid, nullptr, WNOHANG) == pid) {
      pid = -1;
      return;
    }
    ::usleep(50'000);
  }
  ::kill(pid, SIGKILL);
  ::waitpid(pid, nullptr, 0);
  pid = -1;
}

void spawn(child& c, const std::vector<std::string>& argv, const std::string& log) {
  const pid_t parent = ::getpid();
  c.pid = ::fork();
  if (c.pid < 0) throw std::runtime_error("fork failed");
  if (c.pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(1);
    std::FILE* f = std::fopen(log.c_str(), "w");
    if (f) {
      ::dup2(fileno(f), 1);
      ::dup2(fileno(f), 2);
    }
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execvp(args[0], args.data());
    ::_exit(127);
  }
}

// utime + stime of a process and its children, in seconds.
double cpu_seconds(pid_t pid) {
  double total = 0;
  for (pid_t p : family(pid)) {
    std::istringstream rest;
    if (!stat_fields("/proc/" + std::to_string(p) + "/stat", rest)) continue;
    std::string field;
    double ticks = 0;
    for (int i = 3; i <= 15 && rest >> field; ++i) {
      if (i == 14 || i == 15) ticks += std::stod(field);
    }
    total += ticks / static_cast<double>(::sysconf(_SC_CLK_TCK));
  }
  return total;
}

// Resident memory of a process and its children, KiB.
long rss_kib(pid_t pid) {
  long total = 0;
  for (pid_t p : family(pid)) {
    std::ifstream in("/proc/" + std::to_string(p) + "/status");
    std::string line;
    while (std::getline(in, line)) {
      if (line.rfind("VmRSS:", 0) == 0) total += std::stol(line.substr(6));
    }
  }
  return total;
}

// GET on loopback: the status and the body (status 0 if nothing answered).
std::pair<int, std::string> http_get(int port, const std::string& target) {
  try {
    asio::io_context ioc;
    beast::tcp_stream s(ioc);
    s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)));
    http::request<http::empty_body> req(http::verb::get, target, 11);
    req.set(http::field::host, "127.0.0.1");
    http::write(s, req);
    beast::flat_buffer b;
    http::response<http::string_body> res;
    http::read(s, b, res);
    return {res.result_int(), res.body()};
  } catch (...) {
    return {0, {}};
  }
}

bool http_ok(int port, const std::string& target) { return http_get(port, target).first == 200; }

// The gateway's fine dwell histogram from GET /metrics/dwell: counts per bucket (latency_histogram's buckets,
// in order), from the cumulative Prometheus lines.
std::vector<std::uint64_t> dwell_counts(int port) {
  const auto [status, body] = http_get(port, "/metrics/dwell");
  if (status != 200) throw std::runtime_error("GET /metrics/dwell answered " + std::to_string(status));
  std::vector<std::uint64_t> counts;
  std::uint64_t previous = 0;
  std::istringstream in(body);
  std::string line;
  const std::string prefix = "switchboard_gateway_dwell_seconds_bucket{le=\"";
  while (std::getline(in, line)) {
    if (line.rfind(prefix, 0) != 0 || line.find("+Inf") != std::string::npos) continue;
    const auto cumulative = std::stoull(line.substr(line.rfind(' ') + 1));
    counts.push_back(cumulative - previous);
    previous = cumulative;
  }
  if (counts.size() != static_cast<std::size_t>(latency_histogram::kBuckets)) throw std::runtime_error("unexpected /metrics/dwell");
  return counts;
}

// Whether a WebSocket handshake on `path` succeeds (nchan answers 503 until it reached Redis).
bool ws_ok(int port, const std::string& path) {
  try {
    asio::io_context ioc;
    websocket::stream<beast::tcp_stream> ws(ioc);
    beast::get_lowest_layer(ws).connect(
        tcp::endpoint(asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)));
    ws.handshake("127.0.0.1", path);
    ws.close(websocket::close_code::normal);
    return true;
  } catch (...) {
    return false;
  }
}

void wait_until(const std::function<bool()>& ok, const std::string& what, std::chrono::seconds limit) {
  const auto deadline = steady::now() + limit;
  while (!ok()) {
    if (steady::now() > deadline) throw std::runtime_error("timed out waiting for " + what);
    ::usleep(20'000);
  }
}

}  // namespace ws_load
