// Who may see or do what (conversation/rules.hpp), and where a reply goes: plain inputs.
#include "conversation/rules.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace switchboard::conversation {
namespace {

principal who(role r, const std::string& sub, std::vector<std::string> teams = {}) {
  principal p;
  p.who = r;
  p.subject = sub;
  p.teams = std::move(teams);
  return p;
}

v1::Conversation conv(const std::string& team, const std::string& owner = "") {
  v1::Conversation c;
  c.set_id("cv1");
  c.set_customer_id("cu1");
  c.set_team(team);
  c.set_owner_id(owner);
  c.set_channel(v1::CHANNEL_WEB);
  return c;
}

TEST(AccessRules, StaffReadTheirTeamsOrWhatTheyOwnAdminsEverything) {
  EXPECT_TRUE(staff_may_read(who(role::agent, "ann", {"care"}), conv("care")));
  EXPECT_FALSE(staff_may_read(who(role::agent, "ann", {"care"}), conv("billing")));
  EXPECT_TRUE(staff_may_read(who(role::agent, "ann", {"care"}), conv("billing", "ann")));  // owns it
  EXPECT_TRUE(staff_may_read(who(role::lead, "lee", {"billing"}), conv("billing")));
  EXPECT_FALSE(staff_may_read(who(role::lead, "lee", {"care"}), conv("billing")));
  EXPECT_TRUE(staff_may_read(who(role::admin, "root"), conv("billing")));
  EXPECT_TRUE(staff_may_read(who(role::agent, "ann", {"care"}), conv("")));  // a queue without a team
  EXPECT_FALSE(staff_may_read(who(role::customer, "cu1"), conv("")));
}

TEST(AccessRules, ACustomerReadsOnlyTheirOwn) {
  EXPECT_TRUE(customer_may_read("cu1", conv("care")));
  EXPECT_FALSE(customer_may_read("cu2", conv("care")));
  EXPECT_FALSE(customer_may_read("", conv("care")));
}

TEST(AccessRules, ACustomerSeesMessagesAndStateNeverNotesOrRouting) {
  v1::Event e;
  e.mutable_message()->set_direction(v1::DIRECTION_OUTBOUND);
  EXPECT_TRUE(customer_may_see(e));
  e.mutable_message()->set_direction(v1::DIRECTION_INTERNAL);
  EXPECT_FALSE(customer_may_see(e));
  v1::Event note;
  note.mutable_note()->set_body("x");
  EXPECT_FALSE(customer_may_see(note));
  v1::Event whisper;
  whisper.mutable_whisper()->set_body("x");
  EXPECT_FALSE(customer_may_see(whisper));
  v1::Event draft;
  draft.mutable_draft()->set_body("x");
  EXPECT_FALSE(customer_may_see(draft));
  v1::Event offer;
  offer.mutable_offer()->set_agent_id("ann");
  EXPECT_FALSE(customer_may_see(offer));
  v1::Event status;
  status.mutable_status_change()->set_to(v1::RESOLVED);
  EXPECT_TRUE(customer_may_see(status));
  v1::Event warning;
  warning.mutable_inactivity_warning()->set_resolves_in_seconds(60);
  EXPECT_TRUE(customer_may_see(warning));
}

// The router's automatic message went out on its messaging channel; the widget shows the place
// from its own frames and never gets it as a line of the chat.
TEST(AccessRules, TheRoutersPlaceNoticeIsNotTheWidgets) {
  v1::Event notice;
  notice.set_actor("router");
  notice.mutable_message()->set_direction(v1::DIRECTION_OUTBOUND);
  notice.mutable_message()->set_channel(v1::CHANNEL_WHATSAPP);
  EXPECT_FALSE(customer_may_see(notice));
  notice.set_actor("ann");
  EXPECT_TRUE(customer_may_see(notice));
}

TEST(AccessRules, LeadsLeadAgentsDoNotCustomersHaveNoDesk) {
  EXPECT_TRUE(may_lead(who(role::lead, "lee")));
  EXPECT_TRUE(may_lead(who(role::admin, "root")));
  EXPECT_FALSE(may_lead(who(role::agent, "ann")));
  EXPECT_TRUE(has_desk(who(role::agent, "ann")));
  EXPECT_TRUE(has_desk(who(role::lead, "lee")));
  EXPECT_FALSE(has_desk(who(role::customer, "cu1")));
  EXPECT_FALSE(has_desk(who(role::admin, "root")));
}

TEST(AccessRules, AReplyGoesWhereTheCustomerLastWroteUnlessTheAgentPicksAnotherOfTheirs) {
  auto c = conv("care");
  EXPECT_EQ(reply_channel(c, v1::CHANNEL_UNSPECIFIED, {}), v1::CHANNEL_WEB);  // they have not written since
  c.set_last_channel(v1::CHANNEL_WHATSAPP);
  EXPECT_EQ(reply_channel(c, v1::CHANNEL_UNSPECIFIED, {}), v1::CHANNEL_WHATSAPP);
  const std::vector<v1::Channel> theirs{v1::CHANNEL_WEB, v1::CHANNEL_WHATSAPP, v1::CHANNEL_EMAIL};
  EXPECT_EQ(reply_channel(c, v1::CHANNEL_EMAIL, theirs), v1::CHANNEL_EMAIL);
  EXPECT_EQ(reply_channel(c, v1::CHANNEL_SMS, theirs), std::nullopt);  // no SMS address of theirs
}

TEST(AccessRules, GuardsNameTheOwnerAndEveryUnresolvedState) {
  const auto g = owner_guard("ann");
  ASSERT_EQ(g.clauses().size(), 2u);
  EXPECT_EQ(g.clauses()[0].field, "owner_id");
  EXPECT_EQ(g.clauses()[0].allowed, (std::vector<std::string>{"ann"}));
  EXPECT_EQ(g.clauses()[1].allowed, (std::vector<std::string>{"assigned", "waiting_customer", "wrap_up"}));
  const auto u = unresolved_guard();
  ASSERT_EQ(u.clauses().size(), 1u);
  EXPECT_EQ(std::count(u.clauses()[0].allowed.begin(), u.clauses()[0].allowed.end(), "resolved"), 0);
  EXPECT_EQ(u.clauses()[0].allowed.size(), 6u);
}

}  // namespace
}  // namespace switchboard::conversation
