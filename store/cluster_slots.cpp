#include "store/cluster_slots.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <stdexcept>

namespace switchboard::store {

namespace {

constexpr std::array<std::uint16_t, 256> crc_table() {
  std::array<std::uint16_t, 256> t{};
  for (int i = 0; i < 256; ++i) {
    std::uint16_t c = static_cast<std::uint16_t>(i << 8);
    for (int b = 0; b < 8; ++b) c = (c & 0x8000) ? static_cast<std::uint16_t>((c << 1) ^ 0x1021) : static_cast<std::uint16_t>(c << 1);
    t[static_cast<std::size_t>(i)] = c;
  }
  return t;
}
constexpr auto kCrcTable = crc_table();

bool same_word(std::string_view a, std::string_view b) noexcept {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::toupper(static_cast<unsigned char>(x)) == std::toupper(static_cast<unsigned char>(y));
         });
}

std::optional<int> to_int(std::string_view s) noexcept {
  int v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

// "host:port", the host possibly an IPv6 address with colons of its own: split at the last one.
std::optional<redis_endpoint> host_port(std::string_view s) noexcept {
  const auto colon = s.rfind(':');
  if (colon == std::string_view::npos) return std::nullopt;
  auto port = to_int(s.substr(colon + 1));
  if (!port || *port <= 0 || *port > 65535) return std::nullopt;
  redis_endpoint ep;
  ep.host = std::string(s.substr(0, colon));
  ep.port = *port;
  return ep;
}

}  // namespace

std::uint16_t crc16(std::string_view data) noexcept {
  std::uint16_t crc = 0;
  for (unsigned char c : data) crc = static_cast<std::uint16_t>((crc << 8) ^ kCrcTable[((crc >> 8) ^ c) & 0xff]);
  return crc;
}

int key_slot(std::string_view key) noexcept {
  const auto open = key.find('{');
  if (open != std::string_view::npos) {
    const auto close = key.find('}', open + 1);
    if (close != std::string_view::npos && close > open + 1) key = key.substr(open + 1, close - open - 1);
  }
  return crc16(key) % kClusterSlots;
}

std::optional<std::string_view> routing_key(std::span<const std::string_view> args) noexcept {
  if (args.size() < 2) return std::nullopt;
  const std::string_view name = args[0];
  for (const char* keyless : {"PING", "INFO", "WAIT", "SCRIPT", "PUBLISH", "CLUSTER", "ROLE", "ASKING", "READONLY",
                              "DBSIZE", "FLUSHALL", "FLUSHDB", "CLIENT", "CONFIG", "TIME", "COMMAND", "SUBSCRIBE",
                              "UNSUBSCRIBE", "PSUBSCRIBE", "AUTH", "SELECT", "HELLO", "ECHO"}) {
    if (same_word(name, keyless)) return std::nullopt;
  }
  if (same_word(name, "EVAL") || same_word(name, "EVALSHA") || same_word(name, "EVAL_RO") ||
      same_word(name, "EVALSHA_RO") || same_word(name, "FCALL")) {
    auto n = args.size() > 3 ? to_int(args[2]) : std::nullopt;
    if (!n || *n <= 0) return std::nullopt;
    return args[3];
  }
  if (same_word(name, "XREAD") || same_word(name, "XREADGROUP")) {
    for (std::size_t i = 1; i + 1 < args.size(); ++i) {
      if (same_word(args[i], "STREAMS")) return args[i + 1];
    }
    return std::nullopt;
  }
  if (same_word(name, "XGROUP") || same_word(name, "XINFO") || same_word(name, "OBJECT") ||
      same_word(name, "MEMORY")) {
    return args.size() > 2 ? std::optional<std::string_view>(args[2]) : std::nullopt;
  }
  return args[1];
}

std::vector<slot_range> parse_cluster_slots(const reply& r, const redis_endpoint& asked) {
  if (!r.is_array()) throw std::invalid_argument("CLUSTER SLOTS: not an array");
  std::vector<slot_range> out;
  for (const auto& range : r.elements) {
    if (!range.is_array() || range.elements.size() < 3 || !range.elements[2].is_array() ||
        range.elements[2].elements.size() < 2) {
      throw std::invalid_argument("CLUSTER SLOTS: a range without a primary");
    }
    const auto& node = range.elements[2].elements;
    slot_range s;
    s.first = static_cast<int>(range.elements[0].integer);
    s.last = static_cast<int>(range.elements[1].integer);
    if (s.first < 0 || s.last >= kClusterSlots || s.first > s.last) throw std::invalid_argument("CLUSTER SLOTS: bad range");
    if (node[0].str == "?") continue;  // the node's endpoint is unknown: no one to send these to yet
    s.primary.host = node[0].is_nil() || node[0].str.empty() ? asked.host : node[0].str;
    s.primary.port = static_cast<int>(node[1].integer);
    out.push_back(std::move(s));
  }
  return out;
}

std::optional<redirect> parse_redirect(std::string_view error) noexcept {
  redirect out;
  if (error.starts_with("MOVED ")) {
    error.remove_prefix(6);
  } else if (error.starts_with("ASK ")) {
    out.ask = true;
    error.remove_prefix(4);
  } else {
    return std::nullopt;
  }
  const auto space = error.find(' ');
  if (space == std::string_view::npos) return std::nullopt;
  auto slot = to_int(error.substr(0, space));
  auto to = host_port(error.substr(space + 1));
  if (!slot || *slot < 0 || *slot >= kClusterSlots || !to) return std::nullopt;
  out.slot = *slot;
  out.to = std::move(*to);
  return out;
}

}  // namespace switchboard::store
