#include "store/redis_subscriber.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <spdlog/spdlog.h>

#include <stdexcept>
#include <utility>
#include <vector>

#include "store/cluster_slots.hpp"
#include "store/redis_cluster.hpp"
#include "store/shard_link.hpp"

namespace switchboard::store {

namespace asio = boost::asio;
using boost::system::error_code;

namespace {
constexpr auto kPlaceAgain = std::chrono::milliseconds(100);  // a channel refused: placed again after this
}

// Every channel wanted, and the connection it is on: the one server's, or its slot's primary's.
class redis_subscriber::impl : public std::enable_shared_from_this<impl> {
 public:
  using link_ptr = std::shared_ptr<shard_link>;
  struct entry {
    message_handler handler;
    bool confirmed = false;
    link_ptr at;                                 // null: not placed yet
    std::vector<std::function<void()>> waiting;  // redis_subscriber::confirmed
  };

  impl(asio::any_io_executor ex, redis_options opts, const clock& clk, std::string name)
      : ex_(std::move(ex)), opts_(std::move(opts)), clock_(clk), name_(std::move(name)) {}

  void init() {
    if (opts_.cluster_seeds.empty()) {
      single_ = make_link(opts_);
      return;
    }
    map_ = std::make_shared<redis_cluster>(ex_, opts_, clock_, name_ + "-map");
    std::weak_ptr<impl> weak = shared_from_this();
    map_->on_state_change([weak](redis_link::state s, error_code) {
      if (auto self = weak.lock(); self && s == redis_link::state::ready) self->place_all();
    });
    map_->on_map_change([weak] {
      if (auto self = weak.lock()) self->place_all();
    });
  }

  void start() {
    if (single_) return single_->start();
    map_->start();
  }

  void stop() {
    stopped_ = true;
    if (single_) return single_->stop();
    map_->stop();
    for (auto& [_, link] : links_) link->stop();
  }

  bool ready() const {
    if (single_ && !single_->ready()) return false;
    if (map_ && !map_->ready()) return false;
    for (const auto& [_, e] : channels) {
      if (!e.confirmed || !e.at || !e.at->ready()) return false;
    }
    return true;
  }

  redis_link& link() {
    if (!single_) throw std::logic_error("redis_subscriber::link(): a Cluster has a connection per primary");
    return *single_;
  }

  void subscribe(const std::string& channel, message_handler h) {
    auto [it, inserted] = channels.try_emplace(channel);
    it->second.handler = std::move(h);
    if (inserted) place(it->first, it->second);
  }

  void unsubscribe(const std::string& channel) {
    auto it = channels.find(channel);
    if (it == channels.end()) return;
    auto waiting = std::move(it->second.waiting);
    if (it->second.at) it->second.at->remove(channel);
    channels.erase(it);
    for (auto& then : waiting) then();
  }

  bool confirmed(const std::string& channel, std::function<void()> then) {
    auto it = channels.find(channel);
    if (it == channels.end() || it->second.confirmed) return true;  // nothing to wait for
    it->second.waiting.push_back(std::move(then));
    return false;
  }

  std::function<void()> resubscribed;
  std::map<std::string, entry, std::less<>> channels;

 private:
  link_ptr make_link(redis_options o) {
    const std::string at = o.host + ":" + std::to_string(o.port);
    o.cluster_seeds.clear();
    std::weak_ptr<impl> weak = weak_from_this();
    shard_link::events ev;
    ev.message = [weak](std::string_view channel, std::string_view payload) {
      auto self = weak.lock();
      if (!self) return;
      auto it = self->channels.find(channel);
      if (it == self->channels.end()) return;
      auto handler = it->second.handler;  // the handler may unsubscribe
      handler(channel, payload);
    };
    ev.confirmed = [weak](const std::string& channel) {
      if (auto self = weak.lock()) self->on_confirmed(channel);
    };
    ev.displaced = [weak](const std::string& channel, std::string_view why) {
      if (auto self = weak.lock()) self->on_displaced(channel, why);
    };
    ev.reconnected = [weak] {
      if (auto self = weak.lock()) self->resubscribing_ = true;
    };
    ev.lost = [weak, at] {
      auto self = weak.lock();
      if (!self) return;
      for (auto& [_, e] : self->channels) {
        if (self->single_ || (e.at && e.at->address() == at)) e.confirmed = false;
      }
    };
    return std::make_shared<shard_link>(ex_, std::move(o), clock_, name_, std::move(ev));
  }

