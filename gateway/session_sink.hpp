#pragma once
// What the hub and the conversation service see of a WebSocket session: a place to deliver frames
// and who is on the other end. Keeps the socket-level session out of the core.

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "gateway/protocol/frame_codec.hpp"
#include "proto/wire.pb.h"

namespace switchboard::gateway {

// A frame on its way to one session or many, encoded at most once per wire format however many
// sessions send it (STYLE: a broadcast is serialised once). Thread-safe.
class outbound_frame {
 public:
  // `answer`: the frame answers the session's own request (an ack, an error, a resume's replay, a
  // timeline page). Answers are paced by the writer and never make the session a slow reader;
  // everything else (live events, offers, boards) is pushed, and counts (ws_session).
  explicit outbound_frame(v1::ServerFrame f, std::chrono::steady_clock::time_point received = {},
                          bool answer = false)
      : frame_(std::move(f)), received_(received), answer_(answer) {}
  // A frame that arrives already encoded as protobuf (the router's offers, agent states and boards
  // on Redis channels): passed to protobuf sessions as it is, and parsed only when a JSON session
  // takes it — on that session's strand, not on the core strand that relays every channel (a lead's
  // board can be hundreds of KB). Bytes that do not parse give JSON sessions nothing.
  static std::shared_ptr<const outbound_frame> from_proto(std::string bytes) {
    auto f = std::make_shared<outbound_frame>(v1::ServerFrame{});
    f->raw_ = true;
    f->bytes_[static_cast<std::size_t>(wire_format::proto)] = std::move(bytes);
    std::call_once(f->once_[static_cast<std::size_t>(wire_format::proto)], [] {});
    return f;
  }
  // When the request this answers was read (set on message acks: the session measures the dwell).
  std::chrono::steady_clock::time_point received() const { return received_; }
  bool answer() const { return answer_; }
  const std::string& encoded(wire_format f) const {
    const auto i = static_cast<std::size_t>(f);
    std::call_once(once_[i], [&] {
      if (!raw_) {
        bytes_[i] = encode_server_frame(f, frame_);
        return;
      }
      v1::ServerFrame parsed;
      if (parsed.ParseFromString(bytes_[static_cast<std::size_t>(wire_format::proto)])) {
        bytes_[i] = encode_server_frame(f, parsed);
      }
    });
    return bytes_[i];
  }

 private:
  v1::ServerFrame frame_;
  std::chrono::steady_clock::time_point received_;
  bool answer_ = false;
  bool raw_ = false;  // bytes_[proto] came encoded (from_proto); frame_ is empty
  mutable std::array<std::once_flag, 2> once_;
  mutable std::array<std::string, 2> bytes_;
};

class session_sink {
 public:
  virtual ~session_sink() = default;
  // Queues a frame for the client. Thread-safe: called from the core strand; the session hops to
  // its own.
  virtual void deliver(std::shared_ptr<const outbound_frame> frame) = 0;
  virtual const principal& who() const = 0;
  // Whether the connection asked for boards as changes (?boards=changes, gateway/board_changes.hpp).
  virtual bool board_changes() const { return false; }
};

}  // namespace switchboard::gateway
