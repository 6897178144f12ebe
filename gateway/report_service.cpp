#include "gateway/report_service.hpp"

#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "reports/kpi_accumulator.hpp"

namespace switchboard::gateway {

namespace asio = boost::asio;

namespace {

store::report_read_limits read_limits() {
  store::report_read_limits l;
  l.batch = report_service::kBatch;
  l.max_conversations = report_service::kMaxConversations;
  return l;
}

// The store's conversations as the reports' records (the events are moved, not copied).
std::vector<reports::conversation_record> records_of(std::vector<store::report_conversation>&& batch) {
  std::vector<reports::conversation_record> out;
  out.reserve(batch.size());
  for (auto& c : batch) {
    reports::conversation_record r;
    r.id = c.state.id();
    r.queue = c.state.queue();
    r.team = c.state.team();
    r.channel = c.state.channel();
    r.events = std::move(c.events);
    out.push_back(std::move(r));
  }
  return out;
}

// Decrements the count of reports running when the report ends, however it ends.
struct running_slot {
  explicit running_slot(int& n) : count(n) { ++count; }
  ~running_slot() { --count; }
  running_slot(const running_slot&) = delete;
  running_slot& operator=(const running_slot&) = delete;
  int& count;
};

}  // namespace

report_service::report_service(const v1::Config& cfg, const live_config& live, const store::redis_options& redis,
                               const store::key_layout& keys, const clock& clk)
    : work_(ioc_.get_executor()),
      redis_(ioc_.get_executor(), redis, clk, "reports"),
      reads_(redis_, keys, read_limits()),
      agents_(redis_, keys, clk, std::chrono::seconds(cfg.server().desk_presence_seconds())),
      live_(live) {}

report_service::~report_service() {
  if (!thread_.joinable()) return;
  asio::post(ioc_, [this] {
    redis_.stop();  // a report in progress gets shutting_down and ends
    work_.reset();
  });
  thread_.join();
}

void report_service::start() {
  if (thread_.joinable()) return;
  thread_ = std::thread([this] {
    // Chat's threads first when the cores are busy: raising one's own nice needs no privilege.
    if (::setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), 10) != 0) {
      spdlog::warn("reports thread: could not lower its priority: {}", std::strerror(errno));
    }
    ioc_.run();
  });
  asio::post(ioc_, [this] { redis_.start(); });
}

asio::awaitable<result<kpi_outcome>> report_service::kpis(kpi_query q, report_access who) {
  kpi_outcome out;
  if (running_ >= kMaxReports) {
    out.what = kpi_outcome::status::busy;
    co_return out;
  }
  running_slot slot(running_);
  std::map<std::string, int> sl_seconds;  // queue → service-level target
  for (const auto& x : live_.current().config.queues()) sl_seconds[x.name()] = x.policy().service_level_seconds();
  reports::kpi_accumulator acc(q.by, q.interval_ms, sl_seconds, q.from_ms, q.to_ms);
  auto scan = co_await reads_.scan_created(
      q.from_ms, q.to_ms, [&who](const v1::Conversation& c) { return who.may_read(c); },
      [&acc](std::vector<store::report_conversation>&& batch) { acc.add(records_of(std::move(batch))); });
  if (!scan && scan.error() == errc::bad_input) {
    out.what = kpi_outcome::status::too_many;
    co_return out;
  }
  if (!scan) co_return scan.error();
  std::vector<reports::agent_presence> people;
  if (acc.has_occupancy()) {
    auto p = co_await presence(q, who);
    if (!p) co_return p.error();
    people = std::move(*p);
  }
  out.conversations = acc.conversations();
  out.rows = acc.finish(people);
  co_return out;
}

// The status history of every agent the caller may see, with the teams the caller may see.
asio::awaitable<result<std::vector<reports::agent_presence>>> report_service::presence(const kpi_query& q,
                                                                                      const report_access& who) {
  auto everyone = co_await agents_.list();
  if (!everyone) co_return everyone.error();
  std::vector<reports::agent_presence> out;
  for (const auto& a : *everyone) {
    if (!who.may_see(a.agent)) continue;
    auto history = co_await agents_.history(a.agent.id(), q.from_ms, q.to_ms);
    if (!history) co_return history.error();
    reports::agent_presence ap;
    ap.agent = a.agent.id();
    for (const auto& t : a.agent.teams()) {
      if (who.has_team(t)) ap.teams.push_back(t);
    }
    for (const auto& c : *history) ap.changes.emplace_back(c.at_ms, c.status == v1::AVAILABLE && c.has_desk);
    out.push_back(std::move(ap));
  }
  co_return out;
}

}  // namespace switchboard::gateway
