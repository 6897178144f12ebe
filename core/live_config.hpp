#pragma once
// The config in force in a running process, which SIGHUP may replace (docs/OPERATIONS.md,
// "Reloading the config"). A reload changes only the parts a process can take without dropping a
// connection: queues with their policies, agent profiles, canned replies and log.level. Every other
// section keeps the value it started with and needs a restart (plan_reload names those keys).
//
// Readers on any thread get the version in force when they ask. Every version stays alive until the
// process ends (a few KB each, one per reload), so a request that began with one finishes with it.

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "proto/config.pb.h"

namespace switchboard {

struct live_version {
  v1::Config config;              // the whole config in force
  std::vector<v1::Queue> queues;  // config.queues, or one "default" queue when none is configured
  std::uint64_t number = 1;       // 1 at start, one more per reload
};

class live_config {
 public:
  explicit live_config(const v1::Config& cfg);
  live_config(const live_config&) = delete;
  live_config& operator=(const live_config&) = delete;

  const live_version& current() const noexcept { return *current_.load(std::memory_order_acquire); }

  // Makes `cfg` the version in force and tells the listeners (on the calling thread). `cfg` must
  // come from plan_reload. Returns the new version.
  const live_version& replace(const v1::Config& cfg);

  // Called after each replace with the new version; register before other threads start.
  void on_replace(std::function<void(const live_version&)> listener);

 private:
  std::mutex mu_;
  std::deque<std::unique_ptr<const live_version>> versions_;
  std::atomic<const live_version*> current_;
  std::vector<std::function<void(const live_version&)>> listeners_;
};

// What a reload of `fresh` (a loaded, checked config) over `running` does.
struct reload_plan {
  v1::Config next;                        // running, with fresh's reloadable parts
  std::vector<std::string> need_restart;  // top-level keys that differ and stay as they are ("server")
};

// Plans a reload. Throws config_error naming the key when the result would not be a valid config
// (a channel account's queue that the new file removed, say).
reload_plan plan_reload(const v1::Config& running, const v1::Config& fresh);

}  // namespace switchboard
