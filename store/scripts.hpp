#pragma once
// The Lua scripts of the store, compiled into the binary from store/lua/*.lua.

#include "store/redis_script.hpp"

namespace switchboard::store::scripts {

const redis_script& append();
const redis_script& read_conversation();
const redis_script& cas_identity();
const redis_script& lease_acquire();
const redis_script& lease_release();
const redis_script& fence();

}  // namespace switchboard::store::scripts
