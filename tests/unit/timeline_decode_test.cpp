#include <gtest/gtest.h>

#include "store/timeline.hpp"

namespace switchboard::store {
namespace {

reply str(std::string s) { return reply::string_of(std::move(s)); }
reply arr(std::vector<reply> e) { return reply::array_of(std::move(e)); }

TEST(TimelineEntry, DecodesEventWithConversationAndSeq) {
  v1::Event ev;
  ev.set_event_id("E1");
  ev.mutable_message()->set_body("hello");
  auto entry = arr({str("1-0"), arr({str("c"), str("C1-3"), str("s"), str("7"), str("e"), str(ev.SerializeAsString())})});
  auto out = decode_timeline_entry(entry);
  ASSERT_TRUE(out);
  EXPECT_EQ(out->conversation_id(), "C1-3");
  EXPECT_EQ(out->seq(), 7);
  EXPECT_EQ(out->message().body(), "hello");
}

TEST(TimelineEntry, RejectsMalformedEntries) {
  EXPECT_FALSE(decode_timeline_entry(str("x")));
  EXPECT_FALSE(decode_timeline_entry(arr({str("1-0"), arr({str("c"), str("C")})})));        // no event bytes
  EXPECT_FALSE(decode_timeline_entry(arr({str("1-0"), arr({str("e"), str("\xff\xff")})})));  // not a proto
}

}  // namespace
}  // namespace switchboard::store
