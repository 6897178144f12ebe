#include "store/redis_process.hpp"

#include <arpa/inet.h>
#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <thread>
#include <vector>

namespace switchboard::store {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

int pick_free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ::close(fd);
    throw std::runtime_error(std::string("cannot find a free port: ") + std::strerror(errno));
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

redis_process::redis_process(redis_process_options opts) : opts_(std::move(opts)) {}

redis_process::~redis_process() { stop(); }

void redis_process::start() {
  if (running()) return;
  std::error_code ec;
  fs::create_directories(opts_.dir, ec);
  if (ec) throw std::runtime_error("redis data folder " + opts_.dir + ": " + ec.message());
  const std::string dir = fs::absolute(opts_.dir).string();
  port_ = opts_.port != 0 ? opts_.port : pick_free_port();

  std::vector<std::string> args = {opts_.binary,
                                   "--bind", host_,
                                   "--port", std::to_string(port_),
                                   "--dir", dir,
                                   "--appendonly", "yes",
                                   "--appendfsync", opts_.appendfsync,
                                   "--save", "",
                                   "--auto-aof-rewrite-min-size", std::to_string(opts_.aof_rewrite_min_mb) + "mb",
                                   "--daemonize", "no",
                                   "--protected-mode", "yes",
                                   "--logfile", dir + "/redis.log",
                                   "--pidfile", ""};
  args.insert(args.end(), opts_.extra_args.begin(), opts_.extra_args.end());
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  const pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    // Child: die with the parent, then become redis-server.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    ::execvp(argv[0], argv.data());
    ::_exit(127);
  }
  pid_ = pid;
  try {
    wait_until_answering();
  } catch (...) {
    kill();
    throw;
  }
}

void redis_process::wait_until_answering() {
  const auto deadline = std::chrono::steady_clock::now() + opts_.start_timeout;
  for (;;) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("redis-server (" + opts_.binary + ") exited at start with status " +
                               std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1) + "; see " + opts_.dir +
                               "/redis.log");
    }
    timeval tv{0, 200'000};
    if (redisContext* c = redisConnectWithTimeout(host_.c_str(), port_, tv)) {
      bool ok = false;
      if (!c->err) {
        if (auto* r = static_cast<redisReply*>(redisCommand(c, "PING"))) {
          ok = r->type == REDIS_REPLY_STATUS;  // not "LOADING": the AOF is read
          freeReplyObject(r);
        }
      }
      redisFree(c);
      if (ok) return;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      throw std::runtime_error("redis-server did not answer on " + host_ + ":" + std::to_string(port_) + " within " +
                               std::to_string(opts_.start_timeout.count()) + " ms");
    }
    std::this_thread::sleep_for(20ms);  // start-up poll, bounded by the deadline above
  }
}

void redis_process::stop(std::chrono::milliseconds grace) {
  if (!running()) return;
  ::kill(pid_, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + grace;
  while (std::chrono::steady_clock::now() < deadline) {
    if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
      pid_ = -1;
      return;
    }
    std::this_thread::sleep_for(10ms);
  }
  kill();
}

void redis_process::kill() {
  if (!running()) return;
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

}  // namespace switchboard::store
