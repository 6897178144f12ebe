#pragma once
// bench/ws_load's side of the processes it measures: starting and stopping them, their CPU time
// and resident memory (with their children, from /proc), and the HTTP and WebSocket checks it
// waits on. Only ws_load uses this.

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace ws_load {

// A child process, stopped (SIGTERM, then SIGKILL after 10 s) when this goes.
struct child {
  pid_t pid = -1;
  void stop();
  ~child() { stop(); }
};

// Starts argv[0] with its output in `log`; it dies with this process (PR_SET_PDEATHSIG).
void spawn(child& c, const std::vector<std::string>& argv, const std::string& log);
// CPU seconds (user + system) of a process and its children.
double cpu_seconds(pid_t pid);
// Resident memory of a process and its children, KiB.
long rss_kib(pid_t pid);
// GET on loopback: the status and the body (status 0 if nothing answered).
std::pair<int, std::string> http_get(int port, const std::string& target);
bool http_ok(int port, const std::string& target);
// The gateway's fine dwell histogram from GET /metrics/dwell: counts per bucket, in latency_histogram's order.
std::vector<std::uint64_t> dwell_counts(int port);
// Whether a WebSocket handshake on `path` succeeds (nchan answers 503 until it reached Redis).
bool ws_ok(int port, const std::string& path);
// Polls `ok` every 20 ms; throws after `limit`.
void wait_until(const std::function<bool()>& ok, const std::string& what, std::chrono::seconds limit);

}  // namespace ws_load
