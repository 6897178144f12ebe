#pragma once
// The answers the conversation layer gives, as the wire's own frames (proto/wire.proto): an Ack
// of what was stored, or an Error with a code a client can act on. Pure.

#include <cstdint>
#include <string>

#include <boost/system/error_code.hpp>

#include "proto/wire.pb.h"

namespace switchboard::store {
struct append_result;
}

namespace switchboard::conversation {

// An Error frame answering `request_id`.
v1::ServerFrame error_frame(std::string request_id, std::string code, std::string message, bool retry = false);
// The Error frame for a store error: retryable ones say "retry" with retry=true; not_found,
// bad_input and conflict have codes of their own; anything else is "internal".
v1::ServerFrame error_for(const std::string& request_id, const boost::system::error_code& ec);
// The Ack frame of a stored (or duplicate) request.
v1::ServerFrame ack_frame(const std::string& request_id, const std::string& conversation, std::int64_t seq, bool duplicate);
// The Ack frame of an append's result.
v1::ServerFrame ack_frame(const std::string& request_id, const store::append_result& r);

}  // namespace switchboard::conversation
