#include "store/timeline.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <map>
#include <set>

#include "store/redis_subscriber.hpp"
#include "tests/support/redis_fixture.hpp"

namespace switchboard::store {
namespace {

using switchboard::testing::redis_fixture;

class Timeline : public redis_fixture {
 protected:
  void SetUp() override {
    redis_fixture::SetUp();
    client = connect();
    store_cfg.set_dedupe_ttl_seconds(3600);
    store_cfg.set_reopen_window_seconds(3600);
    repo = std::make_unique<timeline_repository>(*client, keys, ids, clk, store_cfg);
  }
  void TearDown() override {
    repo.reset();
    client.reset();
    redis_fixture::TearDown();
  }

  static append_request customer_says(const std::string& customer, const std::string& text, const std::string& key) {
    append_request r;
    r.customer_id = customer;
    r.mode = append_request::target::current;
    r.channel = v1::CHANNEL_WEB;
    r.idempotency_key = key;
    auto* m = r.event.mutable_message();
    m->set_direction(v1::DIRECTION_INBOUND);
    m->set_channel(v1::CHANNEL_WEB);
    m->set_body(text);
    m->set_client_message_id(key);
    return r;
  }
  static append_request in_conversation(const std::string& customer, const std::string& conv, v1::Event ev) {
    append_request r;
    r.customer_id = customer;
    r.conversation_id = conv;
    r.event = std::move(ev);
    return r;
  }
  static v1::Event agent_says(const std::string& text) {
    v1::Event e;
    e.set_actor("agent-1");
    auto* m = e.mutable_message();
    m->set_direction(v1::DIRECTION_OUTBOUND);
    m->set_body(text);
    return e;
  }
  static v1::Event status(v1::ConversationState s) {
    v1::Event e;
    e.mutable_status_change()->set_to(s);
    return e;
  }

