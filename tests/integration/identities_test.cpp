#include "store/identities.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include "tests/support/redis_fixture.hpp"

namespace switchboard::store {
namespace {

using switchboard::testing::redis_fixture;

class Identities : public redis_fixture {
 protected:
  void SetUp() override {
    redis_fixture::SetUp();
    client = connect();
    repo = std::make_unique<identity_repository>(*client, keys, ids, clk);
  }
  void TearDown() override {
    repo.reset();
    client.reset();
    redis_fixture::TearDown();
  }
  std::unique_ptr<redis_client> client;
  std::unique_ptr<identity_repository> repo;
};

TEST_F(Identities, ResolveCreatesOnceThenFinds) {
  auto a = await(repo->resolve(v1::CHANNEL_EMAIL, "ana@x.org"));
  ASSERT_TRUE(a);
  EXPECT_TRUE(a->created);
  auto b = await(repo->resolve(v1::CHANNEL_EMAIL, "ana@x.org"));
  ASSERT_TRUE(b);
  EXPECT_FALSE(b->created);
  EXPECT_EQ(a->customer_id, b->customer_id);
  auto other = await(repo->resolve(v1::CHANNEL_WHATSAPP, "+34600000000"));
  EXPECT_NE(other->customer_id, a->customer_id);

  auto c = await(repo->customer(a->customer_id));
  ASSERT_TRUE(c);
  ASSERT_EQ(c->identities_size(), 1);
  EXPECT_EQ(c->identities(0).address(), "ana@x.org");
  EXPECT_GT(c->created_at_ms(), 0);
}

TEST_F(Identities, ConcurrentResolvesOfANewAddressAgreeOnOneCustomer) {
  std::vector<std::string> got;
  for (int i = 0; i < 20; ++i) {
    boost::asio::co_spawn(ioc, repo->resolve(v1::CHANNEL_SMS, "+15550100"),
                          [&](std::exception_ptr, result<resolved_identity> r) {
                            ASSERT_TRUE(r);
                            got.push_back(r->customer_id);
                          });
  }
  ASSERT_TRUE(run_until([&] { return got.size() == 20; }));
  for (const auto& id : got) EXPECT_EQ(id, got[0]);
  // The losers' speculative records were removed: one customer holds the address.
  auto members = raw({"KEYS", "sb:*:cu:*:ids"});
  EXPECT_EQ(members.elements.size(), 1u);
}

TEST_F(Identities, BadInputIsRefusedAndWritesNothing) {
  auto r = await(repo->resolve(v1::CHANNEL_EMAIL, ""));
  EXPECT_EQ(r.error(), errc::bad_input);
  auto u = await(repo->resolve(v1::CHANNEL_UNSPECIFIED, "x"));
  EXPECT_EQ(u.error(), errc::bad_input);
  EXPECT_EQ(raw({"DBSIZE"}).integer, 0);
}

TEST_F(Identities, LinkAddsAnAddressAndRefusesOneOwnedByAnother) {
  auto ana = await(repo->resolve(v1::CHANNEL_EMAIL, "ana@x.org"));
  auto bob = await(repo->resolve(v1::CHANNEL_EMAIL, "bob@x.org"));
  ASSERT_TRUE(await(repo->link(ana->customer_id, v1::CHANNEL_WHATSAPP, "+34600000000")));
  ASSERT_TRUE(await(repo->link(ana->customer_id, v1::CHANNEL_WHATSAPP, "+34600000000")));  // again: fine
  EXPECT_EQ(await(repo->resolve(v1::CHANNEL_WHATSAPP, "+34600000000"))->customer_id, ana->customer_id);

  auto conflict = await(repo->link(bob->customer_id, v1::CHANNEL_EMAIL, "ana@x.org"));
  EXPECT_EQ(conflict.error(), errc::conflict);
  auto bob_ids = await(repo->identities(bob->customer_id));
  ASSERT_EQ(bob_ids->size(), 1u);  // the refused link left nothing behind
  EXPECT_EQ(await(repo->link("no-such-customer", v1::CHANNEL_SMS, "1")).error(), errc::not_found);

  auto ana_ids = await(repo->identities(ana->customer_id));
  ASSERT_EQ(ana_ids->size(), 2u);
  EXPECT_EQ((*ana_ids)[0].channel(), v1::CHANNEL_EMAIL);
  EXPECT_EQ((*ana_ids)[1].address(), "+34600000000");
}

TEST_F(Identities, MergeMovesIdentitiesIsRecordedAndCanBeUndone) {
  auto web = await(repo->resolve(v1::CHANNEL_WEB, "visitor-7f3a"));
  auto mail = await(repo->resolve(v1::CHANNEL_EMAIL, "ana@x.org"));
  ASSERT_TRUE(await(repo->link(web->customer_id, v1::CHANNEL_SMS, "+34600000001")));

  auto m = await(repo->merge(web->customer_id, mail->customer_id, "agent-7", "same person, said so in chat"));
  ASSERT_TRUE(m) << m.error().message();
  EXPECT_EQ(m->actor(), "agent-7");
  EXPECT_EQ(m->reason(), "same person, said so in chat");
  EXPECT_GT(m->merged_at_ms(), 0);
  EXPECT_EQ(m->moved_identities_size(), 2);
  EXPECT_EQ(await(repo->resolve(v1::CHANNEL_WEB, "visitor-7f3a"))->customer_id, mail->customer_id);
  EXPECT_EQ(await(repo->identities(mail->customer_id))->size(), 3u);
  EXPECT_EQ(await(repo->identities(web->customer_id))->size(), 0u);
  EXPECT_EQ(await(repo->customer(web->customer_id))->merged_into(), mail->customer_id);
  // A merged customer cannot be merged again, nor into itself.
  EXPECT_EQ(await(repo->merge(web->customer_id, mail->customer_id, "a", "b")).error(), errc::conflict);
  EXPECT_EQ(await(repo->merge(mail->customer_id, mail->customer_id, "a", "b")).error(), errc::bad_input);

  // After the merge, the target gains an address of its own: undo leaves it there.
  ASSERT_TRUE(await(repo->link(mail->customer_id, v1::CHANNEL_TELEGRAM, "ana_t")));
  auto undone = await(repo->undo_merge(mail->customer_id, m->merge_id(), "lead-1"));
  ASSERT_TRUE(undone);
  EXPECT_EQ(undone->undone_by(), "lead-1");
  EXPECT_GT(undone->undone_at_ms(), 0);
  EXPECT_EQ(await(repo->resolve(v1::CHANNEL_WEB, "visitor-7f3a"))->customer_id, web->customer_id);
  EXPECT_EQ(await(repo->resolve(v1::CHANNEL_SMS, "+34600000001"))->customer_id, web->customer_id);
  EXPECT_EQ(await(repo->identities(mail->customer_id))->size(), 2u);  // email + telegram
  EXPECT_EQ(await(repo->customer(web->customer_id))->merged_into(), "");
  EXPECT_EQ(await(repo->undo_merge(mail->customer_id, m->merge_id(), "lead-1")).error(), errc::conflict);
  EXPECT_EQ(await(repo->undo_merge(mail->customer_id, "nope", "lead-1")).error(), errc::not_found);
}

}  // namespace
}  // namespace switchboard::store
