// The `switchboard` binary: one process, every role (ARCHITECTURE §1). Parses the command line and
// turns start-up failures into one clear line on stderr and a non-zero exit.

#include <boost/program_options.hpp>

#include <iostream>
#include <string>

#include "app/serve.hpp"
#include "core/config.hpp"

namespace po = boost::program_options;

namespace {

constexpr const char* kUsage =
    "usage: switchboard <command> [options]\n"
    "commands:\n"
    "  serve [--config FILE]   run the server (default config: config/switchboard.yaml)\n"
    "  check-config [--config FILE]   load the config, print nothing if it is valid\n"
    "  version                 print the version\n";

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << kUsage;
    return 2;
  }
  const std::string command = argv[1];
  po::options_description opts("options");
  opts.add_options()("config,c", po::value<std::string>()->default_value("config/switchboard.yaml"), "config file")(
      "help,h", "this help");
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
    if (command == "serve") return switchboard::app::serve(config);
    if (command == "check-config") {
      switchboard::load_config(config, switchboard::process_env());
      return 0;
    }
    if (command == "version") {
      std::cout << "switchboard 0.1.0\n";
      return 0;
    }
  } catch (const switchboard::config_error& e) {
    std::cerr << "switchboard: bad config: " << e.what() << "\n";
    return 3;
  } catch (const std::exception& e) {
    std::cerr << "switchboard: " << e.what() << "\n";
    return 1;
  }
  std::cerr << "switchboard: unknown command '" << command << "'\n" << kUsage;
  return 2;
}