  v1::StoreConfig store_cfg;
  std::unique_ptr<redis_client> client;
  std::unique_ptr<timeline_repository> repo;
};

TEST_F(Timeline, AFirstMessageOpensAQueuedConversationAndAsksForRouting) {
  auto r = await(repo->append(customer_says("cu1", "hello", "m1")));
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_TRUE(r->created);
  EXPECT_FALSE(r->duplicate);
  EXPECT_EQ(r->seq, 1);
  EXPECT_EQ(r->state, v1::QUEUED);
  EXPECT_EQ(keys.group_of_conversation(r->conversation_id), keys.group_of_customer("cu1"));

  auto c = await(repo->conversation(r->conversation_id));
  ASSERT_TRUE(c);
  EXPECT_EQ(c->customer_id(), "cu1");
  EXPECT_EQ(c->state(), v1::QUEUED);
  EXPECT_EQ(c->channel(), v1::CHANNEL_WEB);
  EXPECT_EQ(c->last_seq(), 1);
  EXPECT_GT(c->created_at_ms(), 0);

  auto rq = raw({"XRANGE", keys.routing_requests(keys.group_of_customer("cu1")), "-", "+"});
  ASSERT_EQ(rq.elements.size(), 1u);
  EXPECT_EQ(rq.elements[0].elements[1].elements[1].str, r->conversation_id);
}

TEST_F(Timeline, TheSameIdempotencyKeyReturnsTheFirstResultAndStoresNothing) {
  auto first = await(repo->append(customer_says("cu1", "hello", "m1")));
  ASSERT_TRUE(first);
  const auto before = raw({"XLEN", keys.timeline("cu1")}).integer;
  auto again = await(repo->append(customer_says("cu1", "hello (resent)", "m1")));
  ASSERT_TRUE(again);
  EXPECT_TRUE(again->duplicate);
  EXPECT_EQ(again->conversation_id, first->conversation_id);
  EXPECT_EQ(again->seq, first->seq);
  EXPECT_EQ(again->timeline_id, first->timeline_id);
  EXPECT_EQ(raw({"XLEN", keys.timeline("cu1")}).integer, before);
  EXPECT_EQ(await(repo->conversation(first->conversation_id))->last_seq(), 1);
  // The key is the customer's: another customer may use the same client id.
  auto other = await(repo->append(customer_says("cu2", "hi", "m1")));
  EXPECT_FALSE(other->duplicate);
}

TEST_F(Timeline, EventsGetConsecutiveSequenceNumbersAndDriveTheState) {
  auto open = await(repo->append(customer_says("cu1", "my order is late", "m1")));
  const auto conv = open->conversation_id;

  v1::Event offer;
  offer.mutable_offer()->set_agent_id("agent-1");
  auto o = await(repo->append(in_conversation("cu1", conv, offer)));
  EXPECT_EQ(o->seq, 2);
  EXPECT_EQ(o->state, v1::OFFERED);

  v1::Event accept;
  accept.mutable_offer_outcome()->set_agent_id("agent-1");
  accept.mutable_offer_outcome()->set_outcome(v1::OfferOutcome::ACCEPTED);
  auto a = await(repo->append(in_conversation("cu1", conv, accept)));
  EXPECT_EQ(a->state, v1::ASSIGNED);

  auto reply1 = await(repo->append(in_conversation("cu1", conv, agent_says("sorry, checking"))));
  auto reply2 = await(repo->append(in_conversation("cu1", conv, agent_says("it ships today"))));
  EXPECT_EQ(reply2->seq, 5);

  auto c = await(repo->conversation(conv));
  EXPECT_EQ(c->owner_id(), "agent-1");
  EXPECT_EQ(c->last_seq(), 5);
  EXPECT_GT(c->first_offered_at_ms(), 0);
  EXPECT_GT(c->first_response_at_ms(), 0);
  EXPECT_LE(c->first_response_at_ms(), c->updated_at_ms());

  auto after2 = await(repo->read_conversation(conv, 2, 100));
  ASSERT_TRUE(after2);
  ASSERT_EQ(after2->size(), 3u);
  EXPECT_EQ((*after2)[0].seq(), 3);
  EXPECT_EQ((*after2)[2].message().body(), "it ships today");
  EXPECT_EQ((*after2)[2].conversation_id(), conv);
  EXPECT_EQ(await(repo->read_conversation(conv, 5, 100))->size(), 0u);
  EXPECT_EQ(await(repo->read_conversation(conv, 0, 2))->size(), 2u);
  (void)reply1;
}

TEST_F(Timeline, AResolvedConversationReopensOnTheNextCustomerMessage) {
  auto open = await(repo->append(customer_says("cu1", "hi", "m1")));
  const auto conv = open->conversation_id;
  auto res = await(repo->append(in_conversation("cu1", conv, status(v1::RESOLVED))));
  EXPECT_EQ(res->state, v1::RESOLVED);
  EXPECT_GT(await(repo->conversation(conv))->resolved_at_ms(), 0);

  auto back = await(repo->append(customer_says("cu1", "one more thing", "m2")));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->conversation_id, conv);
  EXPECT_FALSE(back->created);
  EXPECT_EQ(back->state, v1::QUEUED);
  EXPECT_EQ(await(repo->conversation(conv))->reopen_count(), 1);
  // The router heard of each change: queued, released (resolved), queued again (reopened).
  auto rq = raw({"XRANGE", keys.routing_requests(keys.group_of_customer("cu1")), "-", "+"});
  ASSERT_EQ(rq.elements.size(), 3u);
  std::vector<std::string> notes;
  for (const auto& e : rq.elements) notes.push_back(e.elements[1].elements[7].str + ":" + e.elements[1].elements[9].str);
  EXPECT_EQ(notes, (std::vector<std::string>{"queued:queued", "released:resolved", "queued:queued"}));
}

TEST_F(Timeline, TheRouterHearsWhenTheCustomersWaitForAReplyBeginsAndEnds) {
  auto open = await(repo->append(customer_says("cu1", "hi", "m1")));
  const auto conv = open->conversation_id;
  v1::Event assign;
  assign.mutable_assignment()->set_owner_id("agent-1");
  await(repo->append(in_conversation("cu1", conv, assign)));
  const auto waiting_since = await(repo->conversation(conv))->created_at_ms();
  EXPECT_EQ(raw({"HGET", keys.conversation(conv), "awaiting_reply_since_ms"}).str, std::to_string(waiting_since));
  await(repo->append(customer_says("cu1", "hello?", "m2")));           // still the same wait: no note
  await(repo->append(in_conversation("cu1", conv, agent_says("hi!"))));  // the wait ends: 'turn'
  await(repo->append(in_conversation("cu1", conv, agent_says("how can I help?"))));  // nothing to end
  EXPECT_TRUE(raw({"HGET", keys.conversation(conv), "awaiting_reply_since_ms"}).is_nil());
  await(repo->append(customer_says("cu1", "my order", "m3")));  // a new wait: 'turn'
  await(repo->append(in_conversation("cu1", conv, status(v1::RESOLVED))));  // released, wait cleared
  EXPECT_TRUE(raw({"HGET", keys.conversation(conv), "awaiting_reply_since_ms"}).is_nil());

  auto rq = raw({"XRANGE", keys.routing_requests(keys.group_of_customer("cu1")), "-", "+"});
  std::vector<std::string> notes;
  for (const auto& e : rq.elements) {
    std::map<std::string, std::string> f;
    for (std::size_t i = 0; i + 1 < e.elements[1].elements.size(); i += 2) {
      f[e.elements[1].elements[i].str] = e.elements[1].elements[i + 1].str;
    }
    notes.push_back(f["k"] + ":" + f["st"] + ":" + (f["aw"].empty() ? "-" : "since"));
  }
  EXPECT_EQ(notes, (std::vector<std::string>{"queued:queued:since", "assigned:assigned:since", "turn:assigned:-",
                                             "turn:assigned:since", "released:resolved:-"}));
}

TEST_F(Timeline, OutsideTheReopenWindowANewConversationOpens) {
  store_cfg.set_reopen_window_seconds(0);
  timeline_repository strict(*client, keys, ids, clk, store_cfg);
  auto open = await(strict.append(customer_says("cu1", "hi", "m1")));
  await(strict.append(in_conversation("cu1", open->conversation_id, status(v1::RESOLVED))));
  raw({"HSET", keys.conversation(open->conversation_id), "resolved_at_ms", "1"});  // long ago
  auto next = await(strict.append(customer_says("cu1", "new question", "m2")));
  EXPECT_TRUE(next->created);
  EXPECT_NE(next->conversation_id, open->conversation_id);
}

// Issue 10.4: resolve records who held it last, so a returning customer waits for that agent
// (policy.preferred_agent_wait_seconds) in a reopened conversation and in a new one.
TEST_F(Timeline, AReturningCustomersRoutingNoteNamesTheirLastAgent) {
  store_cfg.set_reopen_window_seconds(60);
  timeline_repository repo60(*client, keys, ids, clk, store_cfg);
  auto open = await(repo60.append(customer_says("cu1", "hi", "m1")));
  const auto conv = open->conversation_id;
  v1::Event assign;
  assign.mutable_assignment()->set_owner_id("ann");
  await(repo60.append(in_conversation("cu1", conv, assign)));
  await(repo60.append(in_conversation("cu1", conv, status(v1::RESOLVED))));
  auto reopened = await(repo60.append(customer_says("cu1", "one more thing", "m2")));
  ASSERT_EQ(reopened->conversation_id, conv);
  await(repo60.append(in_conversation("cu1", conv, status(v1::RESOLVED))));
  raw({"HSET", keys.conversation(conv), "resolved_at_ms", "1"});  // long ago: a new one opens
  auto fresh = await(repo60.append(customer_says("cu1", "a new question", "m3")));
  ASSERT_TRUE(fresh->created);

  auto rq = raw({"XRANGE", keys.routing_requests(keys.group_of_customer("cu1")), "-", "+"});
  std::vector<std::string> queued;  // the last owner each 'queued' note names
  for (const auto& e : rq.elements) {
    std::map<std::string, std::string> f;
    for (std::size_t i = 0; i + 1 < e.elements[1].elements.size(); i += 2) {
      f[e.elements[1].elements[i].str] = e.elements[1].elements[i + 1].str;
    }
    if (f["k"] == "queued") queued.push_back(f["c"] + ":" + (f["lo"].empty() ? "-" : f["lo"]));
  }
  EXPECT_EQ(queued, (std::vector<std::string>{conv + ":-", conv + ":ann", fresh->conversation_id + ":ann"}));
}

TEST_F(Timeline, RefusesOtherCustomersConversationsAndBadInputWithoutWriting) {
  auto open = await(repo->append(customer_says("cu1", "hi", "m1")));
  const auto size = raw({"DBSIZE"}).integer;
  // Same group or not, a conversation of cu1 is "not found" for cu2.
  auto foreign = await(repo->append(in_conversation("cu2", open->conversation_id, agent_says("x"))));
  EXPECT_EQ(foreign.error(), errc::not_found);
  auto missing = await(repo->append(in_conversation("cu1", "01JDZ5C3W4Q8N6R2T7V9X0Y1AB-3", agent_says("x"))));
  EXPECT_EQ(missing.error(), errc::not_found);
  auto malformed = await(repo->append(in_conversation("cu1", "garbage", agent_says("x"))));
  EXPECT_EQ(malformed.error(), errc::not_found);
  append_request empty;
  empty.customer_id = "cu1";
  EXPECT_EQ(await(repo->append(empty)).error(), errc::bad_input);
  // An agent message cannot open a conversation.
  append_request staff_opens;
  staff_opens.customer_id = "cu1";
  staff_opens.mode = append_request::target::open_new;
  staff_opens.event = agent_says("hello?");
  EXPECT_EQ(await(repo->append(staff_opens)).error(), errc::bad_input);
  EXPECT_EQ(raw({"DBSIZE"}).integer, size);
  EXPECT_EQ(await(repo->conversation(open->conversation_id))->last_seq(), 1);
  EXPECT_EQ(await(repo->read_conversation("01JDZ5C3W4Q8N6R2T7V9X0Y1AB-3", 0, 10)).error(), errc::not_found);
  EXPECT_EQ(await(repo->conversation("01JDZ5C3W4Q8N6R2T7V9X0Y1AB-3")).error(), errc::not_found);
}

TEST_F(Timeline, TheWholeTimelineReadsInOrderAcrossConversationsInPages) {
  auto c1 = await(repo->append(customer_says("cu1", "first", "m1")));
  await(repo->append(in_conversation("cu1", c1->conversation_id, status(v1::RESOLVED))));
  append_request email = customer_says("cu1", "by email", "m3");
  email.mode = append_request::target::open_new;
  email.channel = v1::CHANNEL_EMAIL;
  auto c2 = await(repo->append(email));
  ASSERT_TRUE(c2);
  EXPECT_NE(c2->conversation_id, c1->conversation_id);
  for (int i = 0; i < 7; ++i) {
    await(repo->append(in_conversation("cu1", c2->conversation_id, agent_says("r" + std::to_string(i)))));
  }
  std::vector<v1::Event> all;
  std::string after;
  for (int page = 0; page < 10; ++page) {
    auto p = await(repo->read_timeline("cu1", after, 4));
    ASSERT_TRUE(p);
    all.insert(all.end(), p->events.begin(), p->events.end());
    if (p->next_after.empty()) break;
    after = p->next_after;
  }
  ASSERT_EQ(all.size(), 10u);
  EXPECT_EQ(all[0].message().body(), "first");
  EXPECT_EQ(all[0].conversation_id(), c1->conversation_id);
  EXPECT_EQ(all[2].message().body(), "by email");
  EXPECT_EQ(all[2].seq(), 1);
  EXPECT_EQ(all[9].message().body(), "r6");
  EXPECT_EQ(all[9].seq(), 8);
  for (const auto& e : all) EXPECT_FALSE(e.event_id().empty());
  EXPECT_EQ(await(repo->conversation(c2->conversation_id))->channel(), v1::CHANNEL_EMAIL);
}

TEST_F(Timeline, EveryAppendIsPublishedOnTheConversationChannel) {
  auto open = await(repo->append(customer_says("cu1", "hi", "m1")));
  redis_subscriber sub(ioc.get_executor(), options(), clk);
  std::vector<std::string> got;
  sub.subscribe(keys.conversation_channel(open->conversation_id),
                [&](std::string_view, std::string_view p) { got.emplace_back(p); });
  sub.start();
  ASSERT_TRUE(run_until([&] { return sub.ready(); }));
  auto r = await(repo->append(in_conversation("cu1", open->conversation_id, agent_says("hello from us"))));
  ASSERT_TRUE(run_until([&] { return got.size() == 1; }));
  // "<seq>\n<timeline id>\n<event bytes>"
  const auto& p = got[0];
  EXPECT_EQ(p.substr(0, 2), "2\n");
  EXPECT_EQ(p.substr(2, r->timeline_id.size()), r->timeline_id);
  v1::Event ev;
  ASSERT_TRUE(ev.ParseFromString(p.substr(3 + r->timeline_id.size())));
  EXPECT_EQ(ev.message().body(), "hello from us");
  sub.stop();
}

TEST_F(Timeline, ConcurrentAppendsToOneConversationGetGapFreeSequenceNumbers) {
  auto open = await(repo->append(customer_says("cu1", "hi", "m0")));
  constexpr int n = 300;
  std::vector<std::int64_t> seqs;
  for (int i = 0; i < n; ++i) {
    auto req = in_conversation("cu1", open->conversation_id, agent_says("msg " + std::to_string(i)));
    req.idempotency_key = "k" + std::to_string(i);
    boost::asio::co_spawn(ioc, repo->append(std::move(req)), [&](std::exception_ptr, result<append_result> r) {
      ASSERT_TRUE(r) << r.error().message();
      seqs.push_back(r->seq);
    });
  }
  ASSERT_TRUE(run_until([&] { return seqs.size() == n; }));
  std::sort(seqs.begin(), seqs.end());
  for (int i = 0; i < n; ++i) ASSERT_EQ(seqs[static_cast<std::size_t>(i)], i + 2);
  auto events = await(repo->read_conversation(open->conversation_id, 0, 1000));
  ASSERT_EQ(events->size(), static_cast<std::size_t>(n + 1));
  for (std::size_t i = 0; i < events->size(); ++i) EXPECT_EQ((*events)[i].seq(), static_cast<std::int64_t>(i + 1));
}

}  // namespace
}  // namespace switchboard::store

