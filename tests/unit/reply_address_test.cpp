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

}  // namespace
}  // namespace switchboard::channels::email
