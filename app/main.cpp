// The `switchboard` binary: one process, every role (ARCHITECTURE §1). Parses the command line and
// turns start-up failures into one clear line on stderr and a non-zero exit.

#include <boost/program_options.hpp>

#include <iostream>
#include <string>

#include "app/serve.hpp"
#include "core/clock.hpp"
#include "core/config.hpp"
#include "gateway/auth/jwt.hpp"
#include "tools/sim/simulator.hpp"

namespace po = boost::program_options;

namespace {

constexpr const char* kUsage =
    "usage: switchboard <command> [options]\n"
    "commands:\n"
    "  serve [--config FILE] [--roles gateway,router]\n"
    "                          run the server (default config: config/switchboard.yaml; both roles)\n"
    "  check-config [--config FILE]   load the config, print nothing if it is valid\n"
    "  simulate --scenario FILE.yaml [--seed N] [--json]   run a contact-centre simulation\n"
    "  simulate --agents C --arrivals-per-hour L --aht-seconds S --target-seconds T --hours H\n"
    "           [--patience-seconds P] [--seed N] [--json]      the one-queue shortcut\n"
    "  token --role agent|lead|admin|customer --sub ID [--team T]... [--ttl SECONDS] [--config FILE]\n"
    "                          mint a token with the config's first key (for development)\n"
    "  version                 print the version\n";

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
int token(const po::variables_map& vm, const std::string& config_path) {
  if (!vm.count("role") || !vm.count("sub")) {
    std::cerr << "switchboard token: --role and --sub are required\n";
    return 2;
  }
  const std::string role = vm["role"].as<std::string>();
  if (role != "agent" && role != "lead" && role != "admin" && role != "customer") {
    std::cerr << "switchboard token: --role must be agent, lead, admin or customer\n";
    return 2;
  }
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

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << kUsage;
    return 2;
  }
  const std::string command = argv[1];
  po::options_description opts("options");
  opts.add_options()("config,c", po::value<std::string>()->default_value("config/switchboard.yaml"), "config file")(
      "help,h", "this help")("scenario", po::value<std::string>(), "simulator scenario (YAML)")(
      "seed", po::value<std::uint64_t>()->default_value(1), "simulator seed")("json", "print JSON")(
      "agents", po::value<int>(), "one-queue shortcut: agents")(
      "arrivals-per-hour", po::value<double>(), "one-queue shortcut: arrivals per hour")(
      "aht-seconds", po::value<double>(), "one-queue shortcut: average handle time")(
      "target-seconds", po::value<double>()->default_value(20), "one-queue shortcut: service-level target")(
      "hours", po::value<double>()->default_value(8), "one-queue shortcut: simulated hours")(
      "patience-seconds", po::value<double>()->default_value(0), "one-queue shortcut: mean patience (0: none)")(
      "role", po::value<std::string>(), "token: role")("sub", po::value<std::string>(), "token: subject id")(
      "team", po::value<std::vector<std::string>>()->composing(), "token: team (repeatable)")(
      "ttl", po::value<std::int64_t>()->default_value(3600), "token: lifetime in seconds")(
      "roles", po::value<std::string>()->default_value("gateway,router"), "serve: roles of this process");
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc - 1, argv + 1).options(opts).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "switchboard: " << e.what() << "\n" << kUsage;
    return 2;
  }
  if (vm.count("help")) {
    std::cout << kUsage << opts;
    return 0;
  }
  const std::string config = vm["config"].as<std::string>();
  try {
    if (command == "serve") {
      return switchboard::app::serve(config, switchboard::app::parse_roles(vm["roles"].as<std::string>()));
    }
    if (command == "check-config") {
      switchboard::load_config(config, switchboard::process_env());
      return 0;
    }
    if (command == "simulate") return simulate(vm);
    if (command == "token") return token(vm, config);
    if (command == "version") {
      std::cout << "switchboard 0.1.0\n";
      return 0;
    }
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
  std::cerr << "switchboard: unknown command '" << command << "'\n" << kUsage;
  return 2;
}
