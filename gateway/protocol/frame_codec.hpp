#pragma once
// The WebSocket frame codec: ClientFrame in, ServerFrame out, as protobuf in binary frames
// (subprotocol switchboard.v1.proto) or protobuf's JSON mapping in text frames
// (switchboard.v1.json); and which frame kinds each role may send. Pure: no sockets, no Beast.
// A frame that cannot be used gives an error code and message for an Error frame; the connection
// stays usable. Thread-safe (no shared state).

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "conversation/answers.hpp"
#include "conversation/principal.hpp"
#include "proto/wire.pb.h"

namespace switchboard::gateway {

enum class wire_format { proto, json };

inline constexpr std::string_view kSubprotocolProto = "switchboard.v1.proto";
inline constexpr std::string_view kSubprotocolJson = "switchboard.v1.json";

// The format a Sec-WebSocket-Protocol offer selects: the first of its comma-separated names we
// speak, or nullopt.
std::optional<wire_format> choose_subprotocol(std::string_view offered);
std::string_view subprotocol_name(wire_format f);

struct decoded_frame {
  bool ok = false;
  v1::ClientFrame frame;      // refused: only its request_id, when the payload names one
  std::string error_code;     // bad_frame_type | frame_too_large | bad_frame
  std::string error_message;
};

// Decodes one WebSocket message. `binary` is the WebSocket frame type.
decoded_frame decode_client_frame(wire_format f, bool binary, std::string_view payload, std::size_t max_size);

// Encodes one server frame; the bool says whether to send it as a binary frame.
std::string encode_server_frame(wire_format f, const v1::ServerFrame& frame);
inline bool is_binary(wire_format f) { return f == wire_format::proto; }

// An Error frame answering `request_id` (conversation/answers.hpp).
using conversation::error_frame;

std::optional<role> role_from_name(std::string_view name);
// Whether `r` may send frames of this kind (leads and admins may do what agents do).
bool frame_allowed(role r, v1::ClientFrame::KindCase kind);

}  // namespace switchboard::gateway
