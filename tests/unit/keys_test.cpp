#include "store/keys.hpp"
#include "store/idempotency.hpp"

#include <gtest/gtest.h>

#include <array>

namespace switchboard::store {
namespace {

// The hash tag Redis Cluster hashes: the text between the first '{' and the next '}'.
std::string hash_tag(const std::string& key) {
  auto open = key.find('{');
  auto close = key.find('}', open);
  return key.substr(open + 1, close - open - 1);
}

TEST(Keys, EveryKeyOfACustomerSharesItsGroupTag) {
  key_layout k("sb", 256);
  const std::string cu = "01JDZ5C3W4Q8N6R2T7V9X0Y1AB";
  const std::string conv = k.conversation_id("01JDZ5C3W4Q8N6R2T7V9X0Y1AC", cu);
  const std::string tag = "g" + std::to_string(k.group_of_customer(cu));
  for (const auto& key : {k.customer(cu), k.customer_identities(cu), k.timeline(cu), k.dedupe(cu, "m1"),
                          k.conversation(conv), k.conversation_index(conv), k.conversation_channel(conv),
                          k.merge(cu, "x"), k.routing_requests(k.group_of_customer(cu))}) {
    EXPECT_EQ(hash_tag(key), tag) << key;
  }
  EXPECT_EQ(k.conversation(conv), k.conversation_prefix(cu) + conv);
  EXPECT_EQ(k.timeline_prefix_of(conv) + cu, k.timeline(cu));
}

TEST(Keys, ConversationIdsCarryTheirGroup) {
  key_layout k("sb", 16);
  const std::string cu = "customer-1";
  auto conv = k.conversation_id("01JDZ5C3W4Q8N6R2T7V9X0Y1AC", cu);
  EXPECT_EQ(k.group_of_conversation(conv), k.group_of_customer(cu));
  EXPECT_FALSE(k.group_of_conversation("nodash"));
  EXPECT_FALSE(k.group_of_conversation("abc-"));
  EXPECT_FALSE(k.group_of_conversation("abc-16"));  // beyond G
  EXPECT_FALSE(k.group_of_conversation("abc-1x"));
  EXPECT_EQ(k.conversation("garbage"), "");
}

TEST(Keys, GroupsSpreadCustomers) {
  key_layout k("sb", 8);
  std::array<int, 8> count{};
  for (int i = 0; i < 8000; ++i) ++count[static_cast<std::size_t>(k.group_of_customer("c" + std::to_string(i)))];
  for (int c : count) EXPECT_GT(c, 800);
}

// Redis Cluster spreads agents: each agent's keys share its agent group's tag (one script updates a
// record and its group's event stream), and the groups spread the agents.
TEST(Keys, EveryKeyOfAnAgentSharesItsAgentGroupTag) {
  key_layout k("sb", 256);
  std::array<int, key_layout::kAgentGroups> count{};
  for (int i = 0; i < 1600; ++i) {
    const std::string id = "agent" + std::to_string(i);
    const int g = k.agent_group_of(id);
    ++count[static_cast<std::size_t>(g)];
    const std::string tag = "a" + std::to_string(g);
    for (const auto& key : {k.agent(id), k.agent_conversations(id), k.agent_desks(id), k.agent_history(id),
                            k.agents(g), k.agent_events(g)}) {
      ASSERT_EQ(hash_tag(key), tag) << key;
    }
    ASSERT_EQ(k.agent(id), k.agent_prefix(g) + id);
  }
  for (int c : count) EXPECT_GT(c, 50);
  EXPECT_EQ(k.agent_events(3), "sb:{a3}:ev");
  EXPECT_EQ(k.agent_group_of_events("sb:{a3}:ev"), 3);
  EXPECT_EQ(k.agent_group_of_events(k.agent_events(15)), 15);
  EXPECT_FALSE(k.agent_group_of_events("sb:{a16}:ev"));  // beyond the agent groups
  EXPECT_FALSE(k.agent_group_of_events("sb:{ag}:ev"));
  EXPECT_FALSE(k.agent_group_of_events("sb:{a3}:all"));
  EXPECT_FALSE(k.agent_group_of_events(k.routing_requests(3)));
  EXPECT_EQ(k.legacy_agent_prefix(), "sb:{ag}:");
}

TEST(Keys, IdentityKeysAreOutsideTheGroups) {
  key_layout k("sb", 256);
  EXPECT_EQ(k.identity(v1::CHANNEL_EMAIL, "ana@x.org"), "sb:id:email:ana@x.org");
  EXPECT_EQ(channel_from_name("whatsapp"), v1::CHANNEL_WHATSAPP);
  EXPECT_FALSE(channel_from_name("fax"));
}

}  // namespace
}  // namespace switchboard::store

// Issue 10.9: no actor can choose a key that is another actor's.
namespace switchboard::store {
namespace {

TEST(IdempotencyKeys, EveryActorHasANamespaceOfItsOwn) {
  namespace k = idempotency;
  // Whatever a customer sends as a message id stays a customer's key.
  for (const std::string& tricky : {std::string("staff:ann:am-77"), k::staff_action("ann", "message", "am-77"),
                                    k::read_receipt("ann", 3), k::rating("c1"), k::draft_review("c1", 2)}) {
    EXPECT_NE(k::customer_message(tricky), k::staff_action("ann", "message", "am-77"));
    EXPECT_EQ(k::customer_message(tricky).rfind("c:", 0), 0u);
  }
  // Staff keys of different actors, kinds or ids never meet, also with ':' in an id.
  EXPECT_NE(k::staff_action("ann:m", "x", "y"), k::staff_action("ann", "m:x", "y"));
  EXPECT_NE(k::staff_action("ann", "note", "1"), k::staff_action("ann", "resolve", "1"));
  EXPECT_NE(k::staff_action("ann", "note", "1"), k::staff_action("bob", "note", "1"));
  EXPECT_NE(k::read_receipt("ann", 12), k::read_receipt("ann:1", 2));
  EXPECT_EQ(k::staff_action("ann", "note", "n-1"), k::staff_action("ann", "note", "n-1"));
}

}  // namespace
}  // namespace switchboard::store
