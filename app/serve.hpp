#pragma once
// `switchboard serve`: start every role of this process from the config — the embedded Redis when
// no redis.url is set, the Redis client with its scripts, the HTTP server (/healthz, /readyz) —
// and stop them in reverse order on SIGTERM/SIGINT. Start-up failures throw with one clear line.

#include <string>

namespace switchboard::app {

// Returns the process exit code. Throws std::exception with a one-line message on start-up failure.
int serve(const std::string& config_path);

}  // namespace switchboard::app
