#include "store/redis_subscriber.hpp"

#include <hiredis/hiredis.h>
#include <spdlog/spdlog.h>

#include <array>
#include <utility>
#include <vector>

namespace switchboard::store {

using boost::system::error_code;

class redis_subscriber::impl final : public redis_link {
 public:
  using redis_link::redis_link;

  struct wanted {
    message_handler handler;
    bool confirmed = false;
    std::chrono::steady_clock::time_point deadline{};
    std::vector<std::function<void()>> waiting;  // redis_subscriber::confirmed
  };
  std::map<std::string, wanted, std::less<>> channels;
  std::function<void()> resubscribed;
  bool resubscribing = false;  // a connect's SUBSCRIBEs are out: tell `resubscribed` once all are confirmed

  void send_subscribe(const std::string& channel, wanted& w) {
    std::array<const char*, 2> argv{"SUBSCRIBE", channel.c_str()};
    std::array<std::size_t, 2> lens{9, channel.size()};
    w.confirmed = false;
    w.deadline = clock_.steady() + opts_.command_timeout;
    if (redisAsyncCommandArgv(ctx_, &impl::on_message_cb, nullptr, 2, argv.data(), lens.data()) != REDIS_OK) {
      drop(errc::disconnected);
      return;
    }
    arm_tick();
  }

  void send_unsubscribe(const std::string& channel) {
    std::array<const char*, 2> argv{"UNSUBSCRIBE", channel.c_str()};
    std::array<std::size_t, 2> lens{11, channel.size()};
    redisAsyncCommandArgv(ctx_, &impl::on_message_cb, nullptr, 2, argv.data(), lens.data());
  }

  // Subscriptions can go out once our handshake ran (it runs inside the connect callback).
  bool can_send() const {
    return ctx_ != nullptr && (current_state() == state::handshaking || current_state() == state::ready);
  }

  bool all_confirmed() const {
    for (const auto& [name, w] : channels) {
      if (!w.confirmed) return false;
    }
    return true;
  }

 protected:
  void on_handshake() override {
    // AUTH/SELECT replies are FIFO; SUBSCRIBE confirmations come through on_message_cb. The link
    // turns ready after its PING, sent before the SUBSCRIBEs switch the connection to pub/sub.
    handshake_done();
    resubscribing = !channels.empty();
    for (auto& [name, w] : channels) send_subscribe(name, w);
  }

  void on_lost() override {
    for (auto& [name, w] : channels) w.confirmed = false;
  }

  bool subclass_waiting() const override { return !all_confirmed(); }

  bool subclass_overdue(std::chrono::steady_clock::time_point now) override {
    if (ctx_ == nullptr) return false;
    for (const auto& [name, w] : channels) {
      if (!w.confirmed && w.deadline != std::chrono::steady_clock::time_point{} && w.deadline <= now) return true;
    }
    return false;
  }

 private:
  static void on_message_cb(redisAsyncContext* c, void* r, void*) noexcept {
    auto* self = static_cast<impl*>(static_cast<redis_link*>(c->data));
    auto* rep = static_cast<redisReply*>(r);
    if (self == nullptr || rep == nullptr || rep->type != REDIS_REPLY_ARRAY || rep->elements < 3) return;
    std::string_view kind(rep->element[0]->str, rep->element[0]->len);
    std::string_view channel(rep->element[1]->str, rep->element[1]->len);
    auto it = self->channels.find(channel);
    if (it == self->channels.end()) return;
    try {
      if (kind == "message") {
        std::string_view payload(rep->element[2]->str, rep->element[2]->len);
        auto handler = it->second.handler;  // the handler may unsubscribe
        handler(channel, payload);
      } else if (kind == "subscribe") {
        it->second.confirmed = true;
        for (auto& then : std::exchange(it->second.waiting, {})) then();
        if (self->resubscribing && self->all_confirmed()) {
          self->resubscribing = false;
          if (self->resubscribed) self->resubscribed();
        }
      }
    } catch (const std::exception& e) {
      spdlog::error("redis link={} message handler threw: {}", self->name_, e.what());
    }
  }
};

redis_subscriber::redis_subscriber(boost::asio::any_io_executor ex, redis_options opts, const clock& clk,
                                   std::string name)
    : impl_(std::make_shared<impl>(std::move(ex), std::move(opts), clk, std::move(name))) {}

redis_subscriber::~redis_subscriber() { impl_->stop(); }

void redis_subscriber::start() { impl_->start(); }
void redis_subscriber::stop() { impl_->stop(); }
bool redis_subscriber::ready() const noexcept { return impl_->ready() && impl_->all_confirmed(); }
redis_link& redis_subscriber::link() noexcept { return *impl_; }

void redis_subscriber::subscribe(const std::string& channel, message_handler h) {
  auto [it, inserted] = impl_->channels.try_emplace(channel);
  it->second.handler = std::move(h);
  if (inserted && impl_->can_send()) impl_->send_subscribe(it->first, it->second);
}

void redis_subscriber::unsubscribe(const std::string& channel) {
  auto it = impl_->channels.find(channel);
  if (it == impl_->channels.end()) return;
  auto waiting = std::move(it->second.waiting);
  impl_->channels.erase(it);
  if (impl_->can_send()) impl_->send_unsubscribe(channel);
  for (auto& then : waiting) then();
}

bool redis_subscriber::confirmed(const std::string& channel, std::function<void()> then) {
  auto it = impl_->channels.find(channel);
  if (it == impl_->channels.end() || it->second.confirmed) return true;  // nothing to wait for
  it->second.waiting.push_back(std::move(then));
  return false;
}

void redis_subscriber::on_resubscribed(std::function<void()> h) { impl_->resubscribed = std::move(h); }

}  // namespace switchboard::store