namespace switchboard::store {
namespace {

class TimelineGuards : public Timeline {};

// A guarded write (accept an offer, reply as the owner) is refused when the conversation is not as
// the writer believes, and then nothing at all is written.
TEST_F(TimelineGuards, AGuardThatDoesNotHoldWritesNothing) {
  auto open = await(repo->append(customer_says("cu1", "hi", "m1")));
  const auto conv = open->conversation_id;
  v1::Event offer;
  offer.set_actor("router");
  offer.mutable_offer()->set_agent_id("ann");
  auto o = in_conversation("cu1", conv, offer);
  o.guard.require("state", "queued");
  o.fields.set("offer_agent", "ann");
  ASSERT_TRUE(await(repo->append(o)));

  const auto before = raw({"XLEN", keys.timeline("cu1")}).integer;
  v1::Event accept;
  accept.mutable_offer_outcome()->set_agent_id("bob");
  accept.mutable_offer_outcome()->set_outcome(v1::OfferOutcome::ACCEPTED);
  auto wrong_agent = in_conversation("cu1", conv, accept);
  wrong_agent.guard.require("state", "offered").require("offer_agent", "bob");
  wrong_agent.idempotency_key = "accept-bob";
  auto r = await(repo->append(wrong_agent));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), errc::wrong_state);
  EXPECT_EQ(raw({"XLEN", keys.timeline("cu1")}).integer, before);
  EXPECT_EQ(raw({"EXISTS", keys.dedupe("cu1", "accept-bob")}).integer, 0);
  EXPECT_EQ(await(repo->conversation(conv))->state(), v1::OFFERED);

