#include "store/shard_link.hpp"

#include <hiredis/hiredis.h>
#include <spdlog/spdlog.h>

#include <array>
#include <cstdlib>
#include <strings.h>

namespace switchboard::store {

using boost::system::error_code;

shard_link::shard_link(boost::asio::any_io_executor ex, redis_options opts, const clock& clk, std::string name,
                       events ev)
    : redis_link(std::move(ex), std::move(opts), clk, std::move(name)), ev_(std::move(ev)) {}

bool shard_link::all_confirmed() const {
  for (const auto& [_, deadline] : channels_) {
    if (deadline != time_point{}) return false;
  }
  return true;
}

bool shard_link::can_send() const {
  return ctx_ != nullptr && (current_state() == state::handshaking || current_state() == state::ready);
}

void shard_link::add(const std::string& channel) {
  auto [it, inserted] = channels_.try_emplace(channel, clock_.steady() + opts_.command_timeout);
  if (inserted && can_send()) send_subscription(true, channel);
}

void shard_link::remove(const std::string& channel) {
  if (channels_.erase(channel) == 0) return;
  if (can_send()) send_subscription(false, channel);
}

void shard_link::send_subscription(bool subscribe, const std::string& channel) {
  const char* verb = subscribe ? "SSUBSCRIBE" : "SUNSUBSCRIBE";
  std::array<const char*, 2> argv{verb, channel.c_str()};
  std::array<std::size_t, 2> lens{std::strlen(verb), channel.size()};
  if (redisAsyncCommandArgv(ctx_, &shard_link::on_reply_cb, nullptr, 2, argv.data(), lens.data()) != REDIS_OK) {
    drop(errc::disconnected);
    return;
  }
  due_.push_back((subscribe ? "+" : "-") + channel);
  if (subscribe) {
    channels_[channel] = clock_.steady() + opts_.command_timeout;
    arm_tick();
  }
}

void shard_link::on_handshake() {
  // The handshake's replies are FIFO ahead of ours; the link turns ready after its PING.
  handshake_done();
  if (channels_.empty()) return;
  if (ev_.reconnected) ev_.reconnected();
  for (auto& [name, _] : channels_) send_subscription(true, name);
}

void shard_link::on_lost() {
  due_.clear();
  for (auto& [_, deadline] : channels_) deadline = clock_.steady() + opts_.command_timeout;
  if (ev_.lost) ev_.lost();
}

bool shard_link::subclass_overdue(time_point now) {
  if (ctx_ == nullptr) return false;
  for (const auto& [_, deadline] : channels_) {
    if (deadline != time_point{} && deadline <= now && !due_.empty()) return true;
  }
  return false;
}

void shard_link::keep_listening() {
  // hiredis gives each reply to the head of its queue; with none queued it would take a message
  // for a protocol error. Keep one of ours there (hiredis frees it with free() once used).
  if (ctx_ == nullptr || ctx_->replies.head != nullptr) return;
  auto* cb = static_cast<redisCallback*>(std::calloc(1, sizeof(redisCallback)));
  if (cb == nullptr) return drop(errc::disconnected);
  cb->fn = &shard_link::on_reply_cb;
  ctx_->replies.head = ctx_->replies.tail = cb;
}

void shard_link::on_reply_cb(redisAsyncContext* c, void* r, void*) noexcept {
  auto* self = static_cast<shard_link*>(static_cast<redis_link*>(c->data));
  if (self == nullptr || r == nullptr) return;  // freed, or the connection is going: nothing to keep
  ++self->callback_depth_;
  try {
    self->on_reply(static_cast<const redisReply*>(r));
    self->keep_listening();
  } catch (const std::exception& e) {
    spdlog::error("redis link={} message handler threw: {}", self->name_, e.what());
  }
  --self->callback_depth_;
}

void shard_link::on_reply(const redisReply* r) {
  if (r->type == REDIS_REPLY_ERROR) {
    // The answer to the oldest SSUBSCRIBE or SUNSUBSCRIBE due: on a Cluster, MOVED.
    std::string sent = due_.empty() ? std::string() : std::move(due_.front());
    if (!due_.empty()) due_.pop_front();
    const std::string_view why(r->str, r->len);
    if (sent.size() > 1 && sent[0] == '+' && channels_.erase(sent.substr(1)) > 0) {
      if (why.starts_with("MOVED ") && ev_.displaced) return ev_.displaced(sent.substr(1), why);
      spdlog::error("redis link={} SSUBSCRIBE {} refused: {}", name_, sent.substr(1), why);
      channels_.emplace(sent.substr(1), clock_.steady() + opts_.command_timeout);
      drop(errc::server_error);  // subscribed again after the backoff
    }
    return;
  }
  if (r->type != REDIS_REPLY_ARRAY || r->elements < 3 || r->element[0]->type != REDIS_REPLY_STRING) return;
  const std::string_view kind(r->element[0]->str, r->element[0]->len);
  const std::string_view channel(r->element[1]->str, r->element[1]->len);
  if (kind == "smessage" || kind == "message") {
    if (!channels_.contains(channel)) return;
    if (ev_.message) ev_.message(channel, std::string_view(r->element[2]->str, r->element[2]->len));
    return;
  }
  const bool subscribed = kind == "ssubscribe";
  if (!subscribed && kind != "sunsubscribe") return;
  const std::string expected = (subscribed ? "+" : "-") + std::string(channel);
  const bool answer = !due_.empty() && due_.front() == expected;
  if (answer) due_.pop_front();
  auto it = channels_.find(channel);
  if (it == channels_.end()) return;
  if (subscribed) {
    it->second = time_point{};
    if (ev_.confirmed) ev_.confirmed(it->first);
  } else if (!answer) {
    // Unasked: the channel's slot left this node (Redis 7 tells its shard subscribers so).
    std::string name = it->first;
    channels_.erase(it);
    if (ev_.displaced) ev_.displaced(name, "its slot moved");
  }
}

}  // namespace switchboard::store
