#include "core/error.hpp"

#include <string>

namespace switchboard {
namespace {

class category final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "switchboard"; }
  std::string message(int ev) const override {
    switch (static_cast<errc>(ev)) {
      case errc::ok: return "ok";
      case errc::not_connected: return "redis not connected";
      case errc::timeout: return "redis command timed out";
      case errc::disconnected: return "redis connection lost with the command in flight";
      case errc::server_error: return "redis error reply";
      case errc::protocol_error: return "unexpected redis reply";
      case errc::bad_input: return "bad input";
      case errc::not_found: return "not found";
      case errc::conflict: return "conflict";
      case errc::shutting_down: return "shutting down";
      case errc::fenced: return "fenced: a newer router holds the lease";
      case errc::wrong_state: return "the conversation is not in the state the request needs";
      case errc::merged: return "the customer has customers merged into them and no open conversation of their own";
      case errc::not_replicated: return "not on enough redis replicas in time";
    }
    return "unknown switchboard error";
  }
};

}  // namespace

const boost::system::error_category& switchboard_category() noexcept {
  static const category c;
  return c;
}

bool is_retryable(const boost::system::error_code& ec) noexcept {
  return ec == errc::not_connected || ec == errc::timeout || ec == errc::disconnected || ec == errc::not_replicated;
}

}  // namespace switchboard