  // The connection `channel` belongs on now: the server's, or its slot's primary's.
  link_ptr home_of(std::string_view channel) {
    if (single_) return single_;
    auto primary = map_->primary_of(key_slot(channel));
    if (!primary) return nullptr;
    const std::string at = primary->host + ":" + std::to_string(primary->port);
    auto& link = links_[at];
    if (!link) {
      redis_options o = opts_;
      o.host = primary->host;
      o.port = primary->port;
      link = make_link(std::move(o));
      if (!stopped_) link->start();
    }
    return link;
  }

  void place(const std::string& channel, entry& e) {
    link_ptr home = home_of(channel);
    if (home == e.at) return;
    if (e.at) {
      e.at->remove(channel);  // its slot moved: what was published between is read back
      resubscribing_ = true;
    }
    e.confirmed = false;
    e.at = home;
    if (home) home->add(channel);
  }

  void place_all() {
    for (auto& [name, e] : channels) place(name, e);
    // Connections no channel needs any more (a primary gone or demoted) are closed.
    for (auto it = links_.begin(); it != links_.end();) {
      if (it->second->empty()) {
        it->second->stop();
        it = links_.erase(it);
      } else {
        ++it;
      }
    }
  }

  void on_confirmed(const std::string& channel) {
    auto it = channels.find(channel);
    if (it == channels.end()) return;
    it->second.confirmed = true;
    for (auto& then : std::exchange(it->second.waiting, {})) then();
    if (!resubscribing_) return;
    for (const auto& [_, e] : channels) {
      if (!e.confirmed) return;
    }
    resubscribing_ = false;
    if (resubscribed) resubscribed();
  }

  void on_displaced(const std::string& channel, std::string_view why) {
    auto it = channels.find(channel);
    if (it == channels.end()) return;
    spdlog::info("redis link={} channel {} moves: {}", name_, channel, why);
    it->second.at = nullptr;
    it->second.confirmed = false;
    resubscribing_ = true;
    if (map_) map_->refresh_soon();
    auto later = std::make_shared<asio::steady_timer>(ex_, kPlaceAgain);
    later->async_wait([weak = weak_from_this(), later, channel](error_code) {
      auto self = weak.lock();
      if (!self || self->stopped_) return;
      if (auto e = self->channels.find(channel); e != self->channels.end()) self->place(e->first, e->second);
    });
  }

  asio::any_io_executor ex_;
  redis_options opts_;
  const clock& clock_;
  std::string name_;
  link_ptr single_;                               // a single server (or the primary Sentinel names)
  std::shared_ptr<redis_cluster> map_;            // or a Cluster's slot map
  std::map<std::string, link_ptr> links_;         // and a connection per primary holding channels
  bool resubscribing_ = false;  // channels are being subscribed again: tell `resubscribed` once all are confirmed
  bool stopped_ = false;
};

redis_subscriber::redis_subscriber(asio::any_io_executor ex, redis_options opts, const clock& clk, std::string name)
    : impl_(std::make_shared<impl>(std::move(ex), std::move(opts), clk, std::move(name))) {
  impl_->init();
}

redis_subscriber::~redis_subscriber() { impl_->stop(); }

void redis_subscriber::start() { impl_->start(); }
void redis_subscriber::stop() { impl_->stop(); }
bool redis_subscriber::ready() const noexcept { return impl_->ready(); }
redis_link& redis_subscriber::link() { return impl_->link(); }

void redis_subscriber::subscribe(const std::string& channel, message_handler h) {
  impl_->subscribe(channel, std::move(h));
}
void redis_subscriber::unsubscribe(const std::string& channel) { impl_->unsubscribe(channel); }
bool redis_subscriber::confirmed(const std::string& channel, std::function<void()> then) {
  return impl_->confirmed(channel, std::move(then));
}
void redis_subscriber::on_resubscribed(std::function<void()> h) { impl_->resubscribed = std::move(h); }

}  // namespace switchboard::store
