#include "tests/support/redis_fixture.hpp"

#include <hiredis/hiredis.h>
#include <stdlib.h>

#include <filesystem>
#include <vector>

#include "store/scripts.hpp"

namespace switchboard::testing {

void redis_fixture::SetUp() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "sb-redis-XXXXXX").string();
  ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
  dir = tmpl;
  store::redis_process_options o;
  o.dir = dir;
  o.appendfsync = appendfsync;
  server = std::make_unique<store::redis_process>(o);
  server->start();
}

void redis_fixture::TearDown() {
  if (server) server->stop();
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
}

store::redis_options redis_fixture::options() const {
  store::redis_options o;
  o.host = server->host();
  o.port = server->port();
  o.command_timeout = std::chrono::milliseconds(1000);
  o.connect_timeout = std::chrono::milliseconds(500);
  o.reconnect_min = std::chrono::milliseconds(10);
  o.reconnect_max = std::chrono::milliseconds(100);
  return o;
}

std::unique_ptr<store::redis_client> redis_fixture::connect() {
  auto c = std::make_unique<store::redis_client>(ioc.get_executor(), options(), clk);
  for (const auto* s : store::scripts::all()) c->add_script(*s);
  c->start();
  EXPECT_TRUE(run_until([&] { return c->ready(); })) << "client never became ready";
  return c;
}

bool redis_fixture::run_until(const std::function<bool()>& done, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  ioc.restart();
  while (!done() && std::chrono::steady_clock::now() < deadline) {
    ioc.run_one_for(std::chrono::milliseconds(20));
    if (ioc.stopped()) ioc.restart();
  }
  return done();
}

store::reply command_at(const std::string& host, int port, std::initializer_list<std::string> args) {
  timeval tv{2, 0};
  redisContext* c = redisConnectWithTimeout(host.c_str(), port, tv);
  if (c == nullptr || c->err) {
    if (c) redisFree(c);
    return {};
  }
  std::vector<const char*> argv;
  std::vector<std::size_t> lens;
  for (const auto& a : args) {
    argv.push_back(a.data());
    lens.push_back(a.size());
  }
  auto* r = static_cast<redisReply*>(redisCommandArgv(c, static_cast<int>(argv.size()), argv.data(), lens.data()));
  store::reply out = store::reply::from_hiredis(r);
  if (r) freeReplyObject(r);
  redisFree(c);
  return out;
}

store::reply redis_fixture::raw(std::initializer_list<std::string> args) {
  return command_at(server->host(), server->port(), args);
}

}  // namespace switchboard::testing
