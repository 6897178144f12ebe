// bench/report_seed: a month of a busy team's conversations written into a Redis through the real
// append path (timeline_repository::append → append.lua), for bench/report_load.py. Each
// conversation has 8 to 15 events as the product writes them: the customer's first message, the
// router's decision (with its reasons), the offer and its outcome (sometimes a timeout and a second
// offer), a conversation of messages both ways, a resolve and often a rating. Creation times are
// spread evenly over the period (the append script's clock is set to each event's time), agents
// a0..a(M-1) of team "load", queue "load". The routing notes the appends leave for the router are
// deleted at the end (a router started on this data has nothing old to do).
//
//   build/bench/report_seed --port P [--conversations 100000] [--days 30] [--agents 50]
//                           [--groups 256] [--prefix sb] [--in-flight 64] [--end-ms T]

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/ids.hpp"
#include "store/keys.hpp"
#include "store/redis_client.hpp"
#include "store/scripts.hpp"
#include "store/timeline.hpp"

namespace asio = boost::asio;
using namespace switchboard;

namespace {

struct options {
  int port = 0;
  long conversations = 100'000;
  int days = 30;
  int agents = 50;
  int groups = 256;
  std::string prefix = "sb";
  int in_flight = 64;
  std::int64_t end_ms = 0;
};

constexpr const char* kCustomerLines[] = {
    "Hi, my order #48213 has not arrived yet, can you check where it is?",
    "I was charged twice for the same subscription this month.",
    "Thanks, that helps. One more thing: can I change the delivery address?",
    "The app keeps logging me out when I switch to the payments tab.",
    "Ok, I'll try that now.",
};
constexpr const char* kAgentLines[] = {
    "Hello! Thanks for reaching out, let me look into that for you right away.",
    "I can see the order left our warehouse yesterday; it should arrive tomorrow before noon.",
    "I've refunded the duplicate charge; it will show on your statement in 3-5 working days.",
    "Could you try signing out and back in once, and tell me if it happens again?",
    "Is there anything else I can help you with today?",
};

// One conversation's events, in order, each with its time: what a month of real traffic holds.
std::vector<v1::Event> script(std::mt19937_64& rng, std::int64_t t0, int agents) {
  auto pick = [&rng](int n) { return static_cast<int>(rng() % static_cast<std::uint64_t>(n)); };
  std::vector<v1::Event> out;
  std::int64_t t = t0;
  auto next = [&](int min_s, int max_s) -> v1::Event& {
    t += 1000LL * (min_s + pick(max_s - min_s + 1)) + pick(1000);
    auto& e = out.emplace_back();
    e.set_at_ms(t);
    return e;
  };
  auto message = [&](v1::Direction d, const std::string& agent) {
    auto& e = next(5, 90);
    e.set_actor(d == v1::DIRECTION_INBOUND ? "customer" : agent);
    auto* m = e.mutable_message();
    m->set_direction(d);
    m->set_channel(v1::CHANNEL_WEB);
    m->set_body(d == v1::DIRECTION_INBOUND ? kCustomerLines[pick(5)] : kAgentLines[pick(5)]);
    if (d == v1::DIRECTION_OUTBOUND) m->set_author_id(agent);
  };
  auto offer = [&](const std::string& agent, v1::OfferOutcome::Outcome outcome) {
    auto& d = next(0, 2);
    d.set_actor("router");
    auto* dec = d.mutable_decision();
    dec->set_kind(v1::Decision::OFFER);
    dec->set_agent_id(agent);
    dec->set_queue("load");
    dec->set_candidates_considered(3 + pick(20));
    dec->set_reason("longest idle of the available agents with the skills");
    for (const char* part : {"idle_seconds", "load", "skill_match"}) {
      auto* s = dec->add_score();
      s->set_name(part);
      s->set_value(pick(600));
    }
    auto& o = next(0, 1);
    o.set_actor("router");
    o.mutable_offer()->set_agent_id(agent);
    o.mutable_offer()->set_expires_at_ms(t + 30'000);
    auto& a = next(1, outcome == v1::OfferOutcome::ACCEPTED ? 40 : 30);
    a.set_actor(agent);
    a.mutable_offer_outcome()->set_agent_id(agent);
    a.mutable_offer_outcome()->set_outcome(outcome);
  };
  message(v1::DIRECTION_INBOUND, "");
  const std::string agent = "a" + std::to_string(pick(agents));
  const bool timed_out = pick(7) == 0;
  if (timed_out) offer("a" + std::to_string(pick(agents)), v1::OfferOutcome::TIMED_OUT);
  offer(agent, v1::OfferOutcome::ACCEPTED);
  const int messages = (timed_out ? 1 : 3) + pick(6);  // 8 to 15 events in all
  for (int i = 0; i < messages; ++i) message(i % 2 == 0 ? v1::DIRECTION_OUTBOUND : v1::DIRECTION_INBOUND, agent);
  auto& r = next(20, 300);
  r.set_actor(agent);
  r.mutable_status_change()->set_to(v1::RESOLVED);
  r.mutable_status_change()->set_disposition("solved");
  if (pick(5) < 2) next(5, 60).mutable_rating()->set_score(1 + pick(5));
  return out;
}

struct seeding {
  const options& o;
  store::timeline_repository& repo;
  manual_clock& when;
  long next = 0, done = 0, events = 0, failed = 0;
  int workers_left = 0;
};

// One worker: conversations one after another, each event after the previous one's reply.
asio::awaitable<void> worker(seeding& s, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  const std::int64_t period = std::int64_t{s.o.days} * 86'400'000;
  while (s.next < s.o.conversations) {
    const long i = s.next++;
    const std::int64_t t0 = s.o.end_ms - period + static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(period - 3'600'000));
    auto events = script(rng, t0, s.o.agents);
    std::string conversation;
    for (auto& e : events) {
      store::append_request r;
      r.customer_id = "cust-" + std::to_string(i);
      const bool first = conversation.empty();
      r.mode = first ? store::append_request::target::open_new : store::append_request::target::existing;
      r.conversation_id = conversation;
      r.channel = v1::CHANNEL_WEB;
      if (first) {
        r.fields.set_if_created("queue", "load");
        r.fields.set_if_created("team", "load");
      }
      r.event = std::move(e);
      s.when.set_unix_ms(r.event.at_ms());  // read by append before its first suspension
      auto res = co_await s.repo.append(std::move(r));
      if (!res) {
        ++s.failed;
        break;
      }
      conversation = res->conversation_id;
      ++s.events;
    }
    if (++s.done % 10'000 == 0) std::fprintf(stderr, "report_seed: %ld conversations\n", s.done);
  }
  --s.workers_left;
}

bool parse(int argc, char** argv, options& o) {
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i], v = argv[i + 1];
    if (a == "--port") o.port = std::stoi(v);
    else if (a == "--conversations") o.conversations = std::stol(v);
    else if (a == "--days") o.days = std::stoi(v);
    else if (a == "--agents") o.agents = std::stoi(v);
    else if (a == "--groups") o.groups = std::stoi(v);
    else if (a == "--prefix") o.prefix = v;
    else if (a == "--in-flight") o.in_flight = std::stoi(v);
    else if (a == "--end-ms") o.end_ms = std::stoll(v);
    else return false;
  }
  return o.port > 0 && o.conversations > 0 && o.days > 0 && o.agents > 0 && o.groups > 0 && o.in_flight > 0 &&
         argc % 2 == 1;
}

}  // namespace

