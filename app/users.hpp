#pragma once
// `switchboard users add|passwd|disable|enable|list`: the people who sign in to the desk and the
// console, kept in Redis (store/people.hpp). Works on the config's Redis: redis.url, or the
// embedded one — the running `serve`'s (found through its data folder), or one it starts and
// stops itself when no `serve` runs. Passwords are read from the terminal (twice, not echoed) or
// as the first line of standard input; never from the command line, where `ps` would show them.
// Disabling a person, or changing their password, role or teams, ends their sessions: their
// sockets on every gateway close within a second.

#include <string>
#include <vector>

namespace switchboard::app {

struct users_options {
  std::string config_path;
  std::string data_dir;            // --data-dir, as for serve; empty: the config's
  std::vector<std::string> args;   // the action and the person's id
  std::string role = "agent";      // add: --role
  std::vector<std::string> teams;  // add: --team (repeated)
  std::string name;                // add: --name (display name)
};

// Returns the exit code; throws option_error for a bad command line, std::exception otherwise.
int users(const users_options& o);

}  // namespace switchboard::app
