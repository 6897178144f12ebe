#pragma once
// One WebSocket connection (after an accepted upgrade): reads frames, decodes them with the
// frame codec, refuses what the role may not send, hands the rest to the conversation service, and
// writes what the server sends through a bounded queue — a client that falls more than
// max_queued_frames behind is closed with 1008 ("slow reader") rather than buffered without
// limit. Idle connections are pinged, then closed; on drain, 1012 tells clients to reconnect.
// Beast lives in the .cpp only. Runs on its own strand; deliver() and close_for_restart() are
// thread-safe.

#include <boost/asio/ip/tcp.hpp>
#include <memory>

#include "gateway/protocol/frame_codec.hpp"
#include "gateway/session_sink.hpp"
#include "gateway/ws_context.hpp"

namespace switchboard::gateway {

struct upgrade_request;  // the HTTP upgrade request (Beast), see ws_upgrade.hpp

class ws_session final : public session_sink, public std::enable_shared_from_this<ws_session> {
 public:
  ws_session(boost::asio::ip::tcp::socket socket, std::shared_ptr<ws_context> ctx, principal who, wire_format format);
  ~ws_session() override;

  // Completes the upgrade (answering with the chosen subprotocol) and starts reading.
  void run(std::unique_ptr<upgrade_request> req);

  void deliver(std::shared_ptr<const outbound_frame> frame) override;
  const principal& who() const override { return who_; }
  void close_for_restart();

 private:
  struct state;
  void on_accept(boost::system::error_code ec);
  void do_read();
  void on_read(boost::system::error_code ec, std::size_t n);
  void enqueue(std::shared_ptr<const std::string> bytes);
  void do_write();
  void on_write(boost::system::error_code ec, std::size_t n);
  void close_with(unsigned short code, const char* reason);
  void start_close();
  void send_local(const v1::ServerFrame& f);

  std::unique_ptr<state> s_;
  std::shared_ptr<ws_context> ctx_;
  principal who_;
  wire_format format_;
};

}  // namespace switchboard::gateway
