// The router's pushes to waiting customers and to leads: queue positions with an estimated wait,
// and each team's live board (see router/service.hpp). Part of router::service, split from
// service.cpp along this seam: what is published every second from the router's state.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <memory>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <vector>

#include "proto/wire.pb.h"
#include "router/engine/staffing.hpp"
#include "router/service.hpp"

namespace switchboard::router {

namespace asio = boost::asio;

asio::awaitable<void> service::publish_positions(time_ms now) {
  for (const auto& p : state_->positions_changed(now)) {
    v1::ServerFrame f;
    *f.mutable_queue_position() = p;
    co_await timeline_.publish_frame(p.conversation_id(), f.SerializeAsString());
    if (!leader_) co_return;
  }
}

void service::count_today(const action& a, time_ms now) {
  const std::int64_t day = now / 86'400'000;
  if (a.created_at < day * 86'400'000) return;
  const char kind = a.what == action::kind::count_abandoned ? 'x' : 'a';
  day_counts_.count(day, kind, a.conversation, a.queue, a.in_time,
                    [this, alive = std::weak_ptr<int>(alive_), term = token_, kind, queue = a.queue,
                     in_time = a.in_time, now](bool counted) {
                      // Counted before, or unknown (the next leader reloads), or the lease changed
                      // hands meanwhile (a new term starts from Redis's counts, load_today).
                      if (!counted || alive.expired() || term != token_) return;
                      auto& d = today(queue, now);
                      if (kind == 'x') {
                        ++d.abandoned;
                      } else {
                        ++d.answered;
                        if (in_time) ++d.sl_met;
                      }
                    });
}

asio::awaitable<void> service::load_today(time_ms now) {
  auto counts = co_await day_counts_.load(now / 86'400'000);
  if (!counts) co_return;
  for (const auto& c : *counts) {
    auto& d = today(c.queue, now);
    if (c.kind == 'a') d.answered = c.n;
    if (c.kind == 'm') d.sl_met = c.n;
    if (c.kind == 'x') d.abandoned = c.n;
  }
}

queue_day& service::today(const std::string& queue, time_ms now) {
  auto& d = days_[queue];
  const std::int64_t day = now / 86'400'000;
  if (d.day != day) d = queue_day{day, 0, 0, 0};
  return d;
}

// Each team's board, to its leads (the team channel): compute_boards() over what the router holds
// and today's counts (kept in Redis by count_today, so a new leader carries on with them; the
// reports, computed from the timelines, are the record).
asio::awaitable<void> service::publish_boards(time_ms now) {
  const auto started = std::chrono::steady_clock::now();
  for (const auto& q : opts_.queues) today(q.name(), now);  // a new day starts at zero
  state_->prune(now);
  auto boards = compute_boards(*state_, days_, now);
  const auto cost_us =
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started).count();
  spdlog::debug("router: boards of {} teams computed in {} us", boards.size(), cost_us);
  metrics_.boards(boards);
  for (auto& [team, b] : boards) {
    b.set_compute_us(cost_us);
    v1::ServerFrame f;
    *f.mutable_board() = std::move(b);
    co_await agents_.publish_to_team(team, f.SerializeAsString());
    if (!leader_) co_return;
  }
  if (boards_++ % 5 == 0) measure_behind();
}

// Pipelined, not awaited: one XINFO GROUPS a stream (G + 1 of them) would hold the notes back by
// as many round trips; the replies are added up as they come and the last one sets the gauges.
void service::measure_behind() {
  struct sum {
    std::int64_t unread = 0, unacked = 0;
    std::size_t left = 0;
    bool failed = false;
  };
  auto total = std::make_shared<sum>();
  total->left = streams_.size();
  for (const auto& stream : streams_) {
    std::array<std::string_view, 3> args{"XINFO", "GROUPS", stream};
    redis_.exec(args, [this, alive = std::weak_ptr<int>(alive_), total](boost::system::error_code ec, store::reply r) {
      if (alive.expired()) return;
      if (ec) total->failed = true;
      for (const auto& group : r.elements) {
        // Flat pairs: name, consumers, pending, last-delivered-id, entries-read, lag.
        std::map<std::string, const store::reply*, std::less<>> f;
        for (std::size_t i = 0; i + 1 < group.elements.size(); i += 2) f[group.elements[i].str] = &group.elements[i + 1];
        if (!f.count("name") || f["name"]->str != kConsumerGroup) continue;
        if (f.count("pending")) total->unacked += f["pending"]->integer;
        if (f.count("lag")) total->unread += f["lag"]->as_int().value_or(0);  // nil: Redis cannot tell (after a trim)
      }
      // Unmeasured this time when one failed: the gauges keep the last figures.
      if (--total->left == 0 && !total->failed && leader_) metrics_.behind(total->unread, total->unacked);
    });
  }
}

