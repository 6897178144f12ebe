// The batched reader of reports (store/report_reads) against a real redis-server: conversations
// written through the real append path, read back a batch at a time, each once, with every event.
#include "store/report_reads.hpp"

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "store/timeline.hpp"
#include "tests/support/redis_fixture.hpp"

namespace switchboard::store {
namespace {

using switchboard::testing::redis_fixture;

constexpr std::int64_t T0 = 1'790'000'000'000;

class ReportReads : public redis_fixture {
 protected:
  void SetUp() override {
    redis_fixture::SetUp();
    client = connect();
    store_cfg.set_dedupe_ttl_seconds(3600);
    store_cfg.set_reopen_window_seconds(0);
    repo = std::make_unique<timeline_repository>(*client, keys, ids, when, store_cfg);
  }
  void TearDown() override {
    repo.reset();
    client.reset();
    redis_fixture::TearDown();
  }

  // A conversation of `customer` created at `at_ms`, of `team`, with `replies` staff messages after
  // the customer's first: 1 + replies events. Returns its id.
  std::string conversation(const std::string& customer, std::int64_t at_ms, const std::string& team, int replies = 2) {
    when.set_unix_ms(at_ms);
    append_request open;
    open.customer_id = customer;
    open.mode = append_request::target::open_new;
    open.channel = v1::CHANNEL_WEB;
    open.event.mutable_message()->set_direction(v1::DIRECTION_INBOUND);
    open.event.mutable_message()->set_body("hello");
    open.fields.set_if_created("team", team);
    open.fields.set_if_created("queue", "general");
    auto r = await(repo->append(std::move(open)));
    EXPECT_TRUE(r) << r.error().message();
    for (int i = 0; i < replies; ++i) {
      append_request say;
      say.customer_id = customer;
      say.conversation_id = r->conversation_id;
      say.event.mutable_message()->set_direction(v1::DIRECTION_OUTBOUND);
      say.event.mutable_message()->set_body("reply " + std::to_string(i));
      EXPECT_TRUE(await(repo->append(std::move(say))));
    }
    events_of[r->conversation_id] = 1 + replies;
    return r->conversation_id;
  }

  struct scanned {
    result<report_scan> scan = report_scan{};
    std::vector<std::size_t> batch_sizes;
    std::map<std::string, report_conversation> read;
    int twice = 0;  // conversations handed on more than once
  };
  scanned scan(report_reads& reader, std::int64_t from, std::int64_t to, report_reads::keep_fn keep = {}) {
    scanned out;
    out.scan = await(reader.scan_created(from, to, std::move(keep), [&out](std::vector<report_conversation>&& batch) {
      out.batch_sizes.push_back(batch.size());
      for (auto& c : batch) {
        const std::string id = c.state.id();
        if (!out.read.emplace(id, std::move(c)).second) ++out.twice;
      }
    }));
    return out;
  }

