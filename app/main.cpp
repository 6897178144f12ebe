// The `switchboard` binary: one process, every role (ARCHITECTURE §1). Parses the command line
// (one table of commands, each with its own options and help) and turns start-up failures into one
// clear line on stderr and a non-zero exit: 2 for a bad command line, 3 for a bad config or
// scenario, 1 for anything else.

#include <boost/program_options.hpp>

#include <iostream>
#include <string>
#include <vector>

#include "app/serve.hpp"
#include "app/status.hpp"
#include "app/users.hpp"
#include "core/clock.hpp"
#include "core/config.hpp"
#include "gateway/auth/jwt.hpp"
#include "tools/sim/simulator.hpp"

namespace po = boost::program_options;

namespace {

constexpr const char* kDefaultConfig = "config/switchboard.yaml";

// `switchboard simulate`: a scenario file, or the one-queue shortcut.
int simulate(const po::variables_map& vm) {
  switchboard::v1::Scenario scenario;
  if (vm.count("scenario")) {
    switchboard::load_yaml_into(vm["scenario"].as<std::string>(), scenario);
  } else if (vm.count("agents") && vm.count("arrivals-per-hour") && vm.count("aht-seconds")) {
    scenario = switchboard::sim::one_queue(vm["agents"].as<int>(), vm["arrivals-per-hour"].as<double>(),
                                           vm["aht-seconds"].as<double>(), vm["target-seconds"].as<double>(),
                                           vm["hours"].as<double>(), vm["patience-seconds"].as<double>());
  } else {
    std::cerr << "switchboard simulate: give --scenario FILE, or --agents, --arrivals-per-hour and --aht-seconds\n";
    return 2;
  }
  const auto report = switchboard::sim::simulate(scenario, vm["seed"].as<std::uint64_t>());
  if (!vm.count("json")) {
    std::cout << switchboard::sim::to_text(report);
  } else if (vm.count("scenario")) {
    std::cout << switchboard::sim::to_json(report) << "\n";
  } else {
    // The shortcut prints the one queue's figures with the agents' occupancy in one object.
    const auto& q = report.queues.at(0);
    std::cout << "{\"service_level\":" << q.service_level << ",\"p_wait\":" << q.p_wait
              << ",\"asa_seconds\":" << q.asa_seconds << ",\"abandon_rate\":" << q.abandon_rate
              << ",\"occupancy\":" << report.groups.at(0).occupancy << ",\"arrivals\":" << q.arrivals
              << ",\"answered\":" << q.answered << ",\"offers_per_assignment\":" << report.offers_per_assignment
              << ",\"seed\":" << report.seed << "}\n";
  }
  return 0;
}

// `switchboard token`: a signed token for development, with the config's first key.
int token(const po::variables_map& vm) {
  if (!vm.count("role") || !vm.count("sub")) {
    std::cerr << "switchboard token: --role and --sub are required\n";
    return 2;
  }
  const std::string role = vm["role"].as<std::string>();
  if (role != "agent" && role != "lead" && role != "admin" && role != "customer") {
    std::cerr << "switchboard token: --role must be agent, lead, admin or customer\n";
    return 2;
  }
  const std::string config_path = vm["config"].as<std::string>();
  const auto cfg = switchboard::load_config(config_path, switchboard::process_env());
  if (cfg.auth().keys_size() == 0) {
    std::cerr << "switchboard token: " << config_path << " has no auth.keys to sign with\n";
    return 3;
  }
  switchboard::gateway::jwt_claims c;
  c.sub = vm["sub"].as<std::string>();
  c.role = role;
  if (vm.count("team")) c.teams = vm["team"].as<std::vector<std::string>>();
  c.iss = cfg.auth().issuer();
  c.aud = cfg.auth().audience();
  c.iat = switchboard::system_clock_source::instance().unix_ms() / 1000;
  c.exp = c.iat + vm["ttl"].as<std::int64_t>();
  const auto& k = cfg.auth().keys(0);
  std::cout << switchboard::gateway::sign_jwt(c, {k.kid(), k.secret()}) << "\n";
  return 0;
}

int serve(const po::variables_map& vm) {
  switchboard::app::serve_options o;
  o.config_path = vm["config"].as<std::string>();
  o.which = switchboard::app::parse_roles(vm["roles"].as<std::string>());
  if (vm.count("listen")) o.listen = switchboard::app::parse_listen(vm["listen"].as<std::string>());
  if (vm.count("smtp-listen")) o.smtp_listen = switchboard::app::parse_listen(vm["smtp-listen"].as<std::string>(), "--smtp-listen");
  if (vm.count("data-dir")) o.data_dir = vm["data-dir"].as<std::string>();
  if (vm.count("data-dir") && o.data_dir.empty()) throw switchboard::app::option_error("--data-dir: give a folder");
  return switchboard::app::serve(o);
}

int users(const po::variables_map& vm) {
  switchboard::app::users_options o;
  o.config_path = vm["config"].as<std::string>();
  if (vm.count("data-dir")) o.data_dir = vm["data-dir"].as<std::string>();
  if (vm.count("argument")) o.args = vm["argument"].as<std::vector<std::string>>();
  o.role = vm["role"].as<std::string>();
  if (vm.count("team")) o.teams = vm["team"].as<std::vector<std::string>>();
  if (vm.count("name")) o.name = vm["name"].as<std::string>();
  return switchboard::app::users(o);
}

int status(const po::variables_map& vm) {
  switchboard::app::status_options o;
  o.config_path = vm["config"].as<std::string>();
  if (vm.count("data-dir")) o.data_dir = vm["data-dir"].as<std::string>();
  return switchboard::app::status(o);
}

int check_config(const po::variables_map& vm) {
  switchboard::load_config(vm["config"].as<std::string>(), switchboard::process_env());
  return 0;
}

int version(const po::variables_map&) {
  std::cout << "switchboard 0.1.0\n";
  return 0;
}

void config_option(po::options_description& d) {
  d.add_options()("config,c", po::value<std::string>()->default_value(kDefaultConfig)->value_name("FILE"),
                  "the config file (YAML; its schema is proto/config.proto)");
}

void serve_options(po::options_description& d) {
  config_option(d);
  d.add_options()("roles", po::value<std::string>()->default_value("gateway,router,outbox")->value_name("LIST"),
                  "the roles of this process: gateway (HTTP and WebSocket), router, outbox (replies to messaging channels)")(
      "listen", po::value<std::string>()->value_name("HOST:PORT"),
      "listen here instead of at server.listen_address and server.http_port: an IP address (IPv6 in "
      "brackets, [::1]:8080) and a port, 0 for a free one (the log says which)")(
      "smtp-listen", po::value<std::string>()->value_name("HOST:PORT"),
      "take mail here instead of at channels.email.smtp_listen (the same form as --listen)")(
      "data-dir", po::value<std::string>()->value_name("DIR"),
      "the folder this process writes to, made if missing: the embedded redis-server keeps its data in "
      "DIR/redis instead of redis.embedded.data_dir. Give each instance on one machine its own");
}

void simulate_options(po::options_description& d) {
  d.add_options()("scenario", po::value<std::string>()->value_name("FILE"), "the scenario (YAML, proto/scenario.proto)")(
      "seed", po::value<std::uint64_t>()->default_value(1)->value_name("N"), "the random seed (same seed, same run)")(
      "json", "print JSON instead of text")("agents", po::value<int>()->value_name("C"), "one-queue shortcut: agents")(
      "arrivals-per-hour", po::value<double>()->value_name("L"), "one-queue shortcut: arrivals per hour")(
      "aht-seconds", po::value<double>()->value_name("S"), "one-queue shortcut: average handle time")(
      "target-seconds", po::value<double>()->default_value(20)->value_name("T"),
      "one-queue shortcut: service-level target")(
      "hours", po::value<double>()->default_value(8)->value_name("H"), "one-queue shortcut: simulated hours")(
      "patience-seconds", po::value<double>()->default_value(0)->value_name("P"),
      "one-queue shortcut: mean patience (0: customers never leave)");
}

void token_options(po::options_description& d) {
  d.add_options()("role", po::value<std::string>()->value_name("ROLE"), "agent, lead, admin or customer (required)")(
      "sub", po::value<std::string>()->value_name("ID"), "the subject: the agent's or customer's id (required)")(
      "team", po::value<std::vector<std::string>>()->composing()->value_name("T"), "a team (repeat for several)")(
      "ttl", po::value<std::int64_t>()->default_value(3600)->value_name("SECONDS"), "the token's lifetime");
  config_option(d);
}

void users_options(po::options_description& d) {
  d.add_options()("role", po::value<std::string>()->default_value("agent")->value_name("ROLE"),
                  "add: agent, lead or admin")(
      "team", po::value<std::vector<std::string>>()->composing()->value_name("T"), "add: a team (repeat for several)")(
      "name", po::value<std::string>()->value_name("NAME"), "add: the name the pages show (default: the id)")(
      "data-dir", po::value<std::string>()->value_name("DIR"),
      "the data folder of the `serve` whose embedded Redis to use, as given to serve --data-dir");
  config_option(d);
}

void status_options(po::options_description& d) {
  d.add_options()("data-dir", po::value<std::string>()->value_name("DIR"),
                  "the data folder of the `serve` whose embedded Redis to read, as given to serve --data-dir");
  config_option(d);
}

void no_options(po::options_description&) {}

struct command {
  const char* name;
  const char* synopsis;  // the command and its options; a line starting with spaces continues the one before
  const char* summary;
  void (*options)(po::options_description&);
  int (*run)(const po::variables_map&);
  bool takes_arguments = false;  // words after the command (an action, an id) go to `argument`
};

const std::vector<command>& commands() {
  static const std::vector<command> all = {
      {"serve", "serve [--config FILE] [--roles gateway,router,outbox] [--listen HOST:PORT] [--smtp-listen HOST:PORT] [--data-dir DIR]",
       "run the server: HTTP, WebSocket and SMTP (role gateway), routing (role router), replies out (role outbox)", serve_options, serve},
      {"check-config", "check-config [--config FILE]", "load and check the config; print nothing if it is valid",
       config_option, check_config},
      {"simulate",
       "simulate --scenario FILE.yaml [--seed N] [--json]\n"
       "simulate --agents C --arrivals-per-hour L --aht-seconds S [--target-seconds T] [--hours H]\n"
       "         [--patience-seconds P] [--seed N] [--json]",
       "run a contact-centre simulation: a scenario file, or the one-queue shortcut", simulate_options, simulate},
      {"token", "token --role agent|lead|admin|customer --sub ID [--team T]... [--ttl SECONDS] [--config FILE]",
       "mint a token signed with the config's first key (for development)", token_options, token},
      {"users",
       "users add ID [--role agent|lead|admin] [--team T]... [--name NAME]\n"
       "users passwd ID | users disable ID | users enable ID | users list\n"
       "      [--config FILE] [--data-dir DIR]   (a password is read from the terminal or stdin)",
       "manage the people who sign in to the desk and the console", users_options, users, true},
      {"status", "status [--config FILE] [--data-dir DIR]",
       "print the Redis in use and its replicas, the router lease's holder, and each queue's conversations",
       status_options, status},
      {"version", "version", "print the version", no_options, version},
  };
  return all;
}

const command* find_command(const std::string& name) {
  for (const auto& c : commands()) {
    if (name == c.name) return &c;
  }
  return nullptr;
}

// The synopsis, its first line after `first`, the others after `more` (or under it, when they
// continue the line before).
void print_synopsis(std::ostream& out, const command& c, const std::string& first, const std::string& more) {
  const std::string text = c.synopsis;
  std::size_t start = 0;
  while (start < text.size()) {
    auto end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    const std::string line = text.substr(start, end - start);
    if (start == 0) out << first;
    else if (line.front() == ' ') out << std::string(more.size(), ' ');  // a continued line
    else out << more;
    out << line << "\n";
    start = end + 1;
  }
}

void print_usage(std::ostream& out) {
  out << "usage: switchboard <command> [options]\n\ncommands:\n";
  for (const auto& c : commands()) {
    print_synopsis(out, c, "  ", "  ");
    out << "      " << c.summary << "\n";
  }
  out << "  help [COMMAND]\n      this list, or a command's options\n\n"
         "`switchboard <command> --help` lists a command's options.\n";
}

po::options_description options_of(const command& c) {
  po::options_description d("options");
  c.options(d);
  d.add_options()("help,h", "print this help and exit");
  return d;
}

void print_command_help(std::ostream& out, const command& c) {
  print_synopsis(out, c, "usage: switchboard ", "       switchboard ");
  out << c.summary << "\n\n" << options_of(c);
}

// Runs a command; exceptions become one line and an exit code.
int run(const command& c, const po::variables_map& vm) {
  try {
    return c.run(vm);
  } catch (const switchboard::app::option_error& e) {
    std::cerr << "switchboard " << c.name << ": " << e.what() << "\n";
    return 2;
  } catch (const switchboard::config_error& e) {
    std::cerr << "switchboard: bad config: " << e.what() << "\n";
    return 3;
  } catch (const std::invalid_argument& e) {
    std::cerr << "switchboard: bad scenario: " << e.what() << "\n";
    return 3;
  } catch (const std::exception& e) {
    std::cerr << "switchboard: " << e.what() << "\n";
    return 1;
  }
}

// `switchboard`, `switchboard --help`, `switchboard help [COMMAND]`, or a misspelt command.
int top_level(int argc, char** argv) {
  const std::string first = argc < 2 ? "" : argv[1];
  const bool help = first == "--help" || first == "-h" || first == "help";
  const std::string topic = help && argc >= 3 ? argv[2] : "";
  if (help && (argc <= 2 || (argc == 3 && (topic == "--help" || topic == "-h")))) {
    print_usage(std::cout);
    return 0;
  }
  if (help && argc == 3 && find_command(topic)) {
    print_command_help(std::cout, *find_command(topic));
    return 0;
  }
  if (argc < 2) {
    std::cerr << "switchboard: no command given\n";
  } else if (help && !find_command(topic)) {
    std::cerr << "switchboard " << first << ": unknown command '" << topic << "'\n";
  } else if (help) {
    std::cerr << "switchboard " << first << ": unexpected argument '" << argv[3] << "'\n";
  } else if (first.rfind('-', 0) == 0) {
    std::cerr << "switchboard: unknown option '" << first << "' (options go after the command)\n";
  } else {
    std::cerr << "switchboard: unknown command '" << first << "'\n";
  }
  print_usage(std::cerr);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  const command* c = argc >= 2 ? find_command(argv[1]) : nullptr;
  if (!c) return top_level(argc, argv);
  auto opts = options_of(*c);
  po::options_description hidden;
  hidden.add_options()("argument", po::value<std::vector<std::string>>());
  po::options_description all;
  all.add(opts).add(hidden);
  po::positional_options_description positional;
  positional.add("argument", -1);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc - 1, argv + 1).options(all).positional(positional).run(), vm);
    po::notify(vm);
    if (vm.count("argument") && !c->takes_arguments) {
      throw po::error("unexpected argument '" + vm["argument"].as<std::vector<std::string>>().front() + "'");
    }
  } catch (const po::error& e) {
    std::cerr << "switchboard " << c->name << ": " << e.what() << "\n";
    print_synopsis(std::cerr, *c, "usage: switchboard ", "       switchboard ");
    std::cerr << "(`switchboard " << c->name << " --help` lists its options)\n";
    return 2;
  }
  if (vm.count("help")) {
    print_command_help(std::cout, *c);
    return 0;
  }
  return run(*c, vm);
}
