#pragma once
// `switchboard serve`: start the roles of this process from the config — the embedded Redis when
// no redis.url is set, the Redis clients with their scripts, and the roles asked for:
//   gateway: the HTTP and WebSocket server (REST, customers, agent desks);
//   router:  the router service (one active among all processes; the others stand by);
// and stop them in reverse order on SIGTERM/SIGINT. Start-up failures throw with one clear line.

#include <string>

namespace switchboard::app {

struct roles {
  bool gateway = true;
  bool router = true;
};

// "gateway,router" → roles. Throws std::invalid_argument naming an unknown role.
roles parse_roles(const std::string& list);

// Returns the process exit code. Throws std::exception with a one-line message on start-up failure.
int serve(const std::string& config_path, roles which = {});

}  // namespace switchboard::app