namespace {

bool in_team(const v1::Agent& a, const std::string& team) {
  return std::find(a.teams().begin(), a.teams().end(), team) != a.teams().end();
}

// Whether the router could offer the queue's conversations to the agent: its team, its skills.
bool serves(const v1::Agent& a, const v1::Queue& q) {
  if (!in_team(a, q.team())) return false;
  return std::all_of(q.required_skills().begin(), q.required_skills().end(), [&](const v1::Skill& need) {
    return std::any_of(a.skills().begin(), a.skills().end(), [&](const v1::Skill& s) {
      return s.name() == need.name() && s.proficiency() >= need.proficiency();
    });
  });
}

// The boards being built, and the conversations at risk added to the board of their queue's team.
struct board_set {
  const reconciler& r;
  time_ms now;
  std::map<std::string, v1::Board> boards;

  v1::Board& of(const std::string& team) {
    auto& b = boards[team];
    b.set_team(team);
    b.set_at_ms(now);
    return b;
  }
  void at_risk(const std::string& cid, const std::string& queue, const std::string& owner, std::string reason,
               double score) {
    const auto* q = r.queue(queue);
    if (!q || !boards.count(q->team())) return;
    auto* risk = boards[q->team()].add_at_risk();
    risk->set_conversation_id(cid);
    risk->set_queue(queue);
    risk->set_owner_id(owner);
    risk->set_reason(std::move(reason));
    risk->set_score(score);
  }
};

// One queue's row: waiting, oldest wait, today's service level, arrivals and staffing advice.
void add_queue(board_set& set, const v1::Queue& q, const std::vector<std::pair<const std::string*, time_ms>>& waiting,
               const std::map<v1::Channel, int>& channels, const std::vector<const v1::Agent*>& team,
               const queue_day* day) {
  const reconciler& r = set.r;
  auto* qb = set.of(q.team()).add_queues();
  qb->set_queue(q.name());
  time_ms oldest = 0;
  const int target = q.policy().service_level_seconds();
  for (const auto& [id, waited] : waiting) {
    oldest = std::max(oldest, waited);
    if (waited > time_ms{target} * 1000) {
      set.at_risk(*id, q.name(), "", "waiting " + std::to_string(waited / 1000) + " s, target " + std::to_string(target) + " s",
                  static_cast<double>(waited) / (target * 1000.0));
    }
  }
  qb->set_waiting(static_cast<int>(waiting.size()));
  qb->set_oldest_wait_seconds(static_cast<int>(oldest / 1000));
  const queue_day d = day ? *day : queue_day{};
  qb->set_answered_today(d.answered);
  qb->set_abandoned_today(d.abandoned);
  qb->set_service_level_today(d.answered + d.abandoned > 0 ? static_cast<double>(d.sl_met) / (d.answered + d.abandoned)
                                                           : 0.0);
  const auto arr = r.arrivals().count(q.name()) ? r.arrivals().at(q.name()).size() : std::size_t{0};
  qb->set_arrivals_per_hour(static_cast<double>(arr) * 4.0);
  const double handle = r.handle_seconds(q.name());
  qb->set_handle_seconds(handle);
  qb->set_service_level_seconds(q.policy().service_level_seconds());
  qb->set_service_level_target(q.policy().service_level_target());
  // Erlang C gives conversation slots; a chat agent fills several (docs/LEADS.md, staffing).
  qb->set_agents_needed(chat_agents_needed(static_cast<double>(arr) / 900.0, handle, target,
                                           q.policy().service_level_target(), team_concurrency(team, channels)));
  int available = 0;
  for (const auto& [aid, a] : r.agents()) {
    if (a.connections > 0 && a.status == v1::AVAILABLE && serves(a.profile, q)) ++available;
  }
  qb->set_agents_available(available);
}

// Every agent on the boards of their teams, with what they hold and their load per channel.
void add_agents(board_set& set) {
  std::unordered_map<std::string, std::vector<std::pair<const std::string*, v1::Channel>>> held;
  for (const auto& [cid, c] : set.r.conversations()) {
    if (!c.owner.empty()) held[c.owner].emplace_back(&cid, c.channel);
  }
  for (const auto& [aid, a] : set.r.agents()) {
    for (const auto& team : a.profile.teams()) {
      if (!set.boards.count(team)) continue;
      auto* ab = set.boards[team].add_agents();
      ab->set_agent_id(aid);
      ab->set_status(a.connections > 0 ? a.status : v1::OFFLINE);
      if (a.connections > 0 && a.status == v1::AWAY) ab->set_status_reason(a.profile.status_reason());
      // Offline because no desk is open: since the last one closed, if that came after the status.
      const auto since = a.connections > 0 ? a.profile.status_since_ms()
                                           : std::max(a.profile.status_since_ms(), a.offline_since);
      ab->set_status_seconds(since > 0 ? static_cast<int>((set.now - since) / 1000) : 0);
      std::map<v1::Channel, int> load;
      if (auto h = held.find(aid); h != held.end()) {
        for (const auto& [cid, channel] : h->second) {
          ++load[channel];
          ab->add_conversations(*cid);
        }
      }
      for (const auto& cap : a.profile.capacity()) {
        auto* l = ab->add_load();
        l->set_channel(cap.channel());
        l->set_conversations(load[cap.channel()]);
        l->set_capacity(cap.max_concurrent());
      }
    }
  }
}

// Low ratings, customers waiting past the reply target, conversations transferred again and again.
void add_risks(board_set& set) {
  for (const auto& [cid, lr] : set.r.low_ratings()) {
    set.at_risk(cid, lr.queue, lr.agent, "customer rated it " + std::to_string(lr.score) + " of 5", 3 - lr.score);
  }
  for (const auto& [cid, c] : set.r.conversations()) {
    const auto* q = set.r.queue(c.queue);
    if (q && c.awaiting_since > 0 && !c.owner.empty() && set.r.routing().conversation_state(cid) == "assigned") {
      const int target = q->policy().reply_target_seconds();
      const time_ms waited = set.now - c.awaiting_since;
      if (waited > time_ms{target} * 1000) {
        set.at_risk(cid, c.queue, c.owner,
                    "customer waiting " + std::to_string(waited / 1000) + " s for a reply, target " +
                        std::to_string(target) + " s",
                    static_cast<double>(waited) / (target * 1000.0));
      }
    }
    if (c.transfers > 2) {
      set.at_risk(cid, c.queue, c.owner, "transferred " + std::to_string(c.transfers) + " times", c.transfers - 1.5);
    }
  }
}

}  // namespace

