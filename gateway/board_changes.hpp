#pragma once
// A team's board as what changed since the board before (docs/PROTOCOL.md "Boards"): the hub sends
// it to the lead connections that asked for changes (?boards=changes) and had the board before. A
// board of a thousand agents is some 190 KB of JSON a second, most of it the same as the second
// before; the page that draws it pays for every byte. Pure.

#include "proto/wire.pb.h"

namespace switchboard::gateway {

// The changes from `before` to `after` (one team's boards, in order), with changes_only set.
// A second passing is not a change: an agent's time in status and a queue's longest wait compare
// as the instants they began (at_ms less the seconds), within the second the rounding moves them.
v1::Board board_changes(const v1::Board& before, const v1::Board& after);

}  // namespace switchboard::gateway
