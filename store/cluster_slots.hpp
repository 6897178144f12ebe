#pragma once
// Redis Cluster's addressing, pure: the slot of a key (CRC16 of its hash tag, mod 16384), which
// argument of a command routes it, the slot map CLUSTER SLOTS answers, and the MOVED and ASK
// redirections a node answers with. store/redis_cluster.hpp acts on them.
//
// Pure; thread-safe.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/config.hpp"
#include "store/redis_reply.hpp"

namespace switchboard::store {

inline constexpr int kClusterSlots = 16384;

// CRC16-CCITT (XModem), the checksum Redis Cluster hashes keys with.
std::uint16_t crc16(std::string_view data) noexcept;
// The slot of a key: of the part between the first '{' and the next '}' when that part is not
// empty, else of the whole key.
int key_slot(std::string_view key) noexcept;

// The argument whose slot a command must run on: the first key (EVAL and EVALSHA: the first of
// KEYS; XREAD and XREADGROUP: the first stream), the shard channel of SPUBLISH and SSUBSCRIBE, or
// nullopt for a command without one (PING, INFO, WAIT, SCRIPT, PUBLISH, ...), which any node
// answers.
std::optional<std::string_view> routing_key(std::span<const std::string_view> args) noexcept;

// One range of CLUSTER SLOTS: its slots and the primary serving them.
struct slot_range {
  int first = 0;
  int last = 0;
  redis_endpoint primary;
};
// CLUSTER SLOTS' answer; `asked` stands in for a primary whose address the node does not know
// (an empty host). Throws std::invalid_argument on a malformed reply.
std::vector<slot_range> parse_cluster_slots(const reply& r, const redis_endpoint& asked);

// "MOVED <slot> <host>:<port>" and "ASK <slot> <host>:<port>".
struct redirect {
  bool ask = false;  // ASK: this command only, after ASKING; MOVED: the slot lives there now
  int slot = 0;
  redis_endpoint to;
};
std::optional<redirect> parse_redirect(std::string_view error) noexcept;

}  // namespace switchboard::store
