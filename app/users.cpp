#include "app/users.hpp"

#include <termios.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <filesystem>
#include <iostream>

#include "app/command_redis.hpp"
#include "app/serve.hpp"
#include "core/password.hpp"
#include "store/keys.hpp"
#include "store/people.hpp"

namespace switchboard::app {

namespace asio = boost::asio;

namespace {

constexpr std::size_t kMinPassword = 8;

std::string read_line_quietly(const std::string& prompt) {
  std::cerr << prompt << std::flush;
  termios before{};
  const bool tty = ::isatty(STDIN_FILENO) && ::tcgetattr(STDIN_FILENO, &before) == 0;
  if (tty) {
    termios quiet = before;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  }
  std::string line;
  std::getline(std::cin, line);
  if (tty) {
    ::tcsetattr(STDIN_FILENO, TCSANOW, &before);
    std::cerr << "\n";
  }
  return line;
}

// A new password: typed twice on a terminal, else the first line of standard input.
std::string new_password(const std::string& id) {
  const bool tty = ::isatty(STDIN_FILENO);
  std::string pw = tty ? read_line_quietly("new password for " + id + ": ") : read_line_quietly("");
  if (pw.size() < kMinPassword) throw option_error("the password must be at least 8 characters");
  if (tty && read_line_quietly("again: ") != pw) throw option_error("the two passwords differ");
  return pw;
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ",") + s;
  return out;
}

// The action, against a connected repository; prints what it did.
asio::awaitable<void> act(store::people_repository& people, const users_options& o, const std::string& password) {
  const std::string& action = o.args[0];
  const std::string id = o.args.size() > 1 ? o.args[1] : std::string();
  if (action == "list") {
    auto all = co_await people.list();
    if (!all) throw std::runtime_error("cannot read the people: " + all.error().message());
    for (const auto& u : *all) {
      std::cout << u.id << "\t" << u.role << "\t" << join(u.teams) << "\t" << u.display_name
                << (u.disabled ? "\tdisabled" : "") << (u.dev ? "\tdevelopment" : "") << "\n";
    }
    co_return;
  }
  auto now = co_await people.get(id);
  if (!now && now.error() != errc::not_found) throw std::runtime_error("cannot read '" + id + "': " + now.error().message());
  if (action == "add" && now) throw option_error("'" + id + "' exists already (change the password with `users passwd`)");
  if (action != "add" && !now) throw option_error("no one is called '" + id + "'");
  result<void> done;
  if (action == "add" || action == "passwd") {
    store::user_record u = now ? *now : store::user_record{};
    if (action == "add") {
      u.id = id;
      u.role = o.role;
      u.teams = o.teams;
      u.display_name = o.name.empty() ? id : o.name;
    }
    u.password_hash = hash_password(password);
    u.dev = false;
    done = co_await people.put(u);
  } else {
    done = co_await people.set_disabled(id, action == "disable");
  }
  if (!done) throw std::runtime_error("cannot write '" + id + "': " + done.error().message());
  std::cout << (action == "add" ? "added " : action == "passwd" ? "password changed for " : action + "d ") << id << "\n";
}

void check_arguments(const users_options& o) {
  static const std::vector<std::string> actions = {"add", "passwd", "disable", "enable", "list"};
  if (o.args.empty() || std::find(actions.begin(), actions.end(), o.args[0]) == actions.end()) {
    throw option_error("give an action: add, passwd, disable, enable or list");
  }
  const std::size_t want = o.args[0] == "list" ? 1 : 2;
  if (o.args.size() != want) throw option_error(o.args[0] + (want == 1 ? ": takes no id" : ": give one person's id"));
  if (want == 2 && !store::valid_user_id(o.args[1])) {
    throw option_error("'" + o.args[1] + "' cannot be an id: 1-64 of A-Z a-z 0-9 . _ @ -");
  }
  if (o.role != "agent" && o.role != "lead" && o.role != "admin") throw option_error("--role: agent, lead or admin");
}

}  // namespace

int users(const users_options& o) {
  spdlog::set_level(spdlog::level::warn);  // a command prints its result, not the client's log
  check_arguments(o);
  const v1::Config cfg = load_config(o.config_path, process_env());
  const std::string password = o.args[0] == "add" || o.args[0] == "passwd" ? new_password(o.args[1]) : std::string();
  command_redis redis(cfg, o.data_dir, "users");
  const store::key_layout keys(cfg.store().key_prefix(), cfg.store().shard_groups());
  store::people_repository people(redis.redis(), keys, system_clock_source::instance());
  redis.run([&] { return act(people, o, password); });
  return 0;
}

}  // namespace switchboard::app
