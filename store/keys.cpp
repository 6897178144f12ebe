#include "store/keys.hpp"

#include <charconv>

namespace switchboard::store {
namespace {

std::uint64_t fnv1a64(std::string_view s) noexcept {
  std::uint64_t h = 14695981039346656037ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

constexpr std::pair<v1::Channel, std::string_view> kChannels[] = {
    {v1::CHANNEL_WEB, "web"},           {v1::CHANNEL_EMAIL, "email"},         {v1::CHANNEL_WHATSAPP, "whatsapp"},
    {v1::CHANNEL_MESSENGER, "messenger"}, {v1::CHANNEL_INSTAGRAM, "instagram"}, {v1::CHANNEL_TELEGRAM, "telegram"},
    {v1::CHANNEL_SMS, "sms"},
};

}  // namespace

key_layout::key_layout(std::string prefix, int groups) : prefix_(std::move(prefix)), groups_(groups) {}

int key_layout::group_of_customer(std::string_view customer_id) const noexcept {
  return static_cast<int>(fnv1a64(customer_id) % static_cast<std::uint64_t>(groups_));
}

int key_layout::agent_group_of(std::string_view agent_id) const noexcept {
  return static_cast<int>(fnv1a64(agent_id) % static_cast<std::uint64_t>(kAgentGroups));
}

std::optional<int> key_layout::group_of_conversation(std::string_view id) const noexcept {
  auto dash = id.rfind('-');
  if (dash == std::string_view::npos || dash == 0 || dash + 1 == id.size()) return std::nullopt;
  int g = -1;
  auto digits = id.substr(dash + 1);
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), g);
  if (ec != std::errc() || end != digits.data() + digits.size() || g < 0 || g >= groups_) return std::nullopt;
  return g;
}

std::string key_layout::conversation_id(std::string_view ulid, std::string_view customer_id) const {
  return std::string(ulid) + "-" + std::to_string(group_of_customer(customer_id));
}

std::string key_layout::tagged(int group, std::string_view kind, std::string_view rest) const {
  std::string k;
  k.reserve(prefix_.size() + 16 + kind.size() + rest.size());
  k += prefix_;
  k += ":{g";
  k += std::to_string(group);
  k += "}:";
  k += kind;
  if (!rest.empty()) {
    k += ':';
    k += rest;
  }
  return k;
}

std::string key_layout::identity(v1::Channel channel, std::string_view address) const {
  return prefix_ + ":id:" + std::string(channel_name(channel)) + ":" + std::string(address);
}

std::string key_layout::customer(std::string_view id) const { return tagged(group_of_customer(id), "cu", id); }

std::string key_layout::customer_identities(std::string_view id) const { return customer(id) + ":ids"; }

std::string key_layout::customer_readers(std::string_view id) const { return customer(id) + ":rd"; }

std::string key_layout::customer_mail(std::string_view id) const { return customer(id) + ":ml"; }

std::string key_layout::customer_merged(std::string_view id) const { return customer(id) + ":src"; }

std::string key_layout::customer_merges(std::string_view id) const { return customer(id) + ":mgs"; }

std::string key_layout::timeline(std::string_view id) const { return tagged(group_of_customer(id), "tl", id); }

std::string key_layout::dedupe(std::string_view customer_id, std::string_view key) const {
  return tagged(group_of_customer(customer_id), "dd", std::string(customer_id) + ":" + std::string(key));
}

std::string key_layout::routing_requests(int group) const { return tagged(group, "rq", ""); }

std::string key_layout::outbox(int group) const { return tagged(group, "ob", ""); }

std::string key_layout::identity_code(std::string_view customer_id) const { return prefix_ + ":vc:" + std::string(customer_id); }
std::string key_layout::identity_codes_sent(std::string_view who) const { return prefix_ + ":vn:" + std::string(who); }

std::string key_layout::media_jobs() const { return prefix_ + ":{md}:jobs"; }

std::string key_layout::outbox_dead() const { return prefix_ + ":{od}:dead"; }
std::string key_layout::outbox_dead_order() const { return prefix_ + ":{od}:dead:at"; }

std::string key_layout::sent_message(v1::Channel channel, std::string_view id) const {
  return prefix_ + ":pm:" + std::string(channel_name(channel)) + ":" + std::string(id);
}

std::string key_layout::unread_replies(v1::Channel channel, std::string_view address) const {
  return prefix_ + ":pu:" + std::string(channel_name(channel)) + ":" + std::string(address);
}

