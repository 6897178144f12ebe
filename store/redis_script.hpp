#pragma once
// A Lua script known by its SHA1, so it can be run with EVALSHA without a SCRIPT LOAD round trip.

#include <string>
#include <string_view>

namespace switchboard::store {

struct redis_script {
  std::string name;  // for logs
  std::string body;  // the Lua source
  std::string sha1;  // lower-case hex SHA1 of body, as Redis computes it

  redis_script(std::string script_name, std::string_view source);
};

}  // namespace switchboard::store
