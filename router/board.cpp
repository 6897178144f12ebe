// The router's pushes to waiting customers and to leads: queue positions with an estimated wait,
// and each team's live board (see router/service.hpp). Part of router::service, split from
// service.cpp along this seam: what is published every second from the router's state.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <vector>

#include "proto/wire.pb.h"
#include "router/engine/staffing.hpp"
#include "store/scripts.hpp"
#include "router/service.hpp"

namespace switchboard::router {

namespace asio = boost::asio;

namespace {
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
}  // namespace

// Every waiting conversation is told its place in its queue and an estimate of the wait when the
// place changed: estimate = place × average handle time ÷ agents available for the queue's team.
asio::awaitable<void> service::publish_positions(time_ms now) {
  std::map<std::string, std::vector<std::tuple<int, time_ms, std::string>>> by_queue;
  for (const auto& [id, c] : convs_) {
    if (engine_->conversation_state(id) != "waiting") continue;
    by_queue[c.queue].emplace_back(-c.priority, c.queued_at, id);
  }
  for (auto& [queue, list] : by_queue) {
    std::sort(list.begin(), list.end());
    const std::string& team = queue_team_[queue];
    int serving = 0;
    for (const auto& [aid, a] : agent_infos_) {
      if (a.connections <= 0 || a.status != v1::AVAILABLE) continue;
      if (team.empty() || std::find(a.profile.teams().begin(), a.profile.teams().end(), team) != a.profile.teams().end()) {
        ++serving;
      }
    }
    auto h = handle_seconds_.try_emplace(queue, opts_.default_handle_seconds).first->second;
    int place = 0;
    for (const auto& [neg_priority, queued_at, id] : list) {
      ++place;
      auto& c = convs_[id];
      if (c.published_position == place) continue;
      c.published_position = place;
      spdlog::debug("router: {} is number {} in {}", id, place, queue);
      v1::ServerFrame f;
      auto* qp = f.mutable_queue_position();
      qp->set_conversation_id(id);
      qp->set_position(place);
      qp->set_estimated_wait_seconds(static_cast<int>(std::ceil(place * h / std::max(1, serving))));
      co_await redis_.async_exec(store::cmd("PUBLISH", keys_.conversation_channel(id), "F\n" + f.SerializeAsString()),
                                 use_tuple);
      if (!leader_) co_return;
    }
  }
  (void)now;
}

int service::reply_target_seconds(const std::string& queue) const {
  for (const auto& q : opts_.queues) {
    if (q.name() == queue && q.policy().reply_target_seconds() > 0) return q.policy().reply_target_seconds();
  }
  return 120;
}

void service::count_today(char kind, const std::string& id, const conv_info& c, bool in_time, time_ms now) {
  const std::int64_t day = now / 86'400'000;
  if (c.created_at < day * 86'400'000) return;
  redis_.eval(store::scripts::day_count(), store::cmd(keys_.day_counts(day), keys_.day_counted(day)),
              store::cmd(std::string(1, kind), id, c.queue, in_time ? "1" : "0", std::to_string(3 * 86'400)),
              [this, alive = std::weak_ptr<int>(alive_), term = token_, kind, queue = c.queue, in_time, now](
                  boost::system::error_code ec, store::reply r) {
                // Counted before, or unknown (the next leader reloads), or the lease changed hands
                // meanwhile (a new term starts from Redis's counts, load_today): nothing to add.
                if (ec || alive.expired() || term != token_ || r.as_int().value_or(0) != 1) return;
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
  const std::int64_t day = now / 86'400'000;
  auto [ec, r] = co_await redis_.async_exec(store::cmd("HGETALL", keys_.day_counts(day)), use_tuple);
  if (ec) co_return;
  for (std::size_t i = 0; i + 1 < r.elements.size(); i += 2) {
    const std::string& field = r.elements[i].str;
    const auto colon = field.rfind(':');
    if (colon == std::string::npos) continue;
    auto& d = today(field.substr(0, colon), now);
    const int n = static_cast<int>(r.elements[i + 1].as_int().value_or(0));
    const std::string kind = field.substr(colon + 1);
    if (kind == "a") d.answered = n;
    if (kind == "m") d.sl_met = n;
    if (kind == "x") d.abandoned = n;
  }
}

service::queue_day& service::today(const std::string& queue, time_ms now) {
  auto& d = days_[queue];
  const std::int64_t day = now / 86'400'000;
  if (d.day != day) d = queue_day{day, 0, 0, 0};
  return d;
}

// Each team's board, to its leads (the team channel). Computed from what the router holds: the
// waiting and held conversations, the agents, and today's counts (kept in Redis by count_today, so a
// new leader carries on with them; the reports, computed from the timelines, are the record).
asio::awaitable<void> service::publish_boards(time_ms now) {
  const auto started = std::chrono::steady_clock::now();
  std::map<std::string, v1::Board> boards;
  auto board_of = [&](const std::string& team) -> v1::Board& {
    auto& b = boards[team];
    b.set_team(team);
    b.set_at_ms(now);
    return b;
  };
  auto in_team = [](const v1::Agent& a, const std::string& team) {
    return std::find(a.teams().begin(), a.teams().end(), team) != a.teams().end();
  };
  // A conversation at risk, on the board of its queue's team (if that team has one).
  auto at_risk = [&](const std::string& cid, const std::string& queue, const std::string& owner, std::string reason,
                     double score) {
    auto it = queue_team_.find(queue);
    if (it == queue_team_.end() || !boards.count(it->second)) return;
    auto* r = boards[it->second].add_at_risk();
    r->set_conversation_id(cid);
    r->set_queue(queue);
    r->set_owner_id(owner);
    r->set_reason(std::move(reason));
    r->set_score(score);
  };
  // The waiting conversations by queue, in one pass (not a pass per queue).
  std::unordered_map<std::string, std::vector<std::pair<const std::string*, time_ms>>> waiting_in;  // id, waited
  std::unordered_map<std::string, std::map<v1::Channel, int>> channels_in;  // queue → its channel mix
  for (const auto& [id, c] : convs_) {
    if (engine_->conversation_state(id) == "waiting") waiting_in[c.queue].emplace_back(&id, now - c.queued_at);
    ++channels_in[c.queue][c.channel];
  }
  std::unordered_map<std::string, std::vector<const v1::Agent*>> team_agents;  // every agent known, any status
  for (const auto& [aid, a] : agent_infos_) {
    for (const auto& t : a.profile.teams()) team_agents[t].push_back(&a.profile);
  }
  for (const auto& q : opts_.queues) {
    if (q.team().empty()) continue;
    auto& b = board_of(q.team());
    auto* qb = b.add_queues();
    qb->set_queue(q.name());
    const auto& waiting = waiting_in[q.name()];
    time_ms oldest = 0;
    const int target = q.policy().service_level_seconds() > 0 ? q.policy().service_level_seconds() : 60;
    for (const auto& [id, waited] : waiting) {
      oldest = std::max(oldest, waited);
      if (waited > time_ms{target} * 1000) {
        at_risk(*id, q.name(), "",
                "waiting " + std::to_string(waited / 1000) + " s, target " + std::to_string(target) + " s",
                static_cast<double>(waited) / (target * 1000.0));
      }
    }
    qb->set_waiting(static_cast<int>(waiting.size()));
    qb->set_oldest_wait_seconds(static_cast<int>(oldest / 1000));
    const auto& d = today(q.name(), now);
    qb->set_answered_today(d.answered);
    qb->set_abandoned_today(d.abandoned);
    qb->set_service_level_today(d.answered + d.abandoned > 0 ? static_cast<double>(d.sl_met) / (d.answered + d.abandoned)
                                                             : 0.0);
    auto& arr = arrivals_[q.name()];
    std::erase_if(arr, [&](time_ms t) { return now - t > 900'000; });
    qb->set_arrivals_per_hour(static_cast<double>(arr.size()) * 4.0);
    const double handle = handle_seconds_.try_emplace(q.name(), opts_.default_handle_seconds).first->second;
    qb->set_handle_seconds(handle);
    qb->set_service_level_seconds(q.policy().service_level_seconds());
    qb->set_service_level_target(q.policy().service_level_target());
    // Erlang C gives conversation slots; a chat agent fills several (docs/LEADS.md, staffing).
    qb->set_agents_needed(chat_agents_needed(
        static_cast<double>(arr.size()) / 900.0, handle, target,
        q.policy().service_level_target() > 0 ? q.policy().service_level_target() : 0.8,
        team_concurrency(team_agents[q.team()], channels_in[q.name()])));
    int available = 0;
    for (const auto& [aid, a] : agent_infos_) {
      if (a.connections > 0 && a.status == v1::AVAILABLE && in_team(a.profile, q.team())) ++available;
    }
    qb->set_agents_available(available);
  }
  // What each agent holds or is offered, in one pass.
  std::unordered_map<std::string, std::vector<std::pair<const std::string*, v1::Channel>>> held;
  for (const auto& [cid, c] : convs_) {
    if (!c.owner.empty()) held[c.owner].emplace_back(&cid, c.channel);
  }
  for (const auto& [aid, a] : agent_infos_) {
    for (const auto& team : a.profile.teams()) {
      if (!boards.count(team)) continue;
      auto* ab = boards[team].add_agents();
      ab->set_agent_id(aid);
      const auto status = a.connections > 0 ? a.status : v1::OFFLINE;
      ab->set_status(status);
      ab->set_status_seconds(a.profile.status_since_ms() > 0 ? static_cast<int>((now - a.profile.status_since_ms()) / 1000) : 0);
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
  std::erase_if(low_ratings_, [&](const auto& r) { return now - r.second.at > 3'600'000; });
  for (const auto& [cid, r] : low_ratings_) {
    at_risk(cid, r.queue, r.agent, "customer rated it " + std::to_string(r.score) + " of 5", 3 - r.score);
  }
  for (const auto& [cid, c] : convs_) {
    // Held while the customer has waited past the queue's reply target.
    if (c.awaiting_since > 0 && !c.owner.empty() && engine_->conversation_state(cid) == "assigned") {
      const int target = reply_target_seconds(c.queue);
      const time_ms waited = now - c.awaiting_since;
      if (waited > time_ms{target} * 1000) {
        at_risk(cid, c.queue, c.owner,
                "customer waiting " + std::to_string(waited / 1000) + " s for a reply, target " +
                    std::to_string(target) + " s",
                static_cast<double>(waited) / (target * 1000.0));
      }
    }
    if (c.transfers > 2) {
      at_risk(cid, c.queue, c.owner, "transferred " + std::to_string(c.transfers) + " times", c.transfers - 1.5);
    }
  }
  for (auto& [team, b] : boards) {
    auto* risks = b.mutable_at_risk();
    std::sort(risks->begin(), risks->end(), [](const v1::AtRisk& x, const v1::AtRisk& y) { return x.score() > y.score(); });
    while (risks->size() > 50) risks->RemoveLast();
  }
  const auto cost_us =
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started).count();
  spdlog::debug("router: boards of {} teams computed in {} us", boards.size(), cost_us);
  for (auto& [team, b] : boards) {
    b.set_compute_us(cost_us);
    v1::ServerFrame f;
    *f.mutable_board() = std::move(b);
    co_await redis_.async_exec(store::cmd("PUBLISH", keys_.team_channel(team), f.SerializeAsString()), use_tuple);
    if (!leader_) co_return;
  }
}


}  // namespace switchboard::router
