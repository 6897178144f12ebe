#include "gateway/hub.hpp"

#include <algorithm>
#include <charconv>

namespace switchboard::gateway {

bool customer_may_see(const v1::Event& ev) {
  switch (ev.kind_case()) {
    case v1::Event::kMessage:
      return ev.message().direction() != v1::DIRECTION_INTERNAL;
    case v1::Event::kStatusChange:
    case v1::Event::kRating:
    case v1::Event::kTyping:
    case v1::Event::kRead:
      return true;
    default:
      return false;
  }
}

bool decode_published_event(std::string_view payload, std::string_view conversation_id, v1::Event& out) {
  const auto nl1 = payload.find('\n');
  if (nl1 == std::string_view::npos) return false;
  const auto nl2 = payload.find('\n', nl1 + 1);
  if (nl2 == std::string_view::npos) return false;
  std::int64_t seq = 0;
  auto [end, ec] = std::from_chars(payload.data(), payload.data() + nl1, seq);
  if (ec != std::errc() || end != payload.data() + nl1) return false;
  const auto bytes = payload.substr(nl2 + 1);
  if (!out.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) return false;
  out.set_seq(seq);
  out.set_conversation_id(std::string(conversation_id));
  return true;
}

hub::hub(store::redis_subscriber& sub, const store::key_layout& keys) : sub_(sub), keys_(keys) {}

void hub::join(const std::string& conversation_id, const std::shared_ptr<session_sink>& s) {
  auto& room = rooms_[conversation_id];
  for (const auto& w : room) {
    if (w.lock() == s) return;
  }
  room.push_back(s);
  if (room.size() == 1) {
    const std::string channel = keys_.conversation_channel(conversation_id);
    channel_to_conversation_[channel] = conversation_id;
    sub_.subscribe(channel, [this](std::string_view ch, std::string_view payload) { on_publish(ch, payload); });
  }
}

void hub::leave_all(const session_sink* s) {
  for (auto it = rooms_.begin(); it != rooms_.end();) {
    auto& room = it->second;
    std::erase_if(room, [s](const std::weak_ptr<session_sink>& w) {
      auto p = w.lock();
      return !p || p.get() == s;
    });
    if (room.empty()) {
      const std::string channel = keys_.conversation_channel(it->first);
      sub_.unsubscribe(channel);
      channel_to_conversation_.erase(channel);
      it = rooms_.erase(it);
    } else {
      ++it;
    }
  }
}

std::size_t hub::members(const std::string& conversation_id) const {
  auto it = rooms_.find(conversation_id);
  return it == rooms_.end() ? 0 : it->second.size();
}

void hub::on_publish(std::string_view channel, std::string_view payload) {
  auto it = channel_to_conversation_.find(std::string(channel));
  if (it == channel_to_conversation_.end()) return;
  v1::Event ev;
  if (!decode_published_event(payload, it->second, ev)) return;
  deliver(it->second, ev);
}

void hub::deliver(const std::string& conversation_id, const v1::Event& ev) {
  auto it = rooms_.find(conversation_id);
  if (it == rooms_.end()) return;
  // One frame, encoded once per format, shared by every member who may see it.
  v1::ServerFrame f;
  *f.mutable_event() = ev;
  const auto shared = std::make_shared<const outbound_frame>(std::move(f));
  const bool customers_may = customer_may_see(ev);
  for (const auto& w : it->second) {
    auto s = w.lock();
    if (!s) continue;
    if (s->who().who == role::customer && !customers_may) continue;
    s->deliver(shared);
  }
}

}  // namespace switchboard::gateway