std::string key_layout::merge(std::string_view customer_id, std::string_view merge_id) const {
  return tagged(group_of_customer(customer_id), "mg", merge_id);
}

std::string key_layout::fence(int group) const { return tagged(group, "fence", ""); }

std::string key_layout::lease(std::string_view name) const { return prefix_ + ":{lease:" + std::string(name) + "}"; }
std::string key_layout::legacy_lease_token(std::string_view name) const {
  return prefix_ + ":lease:" + std::string(name) + ":token";
}
std::string key_layout::mailbox(std::string_view name) const { return prefix_ + ":mb:" + std::string(name); }

std::string key_layout::active(int group) const { return tagged(group, "act", ""); }
std::string key_layout::audit(int group) const { return tagged(group, "audit", ""); }
std::string key_layout::conversations_by_time(int group) const { return tagged(group, "cvt", ""); }
std::string key_layout::agents(int group) const { return agent_prefix(group) + "all"; }
std::string key_layout::users() const { return prefix_ + ":{u}:all"; }
std::string key_layout::user(std::string_view id) const { return prefix_ + ":{u}:" + std::string(id); }
std::string key_layout::user_sessions(std::string_view id) const { return user(id) + ":ses"; }
std::string key_layout::user_failures(std::string_view id) const { return user(id) + ":sf"; }
std::string key_layout::address_failures(std::string_view address) const {
  return prefix_ + ":{u}:sf:" + std::string(address);
}
std::string key_layout::revoke_channel() const { return prefix_ + ":{u}:revoke"; }
std::string key_layout::agent(std::string_view id) const { return agent_prefix(agent_group_of(id)) + std::string(id); }
std::string key_layout::agent_conversations(std::string_view id) const { return agent(id) + ":cv"; }
std::string key_layout::agent_desks(std::string_view id) const { return agent(id) + ":desks"; }
std::string key_layout::agent_history(std::string_view id) const { return agent(id) + ":hist"; }
std::string key_layout::day_counts(std::int64_t day) const { return prefix_ + ":{day}:" + std::to_string(day); }
std::string key_layout::day_counted(std::int64_t day) const { return day_counts(day) + ":counted"; }
std::string key_layout::team_channel(std::string_view team) const { return prefix_ + ":team:" + std::string(team) + ":ch"; }
std::string key_layout::agent_prefix(int group) const { return prefix_ + ":{a" + std::to_string(group) + "}:"; }
std::string key_layout::legacy_agent_prefix() const { return prefix_ + ":{ag}:"; }
std::string key_layout::agent_channel(std::string_view id) const { return prefix_ + ":ag:" + std::string(id) + ":ch"; }
std::string key_layout::agent_events(int group) const { return agent_prefix(group) + "ev"; }

std::optional<int> key_layout::agent_group_of_events(std::string_view stream) const noexcept {
  const std::string head = prefix_ + ":{a";
  if (!stream.starts_with(head) || !stream.ends_with("}:ev")) return std::nullopt;
  const auto digits = stream.substr(head.size(), stream.size() - head.size() - 4);
  int g = -1;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), g);
  if (ec != std::errc() || end != digits.data() + digits.size() || g < 0 || g >= kAgentGroups) return std::nullopt;
  return g;
}

std::string key_layout::group_conversation_prefix(int group) const { return tagged(group, "cv", "") + ":"; }

std::string key_layout::conversation_prefix(std::string_view customer_id) const {
  return tagged(group_of_customer(customer_id), "cv", "") + ":";
}

std::string key_layout::conversation(std::string_view id) const {
  auto g = group_of_conversation(id);
  return g ? tagged(*g, "cv", id) : std::string();
}

std::string key_layout::conversation_index(std::string_view id) const {
  auto k = conversation(id);
  return k.empty() ? k : k + ":ix";
}

std::string key_layout::conversation_channel(std::string_view id) const {
  auto k = conversation(id);
  return k.empty() ? k : k + ":ch";
}

std::string key_layout::timeline_prefix_of(std::string_view id) const {
  auto g = group_of_conversation(id);
  return g ? tagged(*g, "tl", "") + ":" : std::string();
}

std::string_view channel_name(v1::Channel c) noexcept {
  for (const auto& [ch, name] : kChannels) {
    if (ch == c) return name;
  }
  return "unknown";
}

std::optional<v1::Channel> channel_from_name(std::string_view name) noexcept {
  for (const auto& [ch, n] : kChannels) {
    if (n == name) return ch;
  }
  return std::nullopt;
}

}  // namespace switchboard::store
