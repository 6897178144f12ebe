// bench/webhook_load's outbox phase. Replies get into the outbox the real way: WhatsApp customers
// write through signed webhooks, agents on the desk WebSocket accept the router's offers and reply
// (the append that stores a reply also adds its outbox entry). With no outbox process running yet,
// the replies wait in the outbox streams; the fake's own rate is measured (the same calls, from
// the same HTTPS client the outbox uses); then one `serve --roles outbox` process starts and sends
// them all. Its rate is read from the `delivery` events the desks receive, as an agent sees them.

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>

#include "bench/webhook_load.hpp"
#include "bench/ws_client.hpp"
#include "bench/ws_load_processes.hpp"
#include "channels/outgoing.hpp"
#include "net/https_client.hpp"
#include "proto/wire.pb.h"

namespace webhook_load {

namespace asio = boost::asio;
namespace v1 = switchboard::v1;
using steady = std::chrono::steady_clock;
using bench::run_until;
using switchboard::net::https_client;

namespace {

constexpr const char* kReply = "Thanks for waiting - your order #48213 left our warehouse this morning and arrives tomorrow.";

// What the desks saw.
struct desk_counts {
  long ready = 0, accepted = 0, acked = 0, refused = 0, sent = 0, failed = 0;
  std::string first_problem;
  std::vector<std::pair<std::size_t, std::string>> conversations;  // (desk, conversation), as offered
  std::optional<steady::time_point> first_outcome;
  steady::time_point last_outcome, last_answer;
};

// Runs one coroutine of `ioc` to its end (bounded by the client's own timeout).
template <typename T>
T await_here(asio::io_context& ioc, asio::awaitable<T> a) {
  std::optional<T> out;
  asio::co_spawn(ioc, std::move(a), [&](std::exception_ptr e, T v) {
    if (e) std::rethrow_exception(e);
    out = std::move(v);
  });
  while (!out) {
    ioc.restart();
    ioc.run_one_for(std::chrono::milliseconds(100));
  }
  return std::move(*out);
}

v1::ChannelAccount account(const outbox_setup& s) {
  v1::ChannelAccount a;
  a.set_provider("whatsapp");
  a.set_id("main");
  a.set_business_id(kPhoneNumberId);
  a.set_access_token(kAccessToken);
  a.set_api_url("https://127.0.0.1:" + std::to_string(s.fake_port) + "/v21.0");
  return a;
}

struct fake_counts {
  long requests = 0, refused = 0, connections = 0;
};

fake_counts read_fake(asio::io_context& ioc, const outbox_setup& s) {
  https_client client(ioc.get_executor(), s.fake_cert, std::chrono::seconds(10));
  switchboard::net::https_request req;
  req.method = "GET";
  req.url = "https://127.0.0.1:" + std::to_string(s.fake_port) + "/counts";
  const auto r = await_here(ioc, client.send(std::move(req)));
  if (r.status != 200) throw std::runtime_error("the fake's /counts: " + std::to_string(r.status) + " " + r.error);
  auto number = [&](const std::string& key) {
    const auto at = r.body.find("\"" + key + "\":");
    return at == std::string::npos ? 0L : std::stol(r.body.substr(at + key.size() + 3));
  };
  return {number("requests"), number("refused"), number("connections")};
}

// The fake alone: the outbox's own call (channels::send_call) from `fake_connections` clients,
// each keeping its connection, for fake_seconds.
void measure_fake(asio::io_context& ioc, const outbox_setup& s, outbox_figures& f) {
  v1::Message m;
  m.set_body(kReply);
  std::string error;
  const auto call = switchboard::channels::send_call(account(s), v1::CHANNEL_WHATSAPP, "972555000001", m, error);
  if (call.url.empty()) throw std::runtime_error("send_call: " + error);
  std::vector<std::unique_ptr<https_client>> clients;
  for (int i = 0; i < s.fake_connections; ++i) {
    clients.push_back(std::make_unique<https_client>(ioc.get_executor(), s.fake_cert, std::chrono::seconds(10)));
  }
  std::vector<double> latency_ms;
  int done = 0;
  long bad = 0;
  const auto start = steady::now(), until = start + s.fake_seconds;
  auto lane = [&](https_client& c) -> asio::awaitable<void> {
    while (steady::now() < until) {
      switchboard::net::https_request req;
      req.url = call.url;
      req.headers = call.headers;
      req.content_type = call.content_type;
      req.body = call.body;
      const auto t0 = steady::now();
      const auto r = co_await c.send(std::move(req));
      latency_ms.push_back(std::chrono::duration<double, std::milli>(steady::now() - t0).count());
      if (r.status == 200) ++f.fake_alone_requests;
      else ++bad;
    }
    ++done;
  };
  const double fake0 = ws_load::cpu_seconds(s.fake), client0 = own_cpu_seconds();
  for (auto& c : clients) asio::co_spawn(ioc, lane(*c), asio::detached);
  run_until(ioc, [&] { return done == s.fake_connections; }, s.fake_seconds + std::chrono::seconds(15), "the fake alone");
  const double secs = std::chrono::duration<double>(steady::now() - start).count();
  f.fake_alone_cpu = ws_load::cpu_seconds(s.fake) - fake0;
  f.fake_alone_client_cpu = own_cpu_seconds() - client0;
  f.fake_alone_per_second = static_cast<double>(f.fake_alone_requests) / secs;
  f.fake_alone_p99_ms = percentile(latency_ms, 0.99);
  if (bad) throw std::runtime_error("the fake refused " + std::to_string(bad) + " of the outbox's own calls");
}

// A desk's frames: available, accept every offer, count acks of replies and delivery outcomes.
void on_desk_frame(std::string_view bytes, std::size_t desk, bench::ws_client& ws, desk_counts& n) {
  v1::ServerFrame fr;
  if (!fr.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) return;
  if (fr.has_agent_state() && fr.request_id() == "st") ++n.ready;
  if (fr.has_offer()) {
    n.conversations.emplace_back(desk, fr.offer().conversation_id());
    v1::ClientFrame ans;
    ans.set_request_id("acc");
    ans.mutable_answer_offer()->set_conversation_id(fr.offer().conversation_id());
    ans.mutable_answer_offer()->set_accept(true);
    ws.send(ans.SerializeAsString());
  }
  if (fr.has_ack() && fr.request_id() == "acc") ++n.accepted;
  if (fr.has_ack() && fr.request_id() == "r") {
    ++n.acked;
    n.last_answer = steady::now();
  }
  if (fr.has_error()) {
    if (fr.request_id() == "r") {
      ++n.refused;
      n.last_answer = steady::now();
    }
    if (n.first_problem.empty()) n.first_problem = fr.request_id() + ": " + fr.error().code() + " " + fr.error().message();
  }
  if (fr.has_event() && fr.event().has_delivery()) {
    const auto& d = fr.event().delivery();
    if (d.state() == v1::Delivery::SENT) ++n.sent;
    if (d.state() == v1::Delivery::FAILED) {
      ++n.failed;
      if (n.first_problem.empty()) n.first_problem = "FAILED: " + d.reason();
    }
    if (d.state() == v1::Delivery::SENT || d.state() == v1::Delivery::FAILED) {
      if (!n.first_outcome) n.first_outcome = steady::now();
      n.last_outcome = steady::now();
    }
  }
}

// Agents connect and go available; `conversations` new customers write; each is accepted.
std::vector<std::shared_ptr<bench::ws_client>> open_desks(asio::io_context& ioc, const outbox_setup& s, desk_counts& n) {
  std::vector<std::shared_ptr<bench::ws_client>> desks;
  for (int j = 0; j < s.agents; ++j) {
    auto ws = std::make_shared<bench::ws_client>(ioc);
    const auto desk = static_cast<std::size_t>(j);
    ws->on_message([&n, desk, w = ws.get()](std::string_view bytes) { on_desk_frame(bytes, desk, *w, n); });
    ws->start(s.port, "/v1/ws", "switchboard.v1.proto",
              bench::sign_token("agent", "a" + std::to_string(j), {"care"}, kJwtKid, kJwtSecret), [ws] {
                v1::ClientFrame st;
                st.set_request_id("st");
                st.mutable_set_status()->set_status(v1::AVAILABLE);
                ws->send(st.SerializeAsString());
              });
    desks.push_back(ws);
  }
  run_until(ioc, [&] { return n.ready == s.agents; }, std::chrono::seconds(30), "agents available");
  const auto posts = make_posts(s.fixture, s.run + "-out", 0, s.conversations, s.conversations, 973000000000LL);
  const auto in = post_all(ioc, s.port, 4, posts, std::chrono::seconds(60), s.gateway, s.redis);
  if (in.stored != s.conversations) throw std::runtime_error("customers' webhooks not stored: " + in.first_failure);
  run_until(ioc, [&] { return n.accepted == s.conversations; }, std::chrono::seconds(60), "every conversation accepted");
  return desks;
}

// The replies, round the conversations in turn. With a gap, one at a time: each sent at least
// reply_gap after the previous one's answer, so no two are appended in the same millisecond (see
// outbox_setup::reply_gap); without, all at once.
void store_replies(asio::io_context& ioc, const outbox_setup& s, std::vector<std::shared_ptr<bench::ws_client>>& desks,
                   desk_counts& n) {
  const auto deadline = steady::now() + s.limit;
  for (long r = 0; r < s.replies;) {
    const bool answered = n.acked + n.refused == r;
    if (s.reply_gap.count() == 0 || (answered && steady::now() - n.last_answer >= s.reply_gap)) {
      const auto& [desk, conv] = n.conversations[static_cast<std::size_t>(r % s.conversations)];
      v1::ClientFrame fr;
      fr.set_request_id("r");
      auto* m = fr.mutable_send_message();
      m->set_conversation_id(conv);
      m->mutable_message()->set_body(kReply);
      m->mutable_message()->set_client_message_id("reply-" + s.run + "-" + std::to_string(r));
      desks[desk]->send(fr.SerializeAsString());
      ++r;
      continue;
    }
    if (steady::now() > deadline) throw std::runtime_error("timed out: storing the replies");
    ioc.restart();
    ioc.run_one_for(std::chrono::microseconds(100));
  }
  run_until(ioc, [&] { return n.acked + n.refused == s.replies; }, s.limit, "the replies stored");
}

}  // namespace

outbox_figures run_outbox(const outbox_setup& s) {
  asio::io_context ioc;
  outbox_figures f;
  desk_counts n;
  auto desks = open_desks(ioc, s, n);
  f.replies = s.replies;
  store_replies(ioc, s, desks, n);
  f.acked = n.acked;
  f.refused = n.refused;
  if (n.refused) throw std::runtime_error(std::to_string(n.refused) + " replies refused: " + n.first_problem);

  measure_fake(ioc, s, f);

  const auto before = read_fake(ioc, s);
  const double redis0 = ws_load::cpu_seconds(s.redis), gateway0 = ws_load::cpu_seconds(s.gateway);
  const double fake0 = ws_load::cpu_seconds(s.fake), client0 = own_cpu_seconds();
  ws_load::child outbox;
  const auto start = steady::now();
  ws_load::spawn(outbox, {s.switchboard, "serve", "--config", s.config, "--roles", "outbox"}, s.log_dir + "/outbox.log");
  const auto drain_until = start + s.limit;
  while (n.sent + n.failed < s.replies && steady::now() < drain_until) {
    ioc.restart();
    ioc.run_for(std::chrono::milliseconds(5));
  }
  f.timed_out = n.sent + n.failed < s.replies;
  f.outbox_cpu = ws_load::cpu_seconds(outbox.pid);
  f.redis_cpu = ws_load::cpu_seconds(s.redis) - redis0;
  f.gateway_cpu = ws_load::cpu_seconds(s.gateway) - gateway0;
  f.fake_cpu = ws_load::cpu_seconds(s.fake) - fake0;
  f.client_cpu = own_cpu_seconds() - client0;
  outbox.stop();
  const auto after = read_fake(ioc, s);
  f.fake_sends = after.requests - before.requests;
  f.fake_refused = after.refused - before.refused;
  f.fake_connections = after.connections - before.connections - 1;  // less read_fake's own
  f.sent = n.sent;
  f.failed = n.failed;
  f.first_problem = n.first_problem;
  if (!n.first_outcome) throw std::runtime_error("no reply was sent within the limit (see outbox.log)");
  f.seconds = std::chrono::duration<double>(n.last_outcome - start).count();
  const double spread = std::chrono::duration<double>(n.last_outcome - *n.first_outcome).count();
  f.per_second = spread > 0 ? static_cast<double>(n.sent - 1) / spread : 0;
  for (auto& d : desks) d->close();
  ioc.restart();
  ioc.run_for(std::chrono::milliseconds(300));
  return f;
}

}  // namespace webhook_load
