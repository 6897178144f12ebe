#pragma once
// The Lua scripts of the store, compiled into the binary from store/lua/*.lua.

#include <vector>

#include "store/redis_script.hpp"

namespace switchboard::store::scripts {

const redis_script& append();
const redis_script& read_conversation();
const redis_script& cas_identity();
const redis_script& lease_acquire();
const redis_script& lease_release();
const redis_script& fence();
const redis_script& agent_event();
const redis_script& router_snapshot();
const redis_script& agent_presence();
const redis_script& agent_sweep();
const redis_script& day_count();
const redis_script& people();
const redis_script& dead_letters();
const redis_script& identity_code();
const redis_script& merge_mark();

// Every script above, to register with a client (redis_client::add_script) in one go.
std::vector<const redis_script*> all();

}  // namespace switchboard::store::scripts
