#pragma once
// A private redis-server child process on loopback: the embedded default of `serve` and the real
// Redis of every integration test. Picks a free port, keeps data and the AOF in `dir` (which
// survives restarts), waits until the server answers PING, and stops it (SIGTERM, then SIGKILL
// after a grace period) on stop() or destruction. The child also dies with its parent
// (PR_SET_PDEATHSIG), so a crashed test leaves no server behind.
//
// Start-up code: blocking, may throw std::runtime_error with one clear line. Not thread-safe.

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace switchboard::store {

struct redis_process_options {
  std::string binary = "redis-server";
  std::string dir;                       // data folder; created if missing
  std::string appendfsync = "everysec";  // always | everysec | no
  int aof_rewrite_min_mb = 512;          // auto-aof-rewrite-min-size
  int port = 0;                          // 0: pick a free one
  std::vector<std::string> extra_args;   // more "--name value" pairs (e.g. --cluster-enabled yes)
  std::chrono::milliseconds start_timeout{5000};
};

class redis_process {
 public:
  explicit redis_process(redis_process_options opts);
  ~redis_process();
  redis_process(const redis_process&) = delete;
  redis_process& operator=(const redis_process&) = delete;

  // Starts the server and waits until it answers. Throws std::runtime_error.
  void start();
  // SIGTERM (Redis writes its AOF and exits), SIGKILL after `grace`. Idempotent.
  void stop(std::chrono::milliseconds grace = std::chrono::milliseconds(5000));
  // SIGKILL at once: a crash, for tests of what survives.
  void kill();
  bool running() const noexcept { return pid_ > 0; }

  int port() const noexcept { return port_; }
  pid_t pid() const noexcept { return pid_; }
  const std::string& host() const noexcept { return host_; }
  const std::string& dir() const noexcept { return opts_.dir; }

 private:
  void wait_until_answering();

  redis_process_options opts_;
  std::string host_ = "127.0.0.1";
  int port_ = 0;
  pid_t pid_ = -1;
};

// A TCP port on 127.0.0.1 that was free a moment ago (bind to port 0, read it back, close).
int pick_free_port();

}  // namespace switchboard::store
