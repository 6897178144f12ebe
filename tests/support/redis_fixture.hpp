#pragma once
// The integration fixture: a real redis-server per test on a free loopback port, in a temporary
// folder removed afterwards; an io_context to run clients on; and bounded helpers to run a
// coroutine or wait for a condition without sleeping.

#include <gtest/gtest.h>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "core/clock.hpp"
#include "core/ids.hpp"
#include "store/keys.hpp"
#include "store/redis_client.hpp"
#include "store/redis_process.hpp"

namespace switchboard::testing {

// One synchronous command on a fresh hiredis connection to host:port (a nil reply if it cannot
// connect): checks outside the client under test.
store::reply command_at(const std::string& host, int port, std::initializer_list<std::string> args);

class redis_fixture : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  // Client options for the fixture's server with short timeouts.
  store::redis_options options() const;
  // A started client with the store's scripts; waits until it is ready.
  std::unique_ptr<store::redis_client> connect();
  // Runs the io_context until `done()` or `limit`; returns done().
  bool run_until(const std::function<bool()>& done, std::chrono::milliseconds limit = std::chrono::seconds(10));

  // Runs a coroutine to completion on the io_context (bounded).
  template <class T>
  T await(boost::asio::awaitable<T> aw, std::chrono::milliseconds limit = std::chrono::seconds(10)) {
    std::optional<T> out;
    std::exception_ptr error;
    bool finished = false;
    boost::asio::co_spawn(ioc, std::move(aw), [&](std::exception_ptr e, T v) {
      error = e;
      if (!e) out.emplace(std::move(v));
      finished = true;
    });
    if (!run_until([&] { return finished; }, limit)) throw std::runtime_error("coroutine did not finish in time");
    if (error) std::rethrow_exception(error);
    return std::move(*out);
  }

  // A synchronous command on a fresh hiredis connection, for checks outside the client under test.
  store::reply raw(std::initializer_list<std::string> args);

  std::string appendfsync = "everysec";
  std::string dir;
  std::unique_ptr<store::redis_process> server;
  boost::asio::io_context ioc;
  const clock& clk = system_clock_source::instance();
  id_generator ids{clk};
  store::key_layout keys{"sb", 16};
};

}  // namespace switchboard::testing
