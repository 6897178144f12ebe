// The config a SIGHUP puts in force (core/live_config.hpp): what a reload takes from the new file,
// what it leaves for a restart, and what it refuses.
#include "core/live_config.hpp"

#include <gtest/gtest.h>

#include "core/config.hpp"

namespace switchboard {
namespace {

v1::Config parsed(const std::string& yaml) {
  return parse_config(yaml, [](const std::string&) -> std::optional<std::string> { return std::nullopt; });
}

// `text` with its first `from` replaced by `to`.
std::string replaced(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return at == std::string::npos ? text : text.replace(at, from.size(), to);
}

const std::string kRunning = R"(
server: {http_port: 8080}
log: {level: info}
queues:
  - {name: general, required_skills: [{name: support, proficiency: 2}]}
  - {name: email}
agents:
  - {id: ana, skills: [{name: support, proficiency: 4}]}
canned_replies:
  - {id: hello, title: Greeting, body: Hi}
channels:
  email:
    smtp_listen: 127.0.0.1:2525
    inboxes: [{address: support@example.com, queue: email}]
    reply_secret: reply-secret-reply-secret-reply-secret-0123
)";

TEST(LiveConfig, AReloadTakesQueuesAgentsCannedRepliesAndTheLogLevel) {
  const auto running = parsed(kRunning);
  std::string next = replaced(kRunning, "proficiency: 2", "proficiency: 3");
  next = replaced(next, "{id: hello, title: Greeting, body: Hi}",
                  "{id: hello, title: Greeting, body: Hi}\n  - {id: bye, title: Bye, body: Bye}");
  next = replaced(next, "level: info", "level: debug");
  next = replaced(next, "proficiency: 4", "proficiency: 5");
  const auto plan = plan_reload(running, parsed(next));
  EXPECT_TRUE(plan.need_restart.empty());
  EXPECT_EQ(plan.next.queues(0).required_skills(0).proficiency(), 3);
  EXPECT_EQ(plan.next.canned_replies_size(), 2);
  EXPECT_EQ(plan.next.agents(0).skills(0).proficiency(), 5);
  EXPECT_EQ(plan.next.log().level(), "debug");
}

TEST(LiveConfig, OtherSectionsStayAndAreNamedForARestart) {
  const auto running = parsed(kRunning);
  std::string next = replaced(kRunning, "http_port: 8080", "http_port: 9090");
  next = replaced(next, "log: {level: info}", "log: {level: info, format: json}");
  const auto plan = plan_reload(running, parsed(next));
  EXPECT_EQ(plan.need_restart, (std::vector<std::string>{"server", "log.format"}));
  EXPECT_EQ(plan.next.server().http_port(), 8080);
  EXPECT_EQ(plan.next.log().format(), "text");
}

TEST(LiveConfig, ARemovedQueueThatTheRunningChannelsNeedIsRefusedWithTheKey) {
  const auto running = parsed(kRunning);
  // Valid on its own (the inbox went too), but channels stay as they run until a restart.
  std::string next = replaced(kRunning, "  - {name: email}\n", "");
  next = replaced(next, "    inboxes: [{address: support@example.com, queue: email}]\n", "");
  next = replaced(next, "    smtp_listen: 127.0.0.1:2525\n", "");
  try {
    plan_reload(running, parsed(next));
    FAIL() << "the reload was planned";
  } catch (const config_error& e) {
    EXPECT_EQ(std::string(e.what()).rfind("channels.email.inboxes[0].queue", 0), 0u) << e.what();
  }
}

TEST(LiveConfig, EachVersionStaysValidAndListenersHearTheNewOne) {
  live_config live(parsed(kRunning));
  const live_version& first = live.current();
  EXPECT_EQ(first.number, 1u);
  std::vector<std::uint64_t> heard;
  live.on_replace([&](const live_version& v) { heard.push_back(v.number); });
  auto next = parsed(kRunning);
  next.mutable_queues(0)->set_name("renamed");
  live.replace(next);
  EXPECT_EQ(live.current().number, 2u);
  EXPECT_EQ(live.current().queues.front().name(), "renamed");
  EXPECT_EQ(first.queues.front().name(), "general");  // a request that began with it finishes with it
  EXPECT_EQ(heard, (std::vector<std::uint64_t>{2}));
}

TEST(LiveConfig, NoQueuesMeansOneDefaultQueue) {
  live_config live(parsed(""));
  ASSERT_EQ(live.current().queues.size(), 1u);
  EXPECT_EQ(live.current().queues.front().name(), "default");
}

}  // namespace
}  // namespace switchboard
