// One timeline across merged customers (store/merged_timeline.hpp) and the merge steps that feed
// it (store/identities.cpp), against a real redis-server: interleaved pages of every size, equal
// stream ids of different streams, undo, chains, and merges or undos cut short then repeated.
#include "store/merged_timeline.hpp"

#include <gtest/gtest.h>

#include <set>

#include "store/identities.hpp"
#include "tests/support/redis_fixture.hpp"

namespace switchboard::store {
namespace {

using switchboard::testing::redis_fixture;

class MergedTimeline : public redis_fixture {
 protected:
  void SetUp() override {
    redis_fixture::SetUp();
    client = connect();
    store_cfg.set_dedupe_ttl_seconds(3600);
    store_cfg.set_reopen_window_seconds(3600);
    timeline = std::make_unique<timeline_repository>(*client, keys, ids, clk, store_cfg);
    people = std::make_unique<identity_repository>(*client, keys, ids, clk);
  }
  void TearDown() override {
    people.reset();
    timeline.reset();
    client.reset();
    redis_fixture::TearDown();
  }

  std::string customer(v1::Channel ch, const std::string& address) {
    auto r = await(people->resolve(ch, address));
    EXPECT_TRUE(r);
    return r->customer_id;
  }
  // A customer's message, on a later millisecond than anything before (spins on the clock, which
  // Redis's stream ids follow: ids of different streams then never tie).
  void says(const std::string& customer, const std::string& text) {
    const auto before = clk.unix_ms();
    while (clk.unix_ms() < before + 2) {
    }
    append_request r;
    r.customer_id = customer;
    r.mode = append_request::target::current;
    r.channel = v1::CHANNEL_WEB;
    r.idempotency_key = text;
    r.event.mutable_message()->set_direction(v1::DIRECTION_INBOUND);
    r.event.mutable_message()->set_body(text);
    ASSERT_TRUE(await(timeline->append(std::move(r))));
  }
  // Every message body of a customer's timeline, read in pages of `page`; fails on a repeat.
  std::vector<std::string> bodies(const std::string& customer, std::size_t page, std::string after = {}) {
    std::vector<std::string> out;
    for (int i = 0; i < 200; ++i) {
      auto p = await(timeline->read_timeline(customer, after, page));
      EXPECT_TRUE(p) << p.error().message();
      if (!p) break;
      EXPECT_LE(p->events.size(), page);
      for (const auto& e : p->events) out.push_back(e.message().body());
      if (p->next_after.empty()) break;
      after = p->next_after;
    }
    EXPECT_EQ(std::set<std::string>(out.begin(), out.end()).size(), out.size()) << "an event repeated";
    return out;
  }
  void add_entry(const std::string& customer, const std::string& id, const std::string& text) {
    v1::Event e;
    e.mutable_message()->set_body(text);
    auto r = raw({"XADD", keys.timeline(customer), id, "c", "cv-" + customer, "s", "1", "e", e.SerializeAsString()});
    ASSERT_EQ(r.str, id);
  }