  accept.mutable_offer_outcome()->set_agent_id("ann");
  auto right = in_conversation("cu1", conv, accept);
  right.guard.require("state", {"offered", "queued"}).require("offer_agent", "ann");
  auto ok = await(repo->append(right));
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->state, v1::ASSIGNED);
  EXPECT_EQ(await(repo->conversation(conv))->owner_id(), "ann");
}

// A resend of a stored append gets the first result even when its guard no longer holds (the
// agent's reply went through, the answer was lost, the conversation has moved on since): the
// client is told it is stored, not that it may not write.
TEST_F(TimelineGuards, AResendIsADuplicateEvenWhenItsGuardNoLongerHolds) {
  auto open = await(repo->append(customer_says("cu1", "hi", "m1")));
  const auto conv = open->conversation_id;
  v1::Event reply;
  reply.set_actor("ann");
  reply.mutable_message()->set_direction(v1::DIRECTION_OUTBOUND);
  reply.mutable_message()->set_body("hello");
  auto r = in_conversation("cu1", conv, reply);
  r.guard.require("state", "queued");  // as an owner check would be
  r.idempotency_key = "ann-1";
  auto first = await(repo->append(r));
  ASSERT_TRUE(first);
  ASSERT_TRUE(await(repo->append(in_conversation("cu1", conv, status(v1::RESOLVED)))));

  const auto before = raw({"XLEN", keys.timeline("cu1")}).integer;
  auto again = await(repo->append(r));
  ASSERT_TRUE(again);
  EXPECT_TRUE(again->duplicate);
  EXPECT_EQ(again->seq, first->seq);
  EXPECT_EQ(again->timeline_id, first->timeline_id);
  EXPECT_EQ(again->state, first->state);
  EXPECT_EQ(raw({"XLEN", keys.timeline("cu1")}).integer, before);
  // A new reply under the same guard is refused.
  r.idempotency_key = "ann-2";
  auto fresh = await(repo->append(r));
  ASSERT_FALSE(fresh);
  EXPECT_EQ(fresh.error(), errc::wrong_state);
}

