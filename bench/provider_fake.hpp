#pragma once
// bench/webhook_load's stand-in for WhatsApp Cloud API's send endpoint: an HTTPS server on
// 127.0.0.1 (a throwaway self-signed certificate) that checks each POST {path} the way Meta
// does where it is cheap (the path, the bearer token, a text message's JSON fields) and answers
// 200 with a new wamid, or 400/401 as Meta would. GET /counts answers what it served so far, for
// the benchmark to read before and after a phase. One thread: its CPU time is the fake's cost.
// Not for tests (tests/e2e/provider_fakes.py checks every field); here the point is to be cheap.

#include <string>

namespace bench {

struct provider_fake_options {
  int port = 0;
  std::string cert_file;      // PEM certificate for 127.0.0.1
  std::string key_file;       // its private key
  std::string path;           // e.g. /v21.0/1122334455667/messages
  std::string access_token;   // Authorization: Bearer <this>
};

// Serves until SIGTERM or SIGINT; returns the process's exit code. Blocking.
int run_provider_fake(const provider_fake_options& o);

}  // namespace bench
