#pragma once
// RFC 6455 on the server side, without sockets: the opening handshake's answer, a frame reader fed
// whatever bytes arrived (one at a time or many messages at once), and frame headers for writing.
// Our own rather than Beast's stream so that an idle connection holds no read buffer (a partial
// message is the only thing kept between reads) and a session can write many frames in one
// sendmsg. No extensions are negotiated (a frame with RSV bits set is a protocol error).
// Pure and single-threaded; one reader per connection.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace switchboard::gateway::ws {

enum class opcode : std::uint8_t { continuation = 0, text = 1, binary = 2, close = 8, ping = 9, pong = 10 };

// Close codes (RFC 6455 §7.4.1) that the gateway sends.
namespace close_code {
inline constexpr std::uint16_t normal = 1000;
inline constexpr std::uint16_t protocol_error = 1002;
inline constexpr std::uint16_t invalid_payload = 1007;
inline constexpr std::uint16_t policy_error = 1008;
inline constexpr std::uint16_t too_big = 1009;
inline constexpr std::uint16_t internal_error = 1011;
inline constexpr std::uint16_t service_restart = 1012;
// Ours (RFC 6455 §7.4.2 leaves 4000-4999 to applications), named after the HTTP statuses.
inline constexpr std::uint16_t token_expired = 4001;     // reconnect with a new token
inline constexpr std::uint16_t signed_out = 4003;        // the sign-in session ended: sign in again
inline constexpr std::uint16_t rate_limit_abuse = 4029;  // went on sending past the rate limit
}  // namespace close_code

// Sec-WebSocket-Accept for a Sec-WebSocket-Key (base64 of SHA-1 of the key and the RFC's GUID).
std::string accept_key(std::string_view client_key);
// Whether a Sec-WebSocket-Key is what §4.1 asks for: base64 of 16 bytes.
bool valid_client_key(std::string_view client_key);
// The whole "101 Switching Protocols" answer, ready to write.
std::string handshake_response(std::string_view client_key, std::string_view subprotocol);

// Whether bytes are well-formed UTF-8 (no overlong forms, no surrogates, nothing past U+10FFFF).
bool valid_utf8(std::string_view s);

// A server frame's header (never masked, always FIN): its bytes and length.
struct frame_header {
  std::array<std::uint8_t, 10> bytes{};
  std::uint8_t size = 0;
};
frame_header make_header(opcode op, std::size_t payload_size);
// A close frame's payload: the code and a reason cut to fit a control frame (123 bytes).
std::string close_payload(std::uint16_t code, std::string_view reason);

// What the reader found. Messages are whole (fragments joined, unmasked); control frames arrive
// between fragments as the RFC allows. On a protocol violation the reader stops: the session
// answers with a close frame carrying `code`.
class frame_handler {
 public:
  virtual ~frame_handler() = default;
  virtual void on_message(bool binary, std::string&& payload) = 0;
  virtual void on_ping(std::string_view payload) = 0;
  virtual void on_pong(std::string_view payload) = 0;
  // The peer's close frame (code 1005 when it carried none).
  virtual void on_close(std::uint16_t code, std::string_view reason) = 0;
  virtual void on_violation(std::uint16_t code, std::string_view why) = 0;
};

class frame_reader {
 public:
  // Messages (after joining fragments) longer than max_message bytes are a violation (1009).
  explicit frame_reader(std::size_t max_message) : max_message_(max_message) {}

  // Consumes all of `in`, calling `h` for each complete message or control frame. After a
  // violation or a close frame it ignores everything.
  void feed(std::string_view in, frame_handler& h);
  // True while a frame or a fragmented message is only partly received.
  bool partial() const { return header_have_ > 0 || stage_ == stage::payload || fragmented_; }
  bool stopped() const { return stopped_; }

 private:
  enum class stage : std::uint8_t { header, payload };
  bool start_frame(frame_handler& h);
  void end_frame(frame_handler& h);
  void fail(frame_handler& h, std::uint16_t code, std::string_view why);

  std::size_t max_message_;
  stage stage_ = stage::header;
  bool stopped_ = false;
  bool fragmented_ = false;  // a text/binary message continues in later frames
  bool message_binary_ = false;
  bool fin_ = false;
  opcode op_ = opcode::text;
  std::uint8_t header_[14]{};
  std::uint8_t header_have_ = 0;
  std::uint8_t header_need_ = 2;
  std::uint8_t mask_[4]{};
  std::uint64_t remaining_ = 0;  // payload bytes of this frame still to come
  std::size_t mask_offset_ = 0;
  std::string message_;   // the message (or control payload) being received
  std::string control_;   // a control frame's payload (arrives inside a fragmented message)
};

}  // namespace switchboard::gateway::ws
