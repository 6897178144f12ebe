#pragma once
// bench/webhook_load's parts, shared by its files: signed WhatsApp webhooks made from the
// fixture and posted over keep-alive connections (webhook_load_ingest.cpp), append_bench's rates
// measured as a child process, and the outbox phase (webhook_load_outbox.cpp). main and the
// figures' printing are in webhook_load.cpp. Not thread-safe: one io_context on one thread.

#include <sys/types.h>

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <string>
#include <vector>

namespace webhook_load {

// What the benchmark's server is configured with (webhook_load.cpp writes the YAML).
inline constexpr const char* kAppSecret = "wl-app-secret";
inline constexpr const char* kAccessToken = "wl-access-token";
inline constexpr const char* kPhoneNumberId = "1122334455667";  // the fixture's metadata.phone_number_id
inline constexpr const char* kJwtKid = "load";
inline constexpr const char* kJwtSecret = "webhook-load-secret-0123456789abcdef";

// One webhook as the provider posts it: the raw body and its X-Hub-Signature-256.
struct signed_post {
  std::string body;
  std::string signature;
};

// `count` bodies shaped as the fixture's "text" body (tests/fixtures/webhooks/whatsapp/
// pywa__message.json), message i with the id "wamid.<run>.<first + i>" and the sender (and
// wa_id) number sender_base + (first + i) % senders: distinct senders are new customers, a
// sender seen before writes in their open conversation.
std::vector<signed_post> make_posts(const std::string& fixture, const std::string& run, long first, long count,
                                    long senders, long long sender_base);

struct load_figures {
  long requests = 0, stored = 0, not_stored = 0, failed = 0;  // failed: not a 200
  std::string first_failure;
  double seconds = 0, per_second = 0, p50_ms = 0, p99_ms = 0, max_ms = 0;
  double body_bytes = 0;  // mean size of the bodies posted
  double server_cpu = 0, redis_cpu = 0, client_cpu = 0;  // core-seconds over the phase
};

// Posts every body to http://127.0.0.1:port/v1/webhooks/whatsapp/main over `connections`
// keep-alive connections, one request in flight on each, until all are answered or `limit` has
// passed (then the rest are not sent). CPU of `server` and `redis` (pids) is measured around it.
load_figures post_all(boost::asio::io_context& ioc, int port, int connections, const std::vector<signed_post>& posts,
                      std::chrono::seconds limit, pid_t server, pid_t redis);

// append_bench's rows, run as a child process in this run.
struct append_row {
  int in_flight = 0;
  double per_second = 0, p50_ms = 0, p99_ms = 0, raw_per_second = 0;
};
std::vector<append_row> run_append_bench(const std::string& exe, long appends, int customers);

// CPU seconds (user + system) of this process: the load client.
double own_cpu_seconds();
double percentile(std::vector<double> v, double p);

struct outbox_setup {
  std::string switchboard;  // the binary
  std::string config;       // its YAML (gateway, router and outbox roles all use it)
  std::string log_dir;
  std::string fixture;
  std::string run;          // this run's id, in the message ids
  int port = 0;             // the gateway's (already serving: roles gateway,router)
  pid_t gateway = -1, redis = -1, fake = -1;
  int fake_port = 0;
  std::string fake_cert;
  int agents = 4, conversations = 64;
  long replies = 2000;
  int fake_connections = 32;
  std::chrono::seconds fake_seconds{3}, limit{120};
  // The least time between one reply's ack and the next reply. 1 ms or more: no two replies are
  // appended in the same millisecond, so no two outbox entries of different streams share an id
  // (the outbox keeps the ids it holds in one set over all its streams: of two entries with the
  // same id, the second waits until claim_idle and goes out of order). 0: all at once.
  std::chrono::milliseconds reply_gap{1};
};

struct outbox_figures {
  long replies = 0, acked = 0, refused = 0, sent = 0, failed = 0;
  bool timed_out = false;  // not every reply had an outcome within the limit
  std::string first_problem;
  double seconds = 0;           // from the outbox process's start to the last outcome
  double per_second = 0;        // SENT outcomes a second, first to last
  double outbox_cpu = 0, redis_cpu = 0, gateway_cpu = 0, fake_cpu = 0, client_cpu = 0;
  long fake_sends = 0, fake_connections = 0, fake_refused = 0;  // at the fake during the drain
  // The fake alone, in the same run: the same calls from `fake_connections` kept connections.
  long fake_alone_requests = 0;
  double fake_alone_per_second = 0, fake_alone_cpu = 0, fake_alone_client_cpu = 0, fake_alone_p99_ms = 0;
};

// Agents accept `conversations` new WhatsApp customers and store `replies` replies over the desk
// WebSocket (each puts an outbox entry, in the append); the fake's own rate is measured; then one
// `serve --roles outbox` process starts and sends them all; its rate is read from the desks'
// `delivery` events. Throws std::runtime_error when a step does not finish in time.
outbox_figures run_outbox(const outbox_setup& s);

}  // namespace webhook_load
