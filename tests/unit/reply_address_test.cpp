// The reply address that carries a conversation (channels/email/reply_address.hpp).
#include "channels/email/reply_address.hpp"

#include <gtest/gtest.h>

namespace switchboard::channels::email {
namespace {

constexpr std::string_view kConv = "01M8VEW0249NA39TQFVPPQH2YP-49";

TEST(ReplyAddress, CarriesTheConversationAndNothingElse) {
  const std::string a = reply_address("Support@Example.com", kConv, "secret-1");
  EXPECT_TRUE(a.starts_with("Support+01m8vew0249na39tqfvppqh2yp-49."));
  EXPECT_TRUE(a.ends_with("@Example.com"));
  EXPECT_LE(a.find('@'), 64u);  // a local part fits RFC 5321's 64 octets
  EXPECT_EQ(conversation_of(a, "support@example.com", "secret-1"), std::string(kConv));
  // Mail servers that change the case of the address change nothing.
  std::string upper = a;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_EQ(conversation_of(upper, "support@example.com", "secret-1"), std::string(kConv));
  // Another secret, another inbox or domain, the plain inbox, a changed id or mac: nothing.
  EXPECT_FALSE(conversation_of(a, "support@example.com", "secret-2"));
  EXPECT_FALSE(conversation_of(a, "sales@example.com", "secret-1"));
  EXPECT_FALSE(conversation_of(a, "support@example.org", "secret-1"));
  EXPECT_FALSE(conversation_of("support@example.com", "support@example.com", "secret-1"));
  std::string other_id = a;
  other_id[8] = other_id[8] == '0' ? '1' : '0';
  EXPECT_FALSE(conversation_of(other_id, "support@example.com", "secret-1"));
  std::string other_mac = a;
  const auto at = other_mac.find('@');
  other_mac[at - 1] = other_mac[at - 1] == 'a' ? 'b' : 'a';
  EXPECT_FALSE(conversation_of(other_mac, "support@example.com", "secret-1"));
  EXPECT_FALSE(conversation_of("support+.@example.com", "support@example.com", "secret-1"));
  EXPECT_FALSE(conversation_of("support+x.0123456789abcdef@example.com", "support@example.com", "secret-1"));
}

TEST(OurMessageId, CarriesConversationAndSeqAndIsTheSameEachTime) {
  const std::string id = our_message_id(kConv, 7, "mx.example.com", "secret-1");
  EXPECT_EQ(id, our_message_id(kConv, 7, "mx.example.com", "secret-1"));  // a retry is the same mail
  EXPECT_TRUE(id.starts_with("sb.01m8vew0249na39tqfvppqh2yp-49.7."));
  EXPECT_TRUE(id.ends_with("@mx.example.com"));
  const auto back = read_our_message_id(id, "secret-1");
  ASSERT_TRUE(back);
  EXPECT_EQ(back->conversation_id, kConv);
  EXPECT_EQ(back->seq, 7);
  // Another host name (it changed since) reads the same; upper case too.
  std::string moved = id.substr(0, id.find('@')) + "@other.example";
  EXPECT_TRUE(read_our_message_id(moved, "secret-1"));
  std::string upper = id;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_TRUE(read_our_message_id(upper, "secret-1"));
  // Another secret, another seq under the same mac, a changed mac, others' ids: nothing.
  EXPECT_FALSE(read_our_message_id(id, "secret-2"));
  std::string seq8 = id;
  seq8.replace(seq8.find(".7.") + 1, 1, "8");
  EXPECT_FALSE(read_our_message_id(seq8, "secret-1"));
  std::string mac = id;
  mac[id.find('@') - 1] = mac[id.find('@') - 1] == 'a' ? 'b' : 'a';
  EXPECT_FALSE(read_our_message_id(mac, "secret-1"));
  for (const char* other : {"CAK2x=abc@mail.gmail.com", "sb.@x", "sb.x.y.z@h", "sb..1.0123456789abcdef@h", "sb.c.-1.0123456789abcdef@h", ""}) {
    EXPECT_FALSE(read_our_message_id(other, "secret-1")) << other;
  }
}

}  // namespace
}  // namespace switchboard::channels::email
