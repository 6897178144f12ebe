#pragma once
// One WebSocket connection after an accepted upgrade, on our own RFC 6455 framing
// (protocol/ws_framing): reads frames, decodes them with the frame codec, refuses what the role
// may not send, hands the rest to the conversation service, and writes what the server sends
// through a bounded queue. What the server pushes (events, offers, boards) counts: a client that
// falls more than max_queued_frames of those behind is closed with 1008 ("slow reader"). Answers
// to its own requests are paced instead: while the queue is long, no further request is read.
// Frames past the rate limit are refused with a delay; sustained abuse is closed (4029); the
// token's expiry closes it (4001). Idle connections are pinged, then closed, at the idle timeout;
// on drain, 1012 tells clients to reconnect.
//
// Memory: an idle connection holds its socket, a timer and a few flags. It waits for readability
// and reads into a per-thread buffer; only a partly received message is kept between reads. The
// write queue exists while there is something to write, and every frame queued by then (up to 31)
// goes out in one gathered write. Runs on its own strand; deliver() and close_for_restart() are
// thread-safe.

#include <boost/asio/ip/tcp.hpp>
#include <memory>
#include <string>

#include "gateway/protocol/frame_codec.hpp"
#include "gateway/protocol/ws_framing.hpp"
#include "gateway/session_sink.hpp"
#include "gateway/ws_context.hpp"

namespace switchboard::gateway {

// What http_session checked and hands over with the socket.
struct ws_handshake {
  std::string client_key;  // Sec-WebSocket-Key, already validated
  std::string leftover;    // bytes the client sent after its upgrade request
};

class ws_session final : public session_sink,
                         private ws::frame_handler,
                         public std::enable_shared_from_this<ws_session> {
 public:
  // `board_changes`: the upgrade asked for boards as changes (?boards=changes).
  ws_session(boost::asio::ip::tcp::socket socket, std::shared_ptr<ws_context> ctx, principal who, wire_format format,
             bool board_changes = false);
  ~ws_session() override;

  // Answers the upgrade (101 with the chosen subprotocol), greets, and starts reading.
  void run(ws_handshake hs);

  void deliver(std::shared_ptr<const outbound_frame> frame) override;
  const principal& who() const override { return who_; }
  bool board_changes() const override { return board_changes_; }
  void close_for_restart();
  // The person signed out, or their account was disabled: close with 4003.
  void close_signed_out();

 private:
  struct state;
  enum class phase { handshake, open, closing, done };

  // frame_handler: what the reader found.
  void on_message(bool binary, std::string&& payload) override;
  void on_ping(std::string_view payload) override;
  void on_pong(std::string_view payload) override;
  void on_close(std::uint16_t code, std::string_view reason) override;
  void on_violation(std::uint16_t code, std::string_view why) override;

  void wait_readable();
  void on_readable(boost::system::error_code ec);
  void arm_timer(std::chrono::milliseconds d);
  void arm_keep_alive();
  void on_timer();
  void refused(std::chrono::steady_clock::time_point now);
  // `pushed`: not an answer to the client's own request (see outbound_frame::answer).
  void enqueue(ws::opcode op, std::shared_ptr<const std::string> bytes, bool pushed);
  void send_raw(std::string bytes);
  void do_write();
  void on_write(boost::system::error_code ec);
  void start_close(std::uint16_t code, std::string_view reason);
  void shut();
  void send_local(const v1::ServerFrame& f);

  std::unique_ptr<state> s_;
  std::shared_ptr<ws_context> ctx_;
  principal who_;
  wire_format format_;
  bool board_changes_ = false;
};

}  // namespace switchboard::gateway
