#pragma once
// `switchboard serve`: start the roles of this process from the config — the embedded Redis when
// no redis.url is set, the Redis clients with their scripts, and the roles asked for:
//   gateway: the HTTP and WebSocket server (REST, customers, agent desks);
//   router:  the router service (one active among all processes; the others stand by);
//   outbox:  sends replies to messaging channels' customers (a consumer group: any number run);
// and stop them in reverse order on SIGTERM/SIGINT. Start-up failures throw with one clear line.
// Also owns serve's command-line values (--roles, --listen, --smtp-listen, --data-dir) and their checks.

#include <optional>
#include <stdexcept>
#include <string>

namespace switchboard::app {

// A bad command-line value. what() names the option ("--listen 'x': ..."); main prints it on one
// line and exits 2.
class option_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct roles {
  bool gateway = true;
  bool router = true;
  bool outbox = true;
};

// "gateway,router,outbox" → roles. Throws option_error naming an unknown role.
roles parse_roles(const std::string& list);

// Where the gateway listens: an IP address (IPv6 in brackets) and a port, 0 for a free one.
struct listen_endpoint {
  std::string address;  // without brackets: "127.0.0.1", "::1"
  int port = 0;
};

// "HOST:PORT" ("127.0.0.1:8080", "0.0.0.0:0", "[::1]:8080") → listen_endpoint. Throws option_error
// naming `option` when it is not an IP address and a port from 0 to 65535.
listen_endpoint parse_listen(const std::string& text, const std::string& option = "--listen");

struct serve_options {
  std::string config_path;
  roles which;
  // --listen: replaces server.listen_address and server.http_port.
  std::optional<listen_endpoint> listen;
  // --smtp-listen: replaces channels.email.smtp_listen (mail's listener).
  std::optional<listen_endpoint> smtp_listen;
  // --data-dir: the folder for everything this process writes. Today that is the embedded
  // redis-server's data, kept in DIR/redis instead of redis.embedded.data_dir. Empty: the config's.
  std::string data_dir;
};

// Returns the process exit code. Throws option_error for a --data-dir that cannot be created,
// config_error for a bad config, std::exception with a one-line message on other start-up failures
// (a data folder another process holds among them).
int serve(const serve_options& opts);

}  // namespace switchboard::app
