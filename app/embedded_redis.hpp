#pragma once
// The embedded redis-server (redis.url empty) and the lock on its data folder, shared by `serve`
// and the commands that need the same Redis (`users`). The lock is taken first and let go last.
// The server listens on a free loopback port picked at start and writes "HOST:PORT" to
// `<data folder>/redis.address`, so a command run beside a `serve` finds it. Start-up code: may
// throw; not thread-safe.

#include <memory>
#include <optional>
#include <string>

#include "app/data_dir_lock.hpp"
#include "core/config.hpp"
#include "store/redis_process.hpp"

namespace switchboard::app {

struct embedded_redis {
  embedded_redis(const std::string& dir, const std::string& named, store::redis_process_options o)
      : lock(dir, named), process(std::move(o)) {}
  data_dir_lock lock;
  store::redis_process process;
};

// The embedded redis-server when neither redis.url nor redis.sentinel is set, else none. `named` says where its data folder
// came from, for messages. Throws data_dir_in_use when a `serve` holds the folder.
std::unique_ptr<embedded_redis> start_embedded(const v1::RedisConfig& redis, const std::string& named);

// Where the Redis clients connect: the embedded server, or redis.url; empty with redis.sentinel.
redis_endpoint endpoint_of(const v1::RedisConfig& redis, const embedded_redis* embedded);

// The address a running `serve` wrote for its embedded Redis in `dir`, if any.
std::optional<redis_endpoint> running_embedded(const std::string& dir);

}  // namespace switchboard::app
