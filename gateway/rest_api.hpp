#pragma once
// The HTTP API that needs no Redis round trip: /healthz, /readyz and POST /v1/visitors (a visitor
// token for the web widget, optionally bound to the site's own user id by the site's HMAC).
// Errors are JSON {"code", "message"}. No Beast here. Thread-safe: handle() may run on any strand.

#include <atomic>
#include <string>

#include "core/clock.hpp"
#include "core/ids.hpp"
#include "gateway/auth/jwt.hpp"
#include "gateway/http_routes.hpp"
#include "proto/config.pb.h"

namespace switchboard::gateway {

class rest_api {
 public:
  // `redis_ready` is read on every /readyz.
  rest_api(const v1::AuthConfig& auth, const clock& clk, id_generator& ids, const std::atomic<bool>& redis_ready);

  http_answer handle(const http_request& req) const;

 private:
  http_answer visitors(const http_request& req) const;

  v1::AuthConfig auth_;
  const clock& clock_;
  id_generator& ids_;
  const std::atomic<bool>& redis_ready_;
};

}  // namespace switchboard::gateway