  manual_clock when{T0};
  v1::StoreConfig store_cfg;
  std::unique_ptr<redis_client> client;
  std::unique_ptr<timeline_repository> repo;
  std::map<std::string, int> events_of;
};

TEST_F(ReportReads, EveryConversationOfThePeriodOnceWithAllItsEventsInBatches) {
  // 40 customers over the fixture's 16 groups, most created in the same millisecond (ties in a
  // group's index across batch boundaries), some before and after the period.
  std::set<std::string> inside;
  for (int i = 0; i < 40; ++i) inside.insert(conversation("cu" + std::to_string(i), T0 + (i % 3 == 0 ? 0 : i), "care"));
  for (int i = 0; i < 9; ++i) inside.insert(conversation("same", T0 + 5, "care", 0));  // 9 ties in one group
  conversation("early", T0 - 1, "care");
  conversation("late", T0 + 1000, "care");  // `to` is exclusive
  report_read_limits limits;
  limits.batch = 4;
  report_reads reader(*client, keys, limits);
  const auto got = scan(reader, T0, T0 + 1000);
  ASSERT_TRUE(got.scan) << got.scan.error().message();
  EXPECT_EQ(got.scan->created, 49u);
  EXPECT_EQ(got.scan->kept, 49u);
  EXPECT_EQ(got.twice, 0);
  std::set<std::string> ids;
  for (const auto& [id, c] : got.read) {
    ids.insert(id);
    ASSERT_EQ(static_cast<int>(c.events.size()), events_of[id]) << id;
    for (std::size_t i = 0; i < c.events.size(); ++i) {
      EXPECT_EQ(c.events[i].seq(), static_cast<std::int64_t>(i + 1));
      EXPECT_EQ(c.events[i].conversation_id(), id);
    }
    EXPECT_EQ(c.state.team(), "care");
    EXPECT_EQ(c.state.queue(), "general");
  }
  EXPECT_EQ(ids, inside);
  for (auto n : got.batch_sizes) {
    EXPECT_GE(n, 1u);
    EXPECT_LE(n, 4u);
  }
  EXPECT_GE(got.batch_sizes.size(), 13u);

  limits.window = 1;  // one command in flight at a time: the same
  report_reads one_by_one(*client, keys, limits);
  const auto again = scan(one_by_one, T0, T0 + 1000);
  ASSERT_TRUE(again.scan);
  ASSERT_EQ(again.read.size(), got.read.size());
  for (const auto& [id, c] : again.read) EXPECT_EQ(static_cast<int>(c.events.size()), events_of[id]) << id;
}

TEST_F(ReportReads, TheFilterSeesTheStateAndOnlyKeptConversationsAreHandedOn) {
  for (int i = 0; i < 12; ++i) conversation("cu" + std::to_string(i), T0 + i, i % 2 ? "care" : "sales");
  report_read_limits limits;
  limits.batch = 5;
  report_reads reader(*client, keys, limits);
  const auto got = scan(reader, T0, T0 + 100, [](const v1::Conversation& c) { return c.team() == "care"; });
  ASSERT_TRUE(got.scan);
  EXPECT_EQ(got.scan->created, 12u);
  EXPECT_EQ(got.scan->kept, 6u);
  ASSERT_EQ(got.read.size(), 6u);
  for (const auto& [id, c] : got.read) EXPECT_EQ(c.state.team(), "care");
  for (auto n : got.batch_sizes) EXPECT_GE(n, 1u);  // never an empty batch
}

TEST_F(ReportReads, ALongConversationIsReadAPageAtATime) {
  const auto long_one = conversation("talkative", T0, "care", 11);
  const auto short_one = conversation("brief", T0 + 1, "care", 0);
  report_read_limits limits;
  limits.event_page = 3;
  report_reads reader(*client, keys, limits);
  const auto got = scan(reader, T0, T0 + 10);
  ASSERT_TRUE(got.scan);
  ASSERT_EQ(got.read.at(long_one).events.size(), 12u);
  EXPECT_EQ(got.read.at(long_one).events.back().message().body(), "reply 10");
  EXPECT_EQ(got.read.at(short_one).events.size(), 1u);

  limits.max_event_pages = 2;  // bounded: the rest of a very long conversation is not read
  report_reads capped(*client, keys, limits);
  const auto some = scan(capped, T0, T0 + 10);
  ASSERT_TRUE(some.scan);
  EXPECT_EQ(some.read.at(long_one).events.size(), 6u);
}

TEST_F(ReportReads, TwoConversationsOfOneCustomerAtOnceKeepTheirOwnEvents) {
  // Both open at once: their entries alternate in the customer's timeline.
  const auto a = conversation("both", T0, "care", 0);
  const auto b = conversation("both", T0 + 1, "care", 0);
  for (int i = 0; i < 5; ++i) {
    for (const auto* conv : {&a, &b}) {
      append_request say;
      say.customer_id = "both";
      say.conversation_id = *conv;
      say.event.mutable_message()->set_direction(v1::DIRECTION_OUTBOUND);
      say.event.mutable_message()->set_body(*conv + " " + std::to_string(i));
      ASSERT_TRUE(await(repo->append(std::move(say))));
    }
  }
  for (std::size_t page : {std::size_t{1000}, std::size_t{2}, std::size_t{1}}) {
    report_read_limits limits;
    limits.event_page = page;  // small pages: some hold only the other conversation's entries
    report_reads reader(*client, keys, limits);
    const auto got = scan(reader, T0, T0 + 10);
    ASSERT_TRUE(got.scan);
    for (const auto* conv : {&a, &b}) {
      const auto& events = got.read.at(*conv).events;
      ASSERT_EQ(events.size(), 6u) << "page " << page;
      for (std::size_t i = 0; i < events.size(); ++i) {
        EXPECT_EQ(events[i].conversation_id(), *conv);
        EXPECT_EQ(events[i].seq(), static_cast<std::int64_t>(i + 1));
      }
      EXPECT_EQ(events.back().message().body(), *conv + " 4");
    }
  }
}

TEST_F(ReportReads, MoreConversationsThanAllowedIsBadInputAndReadsNothing) {
  for (int i = 0; i < 6; ++i) conversation("cu" + std::to_string(i), T0 + i, "care", 0);
  report_read_limits limits;
  limits.max_conversations = 5;
  report_reads reader(*client, keys, limits);
  const auto got = scan(reader, T0, T0 + 10);
  ASSERT_FALSE(got.scan);
  EXPECT_EQ(got.scan.error(), errc::bad_input);
  EXPECT_TRUE(got.batch_sizes.empty());
  EXPECT_TRUE(scan(reader, T0, T0 + 5).scan);  // five is allowed
}

TEST_F(ReportReads, AConversationDeletedMeanwhileIsSkipped) {
  const auto kept = conversation("cu1", T0, "care");
  const auto gone = conversation("cu2", T0 + 1, "care");
  raw({"DEL", keys.conversation(gone)});  // its index entry stays
  report_reads reader(*client, keys);
  const auto got = scan(reader, T0, T0 + 10);
  ASSERT_TRUE(got.scan);
  EXPECT_EQ(got.scan->created, 2u);
  EXPECT_EQ(got.scan->kept, 1u);
  EXPECT_EQ(got.read.count(kept), 1u);
}

TEST_F(ReportReads, AnEmptyPeriodReadsNothingAndRedisDownIsRetryable) {
  conversation("cu1", T0, "care");
  report_reads reader(*client, keys);
  const auto none = scan(reader, T0 + 10, T0 + 20);
  ASSERT_TRUE(none.scan);
  EXPECT_EQ(none.scan->created, 0u);
  EXPECT_TRUE(none.batch_sizes.empty());
  server->stop();
  const auto down = scan(reader, T0, T0 + 10);
  ASSERT_FALSE(down.scan);
  EXPECT_TRUE(is_retryable(down.scan.error())) << down.scan.error().message();
  EXPECT_TRUE(down.batch_sizes.empty());
}

}  // namespace
}  // namespace switchboard::store