  v1::StoreConfig store_cfg;
  std::unique_ptr<redis_client> client;
  std::unique_ptr<timeline_repository> timeline;
  std::unique_ptr<identity_repository> people;
};

TEST_F(MergedTimeline, InterleavedEventsOfTwoCustomersReadInTimeOrderInPagesOfOneTwoAndThree) {
  const auto web = customer(v1::CHANNEL_WEB, "visitor-1");
  const auto wa = customer(v1::CHANNEL_WHATSAPP, "+34600000001");
  says(wa, "wa1");
  says(web, "web1");
  says(web, "web2");
  says(wa, "wa2");
  says(web, "web3");
  says(wa, "wa3");
  EXPECT_EQ(bodies(wa, 100), (std::vector<std::string>{"wa1", "wa2", "wa3"}));

  auto m = await(people->merge(web, wa, "lead-1", "same phone in chat"));
  ASSERT_TRUE(m) << m.error().message();
  const std::vector<std::string> all = {"wa1", "web1", "web2", "wa2", "web3", "wa3"};
  for (std::size_t page : {1u, 2u, 3u, 6u, 7u, 100u}) EXPECT_EQ(bodies(wa, page), all) << "pages of " << page;
  // The source's own timeline is still its own; a page's cursor names the customer.
  EXPECT_EQ(bodies(web, 100), (std::vector<std::string>{"web1", "web2", "web3"}));
  auto first = await(timeline->read_timeline(wa, "", 2));
  ASSERT_TRUE(first);
  EXPECT_NE(first->next_after.find('~'), std::string::npos) << first->next_after;
  // New events on either side join in order.
  says(web, "web4");
  says(wa, "wa4");
  EXPECT_EQ(bodies(wa, 3, first->next_after), (std::vector<std::string>{"web2", "wa2", "web3", "wa3", "web4", "wa4"}));
}

TEST_F(MergedTimeline, EqualStreamIdsOfTwoStreamsAreNeitherSkippedNorRepeated) {
  const auto a = customer(v1::CHANNEL_EMAIL, "a@x.org");
  const auto b = customer(v1::CHANNEL_EMAIL, "b@x.org");
  const auto& lo = std::min(a, b);
  const auto& hi = std::max(a, b);
  add_entry(a, "5-0", "a5");
  add_entry(a, "5-1", "a5.1");
  add_entry(a, "7-0", "a7");
  add_entry(b, "5-0", "b5");
  add_entry(b, "6-0", "b6");
  add_entry(b, "7-0", "b7");
  ASSERT_TRUE(await(people->merge(b, a, "lead-1", "same person")));
  const std::string lo5 = lo == a ? "a5" : "b5", hi5 = lo == a ? "b5" : "a5";
  const std::string lo7 = lo == a ? "a7" : "b7", hi7 = lo == a ? "b7" : "a7";
  const std::vector<std::string> want = {lo5, hi5, "a5.1", "b6", lo7, hi7};
  for (std::size_t page : {1u, 2u, 3u, 4u, 6u}) EXPECT_EQ(bodies(a, page), want) << "pages of " << page;
  // A cursor on the first of two equal ids resumes at the second.
  auto p = await(timeline->read_timeline(a, "5-0~" + lo, 1));
  ASSERT_TRUE(p);
  ASSERT_EQ(p->events.size(), 1u);
  EXPECT_EQ(p->events[0].message().body(), hi5);
  EXPECT_EQ(p->next_after, "5-0~" + hi);
  // A bare id (the cursor of one stream, as before merges) means after that id in every stream.
  EXPECT_EQ(bodies(a, 2, "5-0"), (std::vector<std::string>{"a5.1", "b6", lo7, hi7}));
  EXPECT_EQ(bodies(a, 2, "5"), (std::vector<std::string>{"a5.1", "b6", lo7, hi7}));
  for (const char* bad : {"abc", "1-2-3", "5-0~", "~x", "99999999999999999999-0"}) {
    EXPECT_EQ(await(timeline->read_timeline(a, bad, 2)).error(), errc::bad_input) << bad;
  }
}

TEST_F(MergedTimeline, UndoSplitsTheTimelineAgainAndCursorsKeepWorking) {
  const auto web = customer(v1::CHANNEL_WEB, "visitor-2");
  const auto wa = customer(v1::CHANNEL_WHATSAPP, "+34600000002");
  says(wa, "wa1");
  says(web, "web1");
  says(wa, "wa2");
  says(web, "web2");
  auto m = await(people->merge(web, wa, "lead-1", "same"));
  ASSERT_TRUE(m);
  auto p = await(timeline->read_timeline(wa, "", 2));  // wa1, web1
  ASSERT_TRUE(p);
  ASSERT_EQ(p->events.size(), 2u);
  ASSERT_TRUE(await(people->undo_merge(wa, m->merge_id(), "lead-2")));
  EXPECT_EQ(bodies(wa, 1), (std::vector<std::string>{"wa1", "wa2"}));
  EXPECT_EQ(bodies(wa, 1, p->next_after), (std::vector<std::string>{"wa2"}));
  EXPECT_EQ(bodies(web, 1), (std::vector<std::string>{"web1", "web2"}));
  auto single = await(timeline->read_timeline(wa, "", 1));
  EXPECT_EQ(single->next_after.find('~'), std::string::npos) << "one stream: a bare entry id, as before merges";
  EXPECT_EQ(raw({"SCARD", keys.customer_merged(wa)}).integer, 0);
  auto listed = await(people->merges_into(wa, 10));
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].undone_by(), "lead-2");
  // Merged again: a new merge, listed first.
  auto again = await(people->merge(web, wa, "lead-1", "it was the same after all"));
  ASSERT_TRUE(again);
  EXPECT_NE(again->merge_id(), m->merge_id());
  EXPECT_EQ(bodies(wa, 3), (std::vector<std::string>{"wa1", "web1", "wa2", "web2"}));
  listed = await(people->merges_into(wa, 10));
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].merge_id(), again->merge_id());
}

