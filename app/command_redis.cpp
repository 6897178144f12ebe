#include "app/command_redis.hpp"

#include <boost/asio/co_spawn.hpp>

#include <filesystem>
#include <stdexcept>

#include "core/clock.hpp"
#include "store/scripts.hpp"

namespace switchboard::app {

command_redis::command_redis(const v1::Config& cfg, const std::string& data_dir, const std::string& name) {
  v1::RedisConfig redis = cfg.redis();
  std::string named = "redis.embedded.data_dir '" + redis.embedded().data_dir() + "'";
  if (!data_dir.empty()) {
    redis.mutable_embedded()->set_data_dir((std::filesystem::path(data_dir) / "redis").string());
    named = "--data-dir '" + data_dir + "'";
  }
  redis_endpoint ep;
  try {
    own_ = start_embedded(redis, named);
    ep = endpoint_of(redis, own_.get());
  } catch (const data_dir_in_use&) {
    auto running = running_embedded(redis.embedded().data_dir());
    if (!running) throw;
    ep = *running;  // the running serve's embedded Redis
  }
  client_ = std::make_unique<store::redis_client>(ioc_.get_executor(), store::redis_options::from_config(redis, ep),
                                                  system_clock_source::instance(), name);
  for (const auto* s : store::scripts::all()) client_->add_script(*s);
  client_->start();
  const auto patience = std::chrono::milliseconds((redis.connect_timeout_ms() + redis.command_timeout_ms()) *
                                                  (1 + redis.sentinel().addresses_size()));
  const auto deadline = std::chrono::steady_clock::now() + patience;
  while (!client_->ready() && std::chrono::steady_clock::now() < deadline) ioc_.run_one_until(deadline);
  if (!client_->ready()) {
    client_->stop();
    if (own_) own_->process.stop();
    throw std::runtime_error(redis.sentinel().addresses_size() == 0
                                 ? "cannot reach Redis at " + ep.host + ":" + std::to_string(ep.port)
                                 : "cannot reach the primary '" + redis.sentinel().master_name() + "' of redis.sentinel");
  }
}

command_redis::~command_redis() {
  client_.reset();
  if (own_) own_->process.stop();
}

void command_redis::run(std::function<boost::asio::awaitable<void>()> work) {
  std::exception_ptr failed;
  boost::asio::co_spawn(ioc_, work(), [&](std::exception_ptr e) {
    failed = e;
    client_->stop();
  });
  ioc_.run();
  if (failed) std::rethrow_exception(failed);
}

}  // namespace switchboard::app
