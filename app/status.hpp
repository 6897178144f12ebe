#pragma once
// `switchboard status`: what an operator asks first, read from the config's Redis (found as
// `users` finds it, app/command_redis.hpp): the Redis in use and its replicas, the router lease's
// holder and token, and per queue the conversations waiting, offered and with agents (from the
// same snapshot a new router reads at takeover). Read-only.

#include <string>

namespace switchboard::app {

struct status_options {
  std::string config_path;
  std::string data_dir;  // --data-dir, as for serve; empty: the config's
};

// Prints the status; returns the exit code. Throws std::exception when Redis cannot be read.
int status(const status_options& o);

}  // namespace switchboard::app
