#pragma once
// The Lua scripts of the store, compiled into the binary from store/lua/*.lua.

#include "store/redis_script.hpp"

namespace switchboard::store::scripts {

const redis_script& append();
const redis_script& read_conversation();
const redis_script& cas_identity();

}  // namespace switchboard::store::scripts
