#pragma once
// The error codes every layer returns on its data path (STYLE.md rule 5), as a
// boost::system error category so they travel in error_code and result<T>. Owns only the codes and
// their messages; each layer decides which it returns.

#include <boost/system/error_code.hpp>
#include <boost/system/result.hpp>

namespace switchboard {

enum class errc {
  ok = 0,
  not_connected,     // Redis is down or reconnecting: the caller should retry later.
  timeout,           // No reply within the command timeout.
  disconnected,      // The connection dropped with the command in flight: its outcome is unknown.
  server_error,      // Redis answered with an error reply.
  protocol_error,    // A reply of an unexpected shape.
  bad_input,         // The caller's input was rejected; nothing was written.
  not_found,         // No such customer, conversation or identity.
  conflict,          // The write contradicts the current state (identity owned by another).
  shutting_down,     // The component is stopping.
  fenced,            // A router write under a lease token a newer router has superseded.
  wrong_state,       // The conversation is not as the request needs (offer expired, not the owner).
  merged,            // The customer has customers merged into them and no conversation of their own open.
  not_replicated,    // Written, but not on redis.wait_replicas replicas in time: the caller should retry.
};

const boost::system::error_category& switchboard_category() noexcept;

inline boost::system::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), switchboard_category()};
}

// True for errors after which the same request may be sent again (Redis down, timeout).
bool is_retryable(const boost::system::error_code& ec) noexcept;

template <class T>
using result = boost::system::result<T>;

}  // namespace switchboard

template <>
struct boost::system::is_error_code_enum<switchboard::errc> : std::true_type {};
