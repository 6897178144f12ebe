#pragma once
// The Redis a command (`users`, `status`) works on, found as `serve` finds it: redis.url or
// redis.sentinel; else the embedded one — the running `serve`'s (through its data folder), or one
// the command starts itself and stops when done. Connected, with the store's scripts loaded, on an
// io_context of its own. Start-up code: throws with one clear line; not thread-safe.

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <functional>
#include <memory>
#include <string>

#include "app/embedded_redis.hpp"
#include "store/redis_client.hpp"

namespace switchboard::app {

class command_redis {
 public:
  // `data_dir`: as given to serve --data-dir (its embedded Redis lives in DIR/redis); empty: the
  // config's. `name` labels the connection in Redis's logs and metrics.
  command_redis(const v1::Config& cfg, const std::string& data_dir, const std::string& name);
  ~command_redis();
  command_redis(const command_redis&) = delete;
  command_redis& operator=(const command_redis&) = delete;

  store::redis_client& redis() { return *client_; }
  // Runs `work` on the connection until it ends; rethrows what it threw.
  void run(std::function<boost::asio::awaitable<void>()> work);

 private:
  boost::asio::io_context ioc_;
  std::unique_ptr<embedded_redis> own_;
  std::unique_ptr<store::redis_client> client_;
};

}  // namespace switchboard::app
