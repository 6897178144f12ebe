#include "store/redis_reply.hpp"

#include <gtest/gtest.h>
#include <hiredis/hiredis.h>

namespace switchboard::store {
namespace {

// Feeds RESP bytes to hiredis's own reader one byte at a time and converts the reply.
reply parse(const std::string& resp) {
  redisReader* r = redisReaderCreate();
  void* out = nullptr;
  for (char c : resp) {
    EXPECT_EQ(redisReaderFeed(r, &c, 1), REDIS_OK);
    EXPECT_EQ(redisReaderGetReply(r, &out), REDIS_OK);
    if (out != nullptr) break;
  }
  EXPECT_NE(out, nullptr) << "incomplete reply";
  reply rep = reply::from_hiredis(static_cast<redisReply*>(out));
  if (out) freeReplyObject(out);
  redisReaderFree(r);
  return rep;
}

TEST(RedisReply, ConvertsEveryType) {
  EXPECT_EQ(parse(":42\r\n").integer, 42);
  auto bin = parse(std::string("$5\r\nhe\0lo\r\n", 11));
  EXPECT_EQ(bin.str, std::string("he\0lo", 5));
  EXPECT_TRUE(parse("$-1\r\n").is_nil());
  auto st = parse("+OK\r\n");
  EXPECT_EQ(st.type, reply::kind::status);
  EXPECT_TRUE(st.is_string());
  auto arr = parse("*3\r\n:1\r\n$1\r\na\r\n*1\r\n+x\r\n");
  ASSERT_TRUE(arr.is_array());
  ASSERT_EQ(arr.elements.size(), 3u);
  EXPECT_EQ(arr.elements[1].str, "a");
  EXPECT_EQ(arr.elements[2].elements[0].str, "x");
}

TEST(RedisReply, ErrorsKeepTheirCode) {
  auto e = parse("-NOSCRIPT No matching script. Please use EVAL.\r\n");
  EXPECT_TRUE(e.is_error());
  EXPECT_EQ(e.error_code(), "NOSCRIPT");
  EXPECT_EQ(parse("+OK\r\n").error_code(), "");
}

TEST(RedisReply, IntegersFromStrings) {
  EXPECT_EQ(parse("$2\r\n17\r\n").as_int(), 17);
  EXPECT_FALSE(parse("$2\r\n1x\r\n").as_int());
  EXPECT_FALSE(parse("*0\r\n").as_int());
}

}  // namespace
}  // namespace switchboard::store