std::map<std::string, v1::Board> compute_boards(const reconciler& r, const std::map<std::string, queue_day>& today,
                                                time_ms now) {
  board_set set{r, now, {}};
  // The waiting conversations by queue, in one pass (not a pass per queue).
  std::unordered_map<std::string, std::vector<std::pair<const std::string*, time_ms>>> waiting_in;  // id, waited
  std::unordered_map<std::string, std::map<v1::Channel, int>> channels_in;  // queue → its channel mix
  for (const auto& [id, c] : r.conversations()) {
    if (r.routing().conversation_state(id) == "waiting") waiting_in[c.queue].emplace_back(&id, now - c.queued_at);
    ++channels_in[c.queue][c.channel];
  }
  std::unordered_map<std::string, std::vector<const v1::Agent*>> team_agents;  // every agent known, any status
  for (const auto& [aid, a] : r.agents()) {
    for (const auto& t : a.profile.teams()) team_agents[t].push_back(&a.profile);
  }
  for (const auto& q : r.settings().queues) {
    if (q.team().empty()) continue;
    auto d = today.find(q.name());
    add_queue(set, q, waiting_in[q.name()], channels_in[q.name()], team_agents[q.team()],
              d == today.end() ? nullptr : &d->second);
  }
  add_agents(set);
  add_risks(set);
  for (auto& [team, b] : set.boards) {
    auto* risks = b.mutable_at_risk();
    std::stable_sort(risks->begin(), risks->end(),
                     [](const v1::AtRisk& x, const v1::AtRisk& y) { return x.score() > y.score(); });
    while (risks->size() > 50) risks->RemoveLast();
  }
  return std::move(set.boards);
}

}  // namespace switchboard::router