TEST_F(MergedTimeline, ChainsReadTransitivelyAndUndoingTheMiddleTakesItsWholeBranch) {
  const auto a = customer(v1::CHANNEL_SMS, "+15550001");
  const auto b = customer(v1::CHANNEL_SMS, "+15550002");
  const auto c = customer(v1::CHANNEL_SMS, "+15550003");
  says(a, "a1");
  says(b, "b1");
  says(c, "c1");
  says(a, "a2");
  ASSERT_TRUE(await(people->merge(a, b, "lead-1", "a is b")));
  auto bc = await(people->merge(b, c, "lead-1", "b is c"));
  ASSERT_TRUE(bc);
  EXPECT_EQ(bodies(c, 1), (std::vector<std::string>{"a1", "b1", "c1", "a2"}));
  EXPECT_EQ(*await(people->merged_family(c)), (std::vector<std::string>{c, b, a}));
  // Nothing merges into a merged customer (no cycles).
  EXPECT_EQ(await(people->merge(c, a, "lead-1", "x")).error(), errc::conflict);
  ASSERT_TRUE(await(people->undo_merge(c, bc->merge_id(), "lead-1")));
  EXPECT_EQ(bodies(c, 2), (std::vector<std::string>{"c1"}));
  EXPECT_EQ(bodies(b, 2), (std::vector<std::string>{"a1", "b1", "a2"}));
}

TEST_F(MergedTimeline, AMergeCutShortIsFinishedByRepeatingIt) {
  const auto src = customer(v1::CHANNEL_WEB, "visitor-3");
  ASSERT_TRUE(await(people->link(src, v1::CHANNEL_SMS, "+15550100")));
  const auto dst = customer(v1::CHANNEL_EMAIL, "ana@x.org");
  says(src, "s1");
  // Cut short after the mark and one identity key's move, before the record and the sets.
  raw({"HSET", keys.customer(src), "merged_into", dst, "merged_by", "01MERGEID"});
  raw({"SET", keys.identity(v1::CHANNEL_SMS, "+15550100"), dst});
  EXPECT_EQ(bodies(dst, 10), std::vector<std::string>{}) << "not merged until the last step";
  EXPECT_EQ(await(people->merge(src, "someone-else", "x", "y")).error(), errc::not_found);
  auto m = await(people->merge(src, dst, "lead-1", "same"));
  ASSERT_TRUE(m) << m.error().message();
  EXPECT_EQ(m->merge_id(), "01MERGEID");
  EXPECT_EQ(m->moved_identities_size(), 2);
  EXPECT_EQ(await(people->identities(dst))->size(), 3u);
  EXPECT_EQ(await(people->identities(src))->size(), 0u);
  EXPECT_EQ(await(people->resolve(v1::CHANNEL_WEB, "visitor-3"))->customer_id, dst);
  EXPECT_EQ(bodies(dst, 10), std::vector<std::string>{"s1"});
  // Done: repeating it now is a conflict, and it is listed once.
  EXPECT_EQ(await(people->merge(src, dst, "lead-1", "same")).error(), errc::conflict);
  EXPECT_EQ(await(people->merges_into(dst, 10))->size(), 1u);
}

TEST_F(MergedTimeline, AnUndoCutShortIsFinishedByRepeatingIt) {
  const auto src = customer(v1::CHANNEL_WEB, "visitor-4");
  ASSERT_TRUE(await(people->link(src, v1::CHANNEL_SMS, "+15550200")));
  const auto dst = customer(v1::CHANNEL_EMAIL, "bea@x.org");
  says(src, "s1");
  auto m = await(people->merge(src, dst, "lead-1", "same"));
  ASSERT_TRUE(m);
  // Cut short after the timeline split and one identity key's move back.
  raw({"SREM", keys.customer_merged(dst), src});
  raw({"SET", keys.identity(v1::CHANNEL_SMS, "+15550200"), src});
  auto undone = await(people->undo_merge(dst, m->merge_id(), "lead-1"));
  ASSERT_TRUE(undone) << undone.error().message();
  EXPECT_EQ(await(people->identities(src))->size(), 2u);
  EXPECT_EQ(await(people->identities(dst))->size(), 1u);
  EXPECT_EQ(await(people->customer(src))->merged_into(), "");
  EXPECT_EQ(bodies(dst, 10), std::vector<std::string>{});
  EXPECT_EQ(await(people->undo_merge(dst, m->merge_id(), "lead-1")).error(), errc::conflict);
  // A merge id of another target is not found through this one.
  const auto other = customer(v1::CHANNEL_EMAIL, "other@x.org");
  EXPECT_EQ(await(people->undo_merge(other, m->merge_id(), "lead-1")).error(), errc::not_found);
}

}  // namespace
}  // namespace switchboard::store
