#pragma once
// The benchmarks' WebSocket client (ws_load's customers, agents and lead; webhook_load's agents):
// one connection on loopback, its frames handed to `on_message`, sends queued in order, and the
// token it signs in with. Beast stays in ws_client.cpp (STYLE rule 4). Not thread-safe: every
// client of one io_context is driven from the thread running it.

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace bench {

class ws_client {
 public:
  explicit ws_client(boost::asio::io_context& ioc);
  ~ws_client();
  ws_client(const ws_client&) = delete;
  ws_client& operator=(const ws_client&) = delete;

  // Each message received (its bytes are valid during the call). Set before start().
  void on_message(std::function<void(std::string_view)> f);
  // Connects to 127.0.0.1:port and upgrades on `target`, with `subprotocol` (binary frames for
  // "switchboard.v1.proto") and a bearer `token` if not empty; `on_open` once upgraded. A failed
  // connect or upgrade throws out of the io_context's run.
  void start(int port, const std::string& target, const std::string& subprotocol, const std::string& token,
             std::function<void()> on_open);
  void send(std::string bytes);
  void close();

 private:
  struct impl;
  std::shared_ptr<impl> impl_;
};

// An HS256 access token for `sub` as Switchboard's auth.keys[kid] signs it, valid for an hour.
std::string sign_token(const std::string& role, const std::string& sub, std::vector<std::string> teams,
                       const std::string& kid, const std::string& secret);

// Runs `ioc` until `done()`, a few milliseconds at a time; throws after `limit`, naming `what`.
void run_until(boost::asio::io_context& ioc, const std::function<bool()>& done, std::chrono::seconds limit,
               const std::string& what);

}  // namespace bench
