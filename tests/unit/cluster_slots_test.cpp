#include <gtest/gtest.h>

#include <array>

#include "store/cluster_slots.hpp"

namespace switchboard::store {
namespace {

std::optional<std::string> key_of(std::initializer_list<std::string_view> args) {
  auto k = routing_key(std::span<const std::string_view>(args.begin(), args.size()));
  return k ? std::optional<std::string>(std::string(*k)) : std::nullopt;
}

TEST(ClusterSlots, HashesAsRedisClusterDoes) {
  EXPECT_EQ(crc16("123456789"), 0x31C3);  // the check value of CRC16-CCITT (XModem)
  // Values from `redis-cli CLUSTER KEYSLOT`.
  EXPECT_EQ(key_slot("foo"), 12182);
  EXPECT_EQ(key_slot("bar"), 5061);
  EXPECT_EQ(key_slot("{user1000}.following"), key_slot("{user1000}.followers"));
  EXPECT_EQ(key_slot("{user1000}.following"), key_slot("user1000"));
  EXPECT_EQ(key_slot("foo{}{bar}"), crc16("foo{}{bar}") % 16384);  // an empty tag: the whole key
  EXPECT_EQ(key_slot("foo{{bar}}zap"), key_slot("{bar"));          // up to the first '}'
  EXPECT_EQ(key_slot("foo{bar}{zap}"), key_slot("bar"));           // the first tag only
  EXPECT_EQ(key_slot("sb:{g7}:cv:x"), key_slot("sb:{g7}:tl:y"));
}

TEST(ClusterSlots, FindsTheKeyThatRoutesEachCommand) {
  EXPECT_EQ(key_of({"GET", "a"}), "a");
  EXPECT_EQ(key_of({"HSET", "h", "f", "v"}), "h");
  EXPECT_EQ(key_of({"EVALSHA", "abc", "2", "k1", "k2", "arg"}), "k1");
  EXPECT_EQ(key_of({"EVAL", "return 1", "0", "arg"}), std::nullopt);
  EXPECT_EQ(key_of({"XREADGROUP", "GROUP", "g", "c", "COUNT", "10", "STREAMS", "s1", ">"}), "s1");
  EXPECT_EQ(key_of({"xreadgroup", "GROUP", "g", "c", "streams", "s1", ">"}), "s1");
  EXPECT_EQ(key_of({"XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"}), "s");
  EXPECT_EQ(key_of({"SPUBLISH", "ch", "m"}), "ch");
  EXPECT_EQ(key_of({"PUBLISH", "ch", "m"}), std::nullopt);
  EXPECT_EQ(key_of({"WAIT", "1", "100"}), std::nullopt);
  EXPECT_EQ(key_of({"INFO", "replication"}), std::nullopt);
  EXPECT_EQ(key_of({"PING"}), std::nullopt);
}

TEST(ClusterSlots, ReadsRedirections) {
  auto moved = parse_redirect("MOVED 3999 127.0.0.1:6381");
  ASSERT_TRUE(moved);
  EXPECT_FALSE(moved->ask);
  EXPECT_EQ(moved->slot, 3999);
  EXPECT_EQ(moved->to.host, "127.0.0.1");
  EXPECT_EQ(moved->to.port, 6381);
  auto ask = parse_redirect("ASK 12 ::1:7000");
  ASSERT_TRUE(ask);
  EXPECT_TRUE(ask->ask);
  EXPECT_EQ(ask->to.host, "::1");
  EXPECT_EQ(ask->to.port, 7000);
  auto same_host = parse_redirect("MOVED 5 :7001");  // Redis 7: the host the client used
  ASSERT_TRUE(same_host);
  EXPECT_EQ(same_host->to.host, "");
  EXPECT_FALSE(parse_redirect("ERR wrong"));
  EXPECT_FALSE(parse_redirect("MOVED 16384 h:1"));
  EXPECT_FALSE(parse_redirect("MOVED 1 h:0"));
  EXPECT_FALSE(parse_redirect("MOVED x h:1"));
  EXPECT_FALSE(parse_redirect("MOVED 1"));
}

reply integer(std::int64_t v) { return reply::integer_of(v); }
reply text(std::string s) { return reply::string_of(std::move(s)); }
reply array(std::vector<reply> e) { return reply::array_of(std::move(e)); }

TEST(ClusterSlots, ReadsTheSlotMap) {
  redis_endpoint asked{"10.0.0.9", 7000, "", 0};
  reply r = array({
      array({integer(0), integer(5460), array({text("127.0.0.1"), integer(7000), text("id0")}),
             array({text("127.0.0.1"), integer(7003), text("id3")})}),
      array({integer(5461), integer(16383), array({text(""), integer(7001), text("id1")})}),
  });
  auto ranges = parse_cluster_slots(r, asked);
  ASSERT_EQ(ranges.size(), 2u);
  EXPECT_EQ(ranges[0].first, 0);
  EXPECT_EQ(ranges[0].last, 5460);
  EXPECT_EQ(ranges[0].primary.port, 7000);
  EXPECT_EQ(ranges[1].primary.host, "10.0.0.9");  // an empty host: the node asked
  EXPECT_EQ(ranges[1].primary.port, 7001);
  EXPECT_THROW(parse_cluster_slots(text("x"), asked), std::invalid_argument);
  EXPECT_THROW(parse_cluster_slots(array({array({integer(5), integer(2), array({text("h"), integer(1)})})}), asked),
               std::invalid_argument);
}

}  // namespace
}  // namespace switchboard::store
