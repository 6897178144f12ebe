#pragma once
// A command connection that loads the registered Lua scripts on every connect (SCRIPT LOAD in the
// handshake), so that `ready` means "reachable and scripts loaded": redis_client's connection to a
// single server, and to each primary of a Cluster (store/redis_cluster.hpp).
//
// Not thread-safe: call it on its executor only.

#include <vector>

#include "store/redis_link.hpp"
#include "store/redis_script.hpp"

namespace switchboard::store {

class script_link final : public redis_link {
 public:
  using redis_link::redis_link;
  using redis_link::send;

  std::vector<redis_script> scripts;  // set before start()
  const redis_options& options() const noexcept { return opts_; }

 protected:
  void on_handshake() override;
};

}  // namespace switchboard::store
