#pragma once
// A team's board as what changed since the board before (docs/PROTOCOL.md "Boards"): the hub sends
// it to the lead connections that asked for changes (?boards=changes) and had the board before. A
// board of a thousand agents is some 190 KB of JSON a second, most of it the same as the second
// before; the page that draws it pays for every byte. Pure.

#include <cstdint>
#include <string>
#include <unordered_map>

#include "proto/wire.pb.h"

namespace switchboard::gateway {

// When the seconds each row counts began (Unix ms: an agent's status, a queue's longest wait), as
// the consoles were last sent the row. Changes compare a row's instant with this, not with the
// board before: moves under the slack would otherwise add up unsent.
struct board_instants {
  std::unordered_map<std::string, std::int64_t> queues;  // kNoInstant: nobody waits
  std::unordered_map<std::string, std::int64_t> agents;
};
inline constexpr std::int64_t kNoInstant = INT64_MIN;

// The instants of a board sent whole.
board_instants instants_of(const v1::Board& b);

// Whether `after` may go as changes on `before`: the same queues in the same order (a queue added,
// removed or moved in the settings makes the board go whole, so a console's order is the router's).
bool changes_apply(const v1::Board& before, const v1::Board& after);

// The changes from `before` to `after` (one team's boards, in order), with changes_only set: rows
// new, or whose fields differ from `before`'s, or whose instant moved more than 1.5 s from `sent`'s
// (a second passing is no change); those gone; at_risk whole unless the same. Updates `sent`.
v1::Board board_changes(const v1::Board& before, const v1::Board& after, board_instants& sent);

}  // namespace switchboard::gateway