// The group's index of unresolved conversations (what a new router rebuilds from) follows every
// state change; resolving removes the conversation from it.
TEST_F(TimelineGuards, TheActiveIndexFollowsTheState) {
  auto open = await(repo->append(customer_says("cu1", "hi", "m1")));
  const auto conv = open->conversation_id;
  const auto act = keys.active(keys.group_of_customer("cu1"));
  EXPECT_EQ(raw({"HGET", act, conv}).str, "queued");
  await(repo->append(in_conversation("cu1", conv, status(v1::RESOLVED))));
  EXPECT_TRUE(raw({"HGET", act, conv}).is_nil());
}

// Router writes carry no note for the router (it knows what it wrote).
TEST_F(TimelineGuards, RouterWritesAddNoRoutingRequest) {
  auto open = await(repo->append(customer_says("cu1", "hi", "m1")));
  v1::Event to_queue;
  to_queue.mutable_status_change()->set_to(v1::RESOLVED);
  auto w = in_conversation("cu1", open->conversation_id, to_queue);
  w.fencing_token = 7;
  ASSERT_TRUE(await(repo->append(w)));
  EXPECT_EQ(raw({"XLEN", keys.routing_requests(keys.group_of_customer("cu1"))}).integer, 1);
}

// GET /v1/customers/{id}/timeline for non-admins (issue 10.14): the customer's readers are the teams
// of their conversations and every agent or lead who owned one at some point, kept by the append
// script in a set on the customer's slot and checked with one command.
TEST_F(Timeline, TheCustomersReadersAreTheTeamsOfTheirConversationsAndWhoeverOwnedOne) {
  auto open = customer_says("cu1", "my parcel is lost", "m1");
  open.fields.set_if_created("team", "care");
  auto r = await(repo->append(open));
  ASSERT_TRUE(r) << r.error().message();
  const std::string conv = r->conversation_id;
  auto may = [&](const std::string& staff, std::vector<std::string> teams) {
    auto m = await(repo->may_read_customer("cu1", staff, std::move(teams)));
    EXPECT_TRUE(m) << m.error().message();
    return m && *m;
  };
  // Queued: its team's, nobody else's.
  EXPECT_TRUE(may("lea", {"care"}));
  EXPECT_TRUE(may("lea", {"tech", "care"}));
  EXPECT_FALSE(may("tom", {"tech"}));
  EXPECT_FALSE(may("ann", {}));
  EXPECT_FALSE(may("", {}));
  // Owned by ann (accepted or assigned), then taken over by a lead.
  v1::Event assign;
  assign.mutable_assignment()->set_owner_id("ann");
  ASSERT_TRUE(await(repo->append(in_conversation("cu1", conv, assign))));
  EXPECT_TRUE(may("ann", {}));
  v1::Event takeover;
  takeover.mutable_takeover()->set_lead_id("lea");
  ASSERT_TRUE(await(repo->append(in_conversation("cu1", conv, takeover))));
  EXPECT_TRUE(may("lea", {}));
  // Transferred away (owner cleared) and resolved: who held it still may.
  v1::Event transfer;
  transfer.mutable_transfer()->set_from_id("lea");
  ASSERT_TRUE(await(repo->append(in_conversation("cu1", conv, transfer))));
  ASSERT_TRUE(await(repo->append(in_conversation("cu1", conv, status(v1::RESOLVED)))));
  EXPECT_TRUE(may("ann", {}));
  EXPECT_TRUE(may("lea", {}));
  // A refused append (its guard does not hold) grants nothing.
  v1::Event grab;
  grab.mutable_assignment()->set_owner_id("eve");
  auto refused = in_conversation("cu1", conv, grab);
  refused.guard.require("owner_id", "eve");
  EXPECT_EQ(await(repo->append(std::move(refused))).error(), errc::wrong_state);
  EXPECT_FALSE(may("eve", {}));
  // A customer nobody knows: nobody's.
  auto unknown = await(repo->may_read_customer("cu-nobody", "ann", {"care"}));
  ASSERT_TRUE(unknown);
  EXPECT_FALSE(*unknown);
  // The set, on the customer's slot (the customer's hash tag), as docs/STORE.md describes it.
  auto members = raw({"SMEMBERS", keys.customer_readers("cu1")});
  std::set<std::string> got;
  for (const auto& m : members.elements) got.insert(m.str);
  EXPECT_EQ(got, (std::set<std::string>{"t:care", "a:ann", "a:lea"}));
  EXPECT_EQ(keys.customer_readers("cu1").substr(0, keys.customer("cu1").size()), keys.customer("cu1"));
  EXPECT_TRUE(*await(repo->customer_exists("cu1")));
  EXPECT_FALSE(*await(repo->customer_exists("cu-nobody")));
}

}  // namespace
}  // namespace switchboard::store
