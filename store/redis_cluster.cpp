#include "store/redis_cluster.hpp"

#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <set>
#include <utility>

namespace switchboard::store {

namespace asio = boost::asio;
using boost::system::error_code;

namespace {

constexpr auto kRefreshGap = std::chrono::milliseconds(100);  // at most ten map refreshes a second
constexpr auto kTryAgainPause = std::chrono::milliseconds(25);

std::string address_of(const redis_endpoint& ep) { return ep.host + ":" + std::to_string(ep.port); }

bool is_passing_refusal(std::string_view code) {
  return code == "CLUSTERDOWN" || code == "TRYAGAIN" || code == "MOVED" || code == "ASK";
}

}  // namespace

redis_cluster::redis_cluster(asio::any_io_executor ex, redis_options opts, const clock& clk, std::string name)
    : ex_(std::move(ex)),
      opts_(std::move(opts)),
      clock_(clk),
      name_(std::move(name)),
      slots_(kClusterSlots),
      periodic_(ex_),
      soon_(ex_),
      held_timer_(ex_) {}

void redis_cluster::start() {
  if (started_ || stopped_) return;
  started_ = true;
  for (const auto& seed : opts_.cluster_seeds) node_at(seed);
  arm_periodic();
}

void redis_cluster::stop() {
  if (stopped_) return;
  stopped_ = true;
  periodic_.cancel();
  soon_.cancel();
  held_timer_.cancel();
  for (auto& c : std::exchange(held_, {})) {
    asio::post(ex_, [h = std::move(c.h)] { h(errc::shutting_down, reply{}); });
  }
  auto nodes = std::move(nodes_);
  nodes_.clear();
  std::fill(slots_.begin(), slots_.end(), nullptr);
  for (auto& [_, link] : nodes) link->stop();
  for (auto& link : std::exchange(retired_, {})) link->stop();
  ready_ = false;
  if (state_handler_) state_handler_(redis_link::state::stopped, errc::shutting_down);
}

std::string redis_cluster::address() const {
  std::lock_guard lock(address_mutex_);
  return address_;
}

std::uint64_t redis_cluster::reconnects() const noexcept {
  std::uint64_t n = retired_reconnects_;
  for (const auto& [_, link] : nodes_) n += link->reconnects();
  return n;
}

std::vector<redis_endpoint> redis_cluster::primaries() const {
  std::vector<redis_endpoint> out;
  std::set<const script_link*> seen;
  for (int slot = 0; slot < kClusterSlots; ++slot) {
    const auto& link = slots_[static_cast<std::size_t>(slot)];
    if (link && seen.insert(link.get()).second) out.push_back(*primary_of(slot));
  }
  return out;
}

std::optional<redis_endpoint> redis_cluster::primary_of(int slot) const {
  const auto& link = slots_[static_cast<std::size_t>(slot)];
  if (!link) return std::nullopt;
  redis_endpoint ep;
  ep.host = link->options().host;
  ep.port = link->options().port;
  return ep;
}

redis_cluster::link_ptr redis_cluster::node_at(const redis_endpoint& at) {
  const std::string addr = address_of(at);
  if (auto it = nodes_.find(addr); it != nodes_.end()) return it->second;
  redis_options o = opts_;
  o.host = at.host;
  o.port = at.port;
  o.db = 0;
  o.sentinels.clear();
  o.cluster_seeds.clear();
  auto link = std::make_shared<script_link>(ex_, std::move(o), clock_, name_);
  link->scripts = scripts_;
  std::weak_ptr<redis_cluster> weak = shared_from_this();
  link->on_state_change([weak, raw = link.get()](redis_link::state s, error_code) {
    auto self = weak.lock();
    if (!self) return;
    if (s == redis_link::state::ready) self->met_.insert(raw);
    self->node_changed();
  });
  nodes_.emplace(addr, link);
  if (!stopped_) link->start();
  return link;
}

redis_cluster::link_ptr redis_cluster::any_ready() const {
  for (const auto& link : slots_) {
    if (link && link->ready()) return link;
  }
  for (const auto& [_, link] : nodes_) {
    if (link->ready()) return link;
  }
  return nullptr;
}

void redis_cluster::send(std::shared_ptr<const std::vector<std::string>> argv, std::optional<int> slot,
                         reply_handler h) {
  link_ptr node = slot ? slots_[static_cast<std::size_t>(*slot)] : any_ready();
  if (!node || stopped_) {
    if (!stopped_) refresh_soon();
    asio::post(ex_, [h = std::move(h), down = stopped_] {
      h(down ? errc::shutting_down : errc::not_connected, reply{});
    });
    return;
  }
  send_to(node, std::move(argv), slot, std::move(h), 0);
}

void redis_cluster::send_at(const redis_endpoint& at, std::shared_ptr<const std::vector<std::string>> argv,
                            reply_handler h) {
  send_to(node_at(at), std::move(argv), std::nullopt, std::move(h), kMaxHops);
}

void redis_cluster::send_to(const link_ptr& node, std::shared_ptr<const std::vector<std::string>> argv,
                            std::optional<int> slot, reply_handler h, int hops) {
  if (!node->ready() && !met_.contains(node.get()) && !stopped_) return hold(node, std::move(argv), slot, std::move(h), hops);
  std::vector<std::string_view> views(argv->begin(), argv->end());
  std::weak_ptr<redis_cluster> weak = shared_from_this();
  node->send(views, [weak, argv, slot, hops, h = std::move(h)](error_code ec, reply r) mutable {
    auto self = weak.lock();
    if (!self) return h(ec, std::move(r));
    self->on_answer(std::move(argv), slot, std::move(h), hops, ec, std::move(r));
  });
}

void redis_cluster::hold(const link_ptr& node, std::shared_ptr<const std::vector<std::string>> argv,
                         std::optional<int> slot, reply_handler h, int hops) {
  held_.push_back(held_command{node, std::move(argv), slot, std::move(h), hops,
                               std::chrono::steady_clock::now() + opts_.command_timeout});
  if (held_.size() == 1) arm_held_timer();
}

void redis_cluster::release_held() {
  if (held_.empty()) return;
  const auto now = std::chrono::steady_clock::now();
  std::vector<held_command> waiting;
  for (auto& c : std::exchange(held_, {})) {
    const bool gone = c.node->current_state() == redis_link::state::stopped;
    if (c.node->ready()) {
      send_to(c.node, std::move(c.argv), c.slot, std::move(c.h), c.hops);
    } else if (gone || c.until <= now) {
      asio::post(ex_, [h = std::move(c.h)] { h(errc::not_connected, reply{}); });
    } else {
      waiting.push_back(std::move(c));
    }
  }
  // send_to may have held more meanwhile (a new node again): keep both.
  for (auto& c : waiting) held_.push_back(std::move(c));
  if (!held_.empty()) arm_held_timer();
}

void redis_cluster::arm_held_timer() {
  auto first = held_.front().until;
  for (const auto& c : held_) first = std::min(first, c.until);
  held_timer_.expires_at(first);
  held_timer_.async_wait([weak = std::weak_ptr<redis_cluster>(shared_from_this())](error_code ec) {
    auto self = weak.lock();
    if (!self || ec || self->stopped_) return;
    self->release_held();
  });
}

void redis_cluster::on_answer(std::shared_ptr<const std::vector<std::string>> argv, std::optional<int> slot,
                              reply_handler h, int hops, error_code ec, reply r) {
  if (ec == errc::server_error && hops < kMaxHops && !stopped_) {
    if (auto to = parse_redirect(r.str)) {
      // Not run where it was sent: sending it on is safe.
      if (to->to.host.empty()) to->to.host = opts_.cluster_seeds.empty() ? "127.0.0.1" : opts_.cluster_seeds[0].host;
      link_ptr target = node_at(to->to);
      if (to->ask) {
        std::array<std::string_view, 1> asking{"ASKING"};
        target->send(asking, [](error_code, reply) {});
      } else {
        slots_[static_cast<std::size_t>(to->slot)] = target;
        refresh_soon();
        if (map_handler_) map_handler_();
      }
      return send_to(target, std::move(argv), slot, std::move(h), hops + 1);
    }
    if (r.error_code() == "TRYAGAIN") {
      auto pause = std::make_shared<asio::steady_timer>(ex_, kTryAgainPause);
      std::weak_ptr<redis_cluster> weak = shared_from_this();
      pause->async_wait([weak, pause, argv, slot, hops, h = std::move(h)](error_code) mutable {
        auto self = weak.lock();
        link_ptr node = self && !self->stopped_ && slot ? self->slots_[static_cast<std::size_t>(*slot)] : nullptr;
        if (!node) return h(errc::not_connected, reply{});
        self->send_to(node, std::move(argv), slot, std::move(h), hops + 1);
      });
      return;
    }
  }
  if (ec == errc::not_connected || ec == errc::disconnected || ec == errc::timeout ||
      r.error_code() == "CLUSTERDOWN") {
    refresh_soon();
  }
  // The cluster's passing states refuse a command without running it: a slot without a primary
  // (CLUSTERDOWN, on every node while coverage is incomplete), a migration or a move that outlasted
  // our hops. The sender is told to retry (not_connected: not run), the reply's text kept for logs.
  if (ec == errc::server_error && is_passing_refusal(r.error_code())) ec = errc::not_connected;
  h(ec, std::move(r));
}

void redis_cluster::refresh() {
  if (refreshing_ || stopped_) return;
  link_ptr node = any_ready();
  if (!node) {
    // Nothing reachable: (re)connect to the seeds; the first ready one asks for the map.
    for (const auto& seed : opts_.cluster_seeds) node_at(seed);
    return;
  }
  refreshing_ = true;
  redis_endpoint asked;
  asked.host = node->options().host;
  asked.port = node->options().port;
  std::array<std::string_view, 2> query{"CLUSTER", "SLOTS"};
  std::weak_ptr<redis_cluster> weak = shared_from_this();
  node->send(query, [weak, asked](error_code ec, reply r) {
    auto self = weak.lock();
    if (!self || self->stopped_) return;
    self->refreshing_ = false;
    if (ec) {
      spdlog::warn("redis cluster={} CLUSTER SLOTS at {}:{} failed: {}", self->name_, asked.host, asked.port,
                   r.str.empty() ? ec.message() : r.str);
      return self->refresh_soon();
    }
    try {
      self->apply(parse_cluster_slots(r, asked));
    } catch (const std::exception& e) {
      spdlog::warn("redis cluster={} {}", self->name_, e.what());
    }
  });
}

void redis_cluster::refresh_soon() {
  if (soon_armed_ || stopped_) return;
  soon_armed_ = true;
  soon_.expires_after(kRefreshGap);
  soon_.async_wait([weak = std::weak_ptr<redis_cluster>(shared_from_this())](error_code ec) {
    auto self = weak.lock();
    if (!self || ec) return;
    self->soon_armed_ = false;
    self->refresh();
  });
}

void redis_cluster::arm_periodic() {
  periodic_.expires_after(opts_.cluster_refresh);
  periodic_.async_wait([weak = std::weak_ptr<redis_cluster>(shared_from_this())](error_code ec) {
    auto self = weak.lock();
    if (!self || ec || self->stopped_) return;
    self->refresh();
    self->arm_periodic();
  });
}

void redis_cluster::apply(const std::vector<slot_range>& ranges) {
  std::vector<link_ptr> next(kClusterSlots);
  std::set<std::string> used;
  std::string listed;
  for (const auto& range : ranges) {
    link_ptr link = node_at(range.primary);
    const std::string addr = address_of(range.primary);
    if (used.insert(addr).second) listed += (listed.empty() ? "" : ",") + addr;
    std::fill(next.begin() + range.first, next.begin() + range.last + 1, link);
  }
  const bool moved = next != slots_;
  slots_ = std::move(next);
  std::vector<std::string> gone;
  for (const auto& [addr, _] : nodes_) {
    if (!used.contains(addr)) gone.push_back(addr);
  }
  for (const auto& addr : gone) retire(addr);
  {
    std::lock_guard lock(address_mutex_);
    if (moved) spdlog::info("redis cluster={} primaries {}", name_, listed);
    address_ = "cluster " + listed;
  }
  node_changed();
  if (moved && map_handler_) map_handler_();
}

void redis_cluster::retire(const std::string& address) {
  auto it = nodes_.find(address);
  if (it == nodes_.end()) return;
  link_ptr link = std::move(it->second);
  nodes_.erase(it);
  retired_reconnects_ += link->reconnects();
  link->on_state_change({});
  met_.erase(link.get());
  // Replies still due from it (MOVED ones, most likely) may come back: stop it a timeout later, or
  // at stop() (a link never stopped keeps itself alive through its hiredis context).
  retired_.push_back(link);
  auto later = std::make_shared<asio::steady_timer>(ex_, opts_.command_timeout);
  std::weak_ptr<redis_cluster> weak = shared_from_this();
  later->async_wait([later, weak, gone = std::weak_ptr<script_link>(link)](error_code) {
    auto link = gone.lock();
    if (!link) return;
    link->stop();
    if (auto self = weak.lock()) std::erase(self->retired_, link);
  });
}

void redis_cluster::node_changed() {
  if (stopped_) return;
  release_held();
  bool complete = true;
  bool all_ready = true;
  for (const auto& link : slots_) {
    if (!link) {
      complete = false;
      break;
    }
    if (!link->ready()) all_ready = false;
  }
  // A map to learn: ask at once (start-up); a primary lost: ask again soon (a failover moves its
  // slots to a replica).
  if (!complete) {
    refresh();
  } else if (!all_ready) {
    refresh_soon();
  }
  const bool now_ready = complete && all_ready;
  if (now_ready == ready_) return;
  ready_ = now_ready;
  if (now_ready) spdlog::info("redis cluster={} ready: {}", name_, address());
  if (state_handler_) {
    state_handler_(now_ready ? redis_link::state::ready : redis_link::state::connecting,
                   now_ready ? error_code() : error_code(errc::not_connected));
  }
}

}  // namespace switchboard::store