int main(int argc, char** argv) {
  options o;
  if (!parse(argc, argv, o)) {
    std::cerr << "usage: report_seed --port P [--conversations N] [--days D] [--agents M] [--groups G] [--prefix P]"
                 " [--in-flight K] [--end-ms T]\n";
    return 2;
  }
  const switchboard::clock& real = system_clock_source::instance();
  if (o.end_ms == 0) o.end_ms = real.unix_ms();
  asio::io_context ioc(1);
  store::redis_options ro;
  ro.port = o.port;
  ro.command_timeout = std::chrono::seconds(10);
  store::redis_client redis(ioc.get_executor(), ro, real, "seed");
  for (const auto* s : store::scripts::all()) redis.add_script(*s);
  redis.start();
  const auto ready_by = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!redis.ready() && std::chrono::steady_clock::now() < ready_by) ioc.run_one_for(std::chrono::milliseconds(50));
  if (!redis.ready()) {
    std::cerr << "report_seed: no Redis on 127.0.0.1:" << o.port << "\n";
    return 1;
  }
  manual_clock when(o.end_ms);
  id_generator ids(real);
  const store::key_layout keys(o.prefix, o.groups);
  v1::StoreConfig cfg;
  cfg.set_dedupe_ttl_seconds(60);
  cfg.set_reopen_window_seconds(0);
  store::timeline_repository repo(redis, keys, ids, when, cfg);
  seeding s{o, repo, when};
  s.workers_left = o.in_flight;
  const auto t0 = std::chrono::steady_clock::now();
  for (int w = 0; w < o.in_flight; ++w) asio::co_spawn(ioc, worker(s, 1234 + static_cast<std::uint64_t>(w)), asio::detached);
  const auto limit = t0 + std::chrono::minutes(30);
  while (s.workers_left > 0 && std::chrono::steady_clock::now() < limit) ioc.run_one_for(std::chrono::milliseconds(100));
  // The routing notes the appends left: nothing for a router to do with a month-old, resolved past.
  long pending = o.groups;
  for (int g = 0; g < o.groups; ++g) {
    redis.exec({"DEL", keys.routing_requests(g)}, [&pending](boost::system::error_code, store::reply) { --pending; });
  }
  while (pending > 0 && std::chrono::steady_clock::now() < limit) ioc.run_one_for(std::chrono::milliseconds(100));
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("report_seed: %ld conversations, %ld events (%.1f per conversation) in %.1f s (%.0f appends/s), %ld failed\n",
              s.done, s.events, s.done ? static_cast<double>(s.events) / static_cast<double>(s.done) : 0.0, secs,
              static_cast<double>(s.events) / secs, s.failed);
  redis.stop();
  ioc.run_for(std::chrono::milliseconds(100));
  return s.failed == 0 && s.workers_left == 0 && pending == 0 ? 0 : 1;
}
