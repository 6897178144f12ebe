// The router's pure core with plain inputs: notes decoded from flat field lists as the store
// writes them, the reconciler's actions for each, a new leader's rebuild, grace periods and
// customers who leave. No sockets, no Redis.
#include "router/reconciler.hpp"

#include <gtest/gtest.h>

#include "router/board.hpp"
#include "store/routing_notes.hpp"

namespace switchboard::router {
namespace {

constexpr time_ms kT0 = 1'800'000'000'000;

store::reply flat(std::vector<std::pair<std::string, std::string>> kv) {
  store::reply r;
  r.type = store::reply::kind::array;
  for (auto& [k, v] : kv) {
    store::reply a, b;
    a.type = b.type = store::reply::kind::string;
    a.str = k;
    b.str = v;
    r.elements.push_back(a);
    r.elements.push_back(b);
  }
  return r;
}

v1::Queue care() {
  v1::Queue q;
  q.set_name("care");
  q.set_team("care");
  q.mutable_policy()->set_strategy(v1::LONGEST_IDLE);
  return q;  // every other policy value: the schema's default
}

v1::Agent agent(const std::string& id) {
  v1::Agent a;
  a.set_id(id);
  a.add_teams("care");
  a.set_status(v1::AVAILABLE);
  auto* c = a.add_capacity();
  c->set_channel(v1::CHANNEL_WEB);
  c->set_max_concurrent(2);
  return a;
}

v1::RoutingNote note(const std::string& id, v1::RoutingNote::Kind k, v1::ConversationState st, std::int64_t seq,
                     time_ms at) {
  v1::RoutingNote n;
  n.set_conversation_id(id);
  n.set_customer_id("cu-" + id);
  n.set_kind(k);
  n.set_state(st);
  n.set_seq(seq);
  n.set_queue("care");
  n.set_channel(v1::CHANNEL_WEB);
  n.set_created_at_ms(kT0);
  n.set_at_ms(at);
  return n;
}

std::vector<v1::Decision> decided(const actions& todo) {
  std::vector<v1::Decision> out;
  for (const auto& a : todo) {
    if (a.what == action::kind::decide) out.insert(out.end(), a.ds.begin(), a.ds.end());
  }
  return out;
}

const action* find(const actions& todo, action::kind k) {
  for (const auto& a : todo) {
    if (a.what == k) return &a;
  }
  return nullptr;
}

reconciler_settings settings() {
  reconciler_settings s;
  s.queues.push_back(care());
  s.agent_grace_ms = 60'000;
  return s;
}

TEST(RoutingNotes, AStreamEntryAndASnapshotRowDecodeTheSameWay) {
  auto n = store::decode_routing_note(flat({{"c", "cv1"}, {"cu", "cu1"}, {"at", "1700"}, {"k", "declined"},
                                            {"st", "queued"}, {"sq", "7"}, {"q", "care"}, {"ch", "email"},
                                            {"p", "3"}, {"sk", "billing:3,spanish:9,:2,bad"}, {"ex", "ann,,bob"},
                                            {"oa", "ann"}, {"oe", "2500"}, {"gn", "12x"}, {"zz", "ignored"}}));
  EXPECT_EQ(n.conversation_id(), "cv1");
  EXPECT_EQ(n.kind(), v1::RoutingNote::DECLINED);
  EXPECT_EQ(n.state(), v1::QUEUED);
  EXPECT_EQ(n.seq(), 7);
  EXPECT_EQ(n.channel(), v1::CHANNEL_EMAIL);
  ASSERT_EQ(n.required_skills_size(), 2);
  EXPECT_EQ(n.required_skills(1).proficiency(), 5);  // clamped to 1..5
  EXPECT_EQ(std::vector<std::string>(n.excluded().begin(), n.excluded().end()), (std::vector<std::string>{"ann", "bob"}));
  EXPECT_EQ(n.offer_expires_at_ms(), 2500);
  EXPECT_EQ(n.customer_gone_at_ms(), 12);  // leading digits
  auto s = store::decode_routing_note(flat({{"c", "cv1"}, {"k", "snapshot"}, {"st", "offered"}, {"ch", "pigeon"}}));
  EXPECT_EQ(s.kind(), v1::RoutingNote::SNAPSHOT);
  EXPECT_EQ(s.channel(), v1::CHANNEL_UNSPECIFIED);  // never silently web
  EXPECT_EQ(store::decode_routing_note(flat({{"k", "new-kind"}})).kind(), v1::RoutingNote::KIND_UNSPECIFIED);
}

TEST(Reconciler, AQueuedNoteIsOfferedAndAStaleOneChangesNothing) {
  reconciler r(settings());
  r.on_agent(agent("ann"), 1, false, kT0);
  auto todo = r.on_note(note("cv1", v1::RoutingNote::QUEUED, v1::QUEUED, 1, kT0), kT0 + 10);
  auto ds = decided(todo);
  ASSERT_EQ(ds.size(), 1u);
  EXPECT_EQ(ds[0].kind(), v1::Decision::OFFER);
  EXPECT_EQ(ds[0].agent_id(), "ann");
  EXPECT_EQ(ds[0].offer_expires_at_ms(), kT0 + 10 + 30'000);  // the schema's default offer timeout
  r.offered("cv1", "ann");
  EXPECT_TRUE(r.on_note(note("cv1", v1::RoutingNote::QUEUED, v1::QUEUED, 1, kT0), kT0 + 20).empty());
}

TEST(Reconciler, AnAcceptIsCountedOnceAndIndexedForTheAgent) {
  reconciler r(settings());
  r.on_agent(agent("ann"), 1, false, kT0);
  r.on_note(note("cv1", v1::RoutingNote::QUEUED, v1::QUEUED, 1, kT0), kT0);
  r.offered("cv1", "ann");
  auto accepted = note("cv1", v1::RoutingNote::ACCEPTED, v1::ASSIGNED, 3, kT0 + 5'000);
  accepted.set_owner_id("ann");
  auto todo = r.on_note(accepted, kT0 + 5'000);
  const auto* count = find(todo, action::kind::count_answered);
  ASSERT_NE(count, nullptr);
  EXPECT_TRUE(count->in_time);  // 5 s against the default 60 s
  const auto* index = find(todo, action::kind::index);
  ASSERT_NE(index, nullptr);
  EXPECT_EQ(index->agent, "ann");
  EXPECT_EQ(index->entry.state(), v1::ASSIGNED);
  EXPECT_EQ(r.routing().conversation_state("cv1"), "assigned");
  accepted.set_seq(4);
  EXPECT_EQ(find(r.on_note(accepted, kT0 + 6'000), action::kind::count_answered), nullptr);
}

TEST(Reconciler, AResolveFreesTheAgentForTheNextConversation) {
  reconciler r(settings());
  auto one = agent("ann");
  one.mutable_capacity(0)->set_max_concurrent(1);
  r.on_agent(one, 1, false, kT0);
  r.on_note(note("cv1", v1::RoutingNote::QUEUED, v1::QUEUED, 1, kT0), kT0);
  auto held = note("cv1", v1::RoutingNote::ACCEPTED, v1::ASSIGNED, 3, kT0 + 1);
  held.set_owner_id("ann");
  r.on_note(held, kT0 + 1);
  EXPECT_TRUE(decided(r.on_note(note("cv2", v1::RoutingNote::QUEUED, v1::QUEUED, 1, kT0 + 2), kT0 + 2)).empty());
  auto todo = r.on_note(note("cv1", v1::RoutingNote::RELEASED, v1::RESOLVED, 9, kT0 + 3), kT0 + 3);
  const auto* un = find(todo, action::kind::unindex);
  ASSERT_NE(un, nullptr);
  EXPECT_EQ(un->conversation, "cv1");
  auto ds = decided(todo);
  ASSERT_EQ(ds.size(), 1u);
  EXPECT_EQ(ds[0].conversation_id(), "cv2");
  EXPECT_EQ(r.find("cv1"), nullptr);
}

TEST(Reconciler, ADeclineRequeuesWithoutTheAgentWhoDeclined) {
  reconciler r(settings());
  r.on_agent(agent("ann"), 1, false, kT0);
  r.on_note(note("cv1", v1::RoutingNote::QUEUED, v1::QUEUED, 1, kT0), kT0);
  r.offered("cv1", "ann");
  auto declined = note("cv1", v1::RoutingNote::DECLINED, v1::QUEUED, 3, kT0 + 1);
  declined.set_offer_agent("ann");
  auto ds = decided(r.on_note(declined, kT0 + 1));
  ASSERT_EQ(ds.size(), 1u);
  EXPECT_EQ(ds[0].kind(), v1::Decision::REQUEUE);
  EXPECT_EQ(r.routing().conversation_state("cv1"), "waiting");
}

TEST(Reconciler, ANewLeaderRestoresOffersAndHeldConversationsAndIndexesThem) {
  reconciler r(settings());
  auto offered = note("cv1", v1::RoutingNote::SNAPSHOT, v1::OFFERED, 2, 0);
  offered.set_offer_agent("ann");
  offered.set_offer_expires_at_ms(kT0 + 9'000);
  auto held = note("cv2", v1::RoutingNote::SNAPSHOT, v1::WAITING_CUSTOMER, 5, 0);
  held.set_owner_id("bob");
  auto waiting = note("cv3", v1::RoutingNote::SNAPSHOT, v1::QUEUED, 1, 0);
  auto todo = r.take_over({waiting, held, offered}, {{agent("ann"), 1}, {agent("bob"), 0}}, kT0);
  ASSERT_GE(todo.size(), 3u);
  EXPECT_EQ(todo[0].what, action::kind::index);
  EXPECT_EQ(todo[0].conversation, "cv1");
  EXPECT_EQ(todo[0].entry.state(), v1::OFFERED);
  EXPECT_EQ(todo[1].conversation, "cv2");
  EXPECT_EQ(r.routing().conversation_state("cv1"), "offered");
  EXPECT_EQ(r.routing().conversation_state("cv2"), "assigned");
  // ann has room for one more: the waiting one is offered to her; bob has no desk.
  auto ds = decided(todo);
  ASSERT_EQ(ds.size(), 1u);
  EXPECT_EQ(ds[0].conversation_id(), "cv3");
  EXPECT_EQ(ds[0].agent_id(), "ann");
  // The engine's own timer for the restored offer is the stored instant.
  auto later = decided(r.advance(kT0 + 9'000));
  ASSERT_FALSE(later.empty());
  EXPECT_EQ(later[0].kind(), v1::Decision::REQUEUE);
  EXPECT_EQ(later[0].conversation_id(), "cv1");
}

TEST(Reconciler, AnAgentWhoDoesNotComeBackHasTheirConversationsRequeued) {
  reconciler r(settings());
  r.on_agent(agent("ann"), 1, false, kT0);
  r.on_note(note("cv1", v1::RoutingNote::QUEUED, v1::QUEUED, 1, kT0), kT0);
  auto held = note("cv1", v1::RoutingNote::ACCEPTED, v1::ASSIGNED, 3, kT0 + 1);
  held.set_owner_id("ann");
  r.on_note(held, kT0 + 1);
  r.on_agent(agent("ann"), 0, true, kT0 + 2);
  EXPECT_FALSE(r.next_grace_over(kT0 + 60'001));
  auto over = r.next_grace_over(kT0 + 60'002);
  ASSERT_TRUE(over);
  EXPECT_EQ(over->first, "ann");
  EXPECT_EQ(over->second, (std::vector<std::string>{"cv1"}));
  auto todo = r.requeued_after_grace("cv1", "ann", kT0 + 60'002);
  EXPECT_EQ(todo.front().what, action::kind::unindex);
  EXPECT_EQ(r.routing().conversation_state("cv1"), "waiting");
  EXPECT_FALSE(r.next_grace_over(kT0 + 120'000));
}

TEST(Reconciler, ACustomerWhoLeftIsAbandonedAfterTheQueuesWait) {
  reconciler r(settings());
  auto queued = note("cv1", v1::RoutingNote::QUEUED, v1::QUEUED, 1, kT0);
  r.on_note(queued, kT0);
  auto left = note("cv1", v1::RoutingNote::TURN, v1::QUEUED, 2, kT0 + 1'000);
  left.set_customer_gone_at_ms(kT0 + 1'000);
  r.on_note(left, kT0 + 1'000);
  EXPECT_TRUE(r.customers_due(kT0 + 60'999).empty());
  auto due = r.customers_due(kT0 + 61'000);  // the default abandon_after_seconds: 60
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].what, reconciler::customer_due::abandon);
  auto todo = r.ended("cv1", kT0 + 61'000);
  EXPECT_NE(find(todo, action::kind::count_abandoned), nullptr);
}

TEST(Reconciler, AConversationOfAnUnknownQueueOrChannelIsNotRoutedAndSaysWhy) {
  reconciler r(settings());
  r.on_agent(agent("ann"), 1, false, kT0);
  auto n = note("cv1", v1::RoutingNote::QUEUED, v1::QUEUED, 1, kT0);
  n.set_queue("nowhere");
  auto todo = r.on_note(n, kT0);
  EXPECT_NE(find(todo, action::kind::warn), nullptr);
  EXPECT_TRUE(decided(todo).empty());
  auto m = note("cv2", v1::RoutingNote::QUEUED, v1::QUEUED, 1, kT0);
  m.set_channel(v1::CHANNEL_UNSPECIFIED);
  todo = r.on_note(m, kT0);
  EXPECT_NE(find(todo, action::kind::warn), nullptr);
  EXPECT_TRUE(decided(todo).empty());
}

TEST(Reconciler, AnAgentWhoseLastDeskClosedIsOfflineOnTheBoardSinceThen) {
  // Found in the console: "Offline · 10 s" 2 s after the desk closed, counted from the status the
  // agent set (AVAILABLE, 8 s before) rather than from the close.
  reconciler r(settings());
  auto ann = agent("ann");
  ann.set_status_since_ms(kT0);
  r.on_agent(ann, 1, false, kT0);
  r.on_agent(ann, 0, true, kT0 + 8'000);
  auto boards = compute_boards(r, {}, kT0 + 10'000);
  ASSERT_EQ(boards["care"].agents_size(), 1);
  EXPECT_EQ(boards["care"].agents(0).status(), v1::OFFLINE);
  EXPECT_EQ(boards["care"].agents(0).status_seconds(), 2);
  // Back: the status they set, since they set it (their profile's time).
  r.on_agent(ann, 1, false, kT0 + 12'000);
  boards = compute_boards(r, {}, kT0 + 13'000);
  EXPECT_EQ(boards["care"].agents(0).status(), v1::AVAILABLE);
  EXPECT_EQ(boards["care"].agents(0).status_seconds(), 13);
}

TEST(Reconciler, TheBoardCountsAvailableOnlyTheAgentsWhoCouldBeOfferedTheQueue) {
  // Found in the console: a lead without the queue's skill counted as available for it.
  auto s = settings();
  auto* need = s.queues[0].add_required_skills();
  need->set_name("support");
  need->set_proficiency(2);
  reconciler r(s);
  auto ann = agent("ann");
  auto* skill = ann.add_skills();
  skill->set_name("support");
  skill->set_proficiency(3);
  r.on_agent(ann, 1, false, kT0);
  r.on_agent(agent("lea"), 1, false, kT0);  // in the team, without the skill
  auto boards = compute_boards(r, {}, kT0 + 1'000);
  ASSERT_EQ(boards["care"].queues_size(), 1);
  EXPECT_EQ(boards["care"].queues(0).agents_available(), 1);
}

// ---- a waiting customer who writes on another channel (docs/CHANNELS.md) ----

// The note of a customer's message on a messaging channel: always added, with its channel.
v1::RoutingNote wrote(const std::string& id, v1::Channel on, v1::ConversationState st, std::int64_t seq) {
  auto n = note(id, v1::RoutingNote::QUEUED, st, seq, kT0 + seq);
  n.set_message_channel(on);
  return n;
}

const action* told(const actions& todo) { return find(todo, action::kind::tell); }

TEST(RoutingNotes, AMessagesChannelRidesOnTheKind) {
  auto n = store::decode_routing_note(flat({{"k", "queued:whatsapp"}, {"ch", "web"}}));
  EXPECT_EQ(n.kind(), v1::RoutingNote::QUEUED);
  EXPECT_EQ(n.message_channel(), v1::CHANNEL_WHATSAPP);
  EXPECT_EQ(n.channel(), v1::CHANNEL_WEB);
  EXPECT_EQ(store::decode_routing_note(flat({{"k", "queued"}})).message_channel(), v1::CHANNEL_UNSPECIFIED);
  EXPECT_EQ(store::decode_routing_note(flat({{"k", "queued:pigeon"}})).message_channel(), v1::CHANNEL_UNSPECIFIED);
}

TEST(Reconciler, AWaitingCustomerWhoWritesOnAnotherChannelIsToldTheirPlaceThereOncePerPlace) {
  reconciler r(settings());  // nobody available: everything waits
  for (const char* id : {"cv1", "cv2", "cv3"}) r.on_note(note(id, v1::RoutingNote::QUEUED, v1::QUEUED, 1, kT0), kT0);
  r.positions_changed(kT0);

  auto todo = r.on_note(wrote("cv2", v1::CHANNEL_WHATSAPP, v1::QUEUED, 2), kT0 + 2);
  ASSERT_EQ(todo.size(), 1u);
  ASSERT_NE(told(todo), nullptr);
  EXPECT_EQ(told(todo)->conversation, "cv2");
  EXPECT_EQ(told(todo)->channel, v1::CHANNEL_WHATSAPP);
  // 2 × the default 300 s handle time ÷ 1 (no agent available counts as one).
  EXPECT_EQ(told(todo)->text, "You're still in the queue: you are number 2. About 10 minutes to wait.");
  EXPECT_EQ(r.routing().conversation_state("cv2"), "waiting");
  EXPECT_TRUE(r.positions_changed(kT0 + 3).empty()) << "its place is kept";
  EXPECT_EQ(r.place_of("cv2"), 2);

  EXPECT_TRUE(r.on_note(wrote("cv2", v1::CHANNEL_WHATSAPP, v1::QUEUED, 3), kT0 + 3).empty()) << "the same place";
  EXPECT_TRUE(r.on_note(wrote("cv2", v1::CHANNEL_WHATSAPP, v1::QUEUED, 3), kT0 + 3).empty()) << "stale";
  r.on_note(note("cv1", v1::RoutingNote::RELEASED, v1::RESOLVED, 2, kT0 + 4), kT0 + 4);
  todo = r.on_note(wrote("cv2", v1::CHANNEL_WHATSAPP, v1::QUEUED, 4), kT0 + 5);
  ASSERT_NE(told(todo), nullptr);
  EXPECT_EQ(told(todo)->text, "You're still in the queue: you are number 1. About 5 minutes to wait.");
  todo = r.on_note(wrote("cv2", v1::CHANNEL_SMS, v1::QUEUED, 5), kT0 + 6);
  ASSERT_NE(told(todo), nullptr) << "another channel";
  EXPECT_EQ(told(todo)->channel, v1::CHANNEL_SMS);
  // The router's own write moves the seq on: the next message is not stale.
  r.wrote("cv2", 6);
  ASSERT_NE(told(r.on_note(wrote("cv2", v1::CHANNEL_WHATSAPP, v1::QUEUED, 7), kT0 + 7)), nullptr);
}

TEST(Reconciler, NothingIsToldOnTheChannelItWasOpenedOnNorWhileOfferedOrHeld) {
  reconciler r(settings());
  auto on_whatsapp = note("wa", v1::RoutingNote::QUEUED, v1::QUEUED, 1, kT0);
  on_whatsapp.set_channel(v1::CHANNEL_WHATSAPP);
  on_whatsapp.set_message_channel(v1::CHANNEL_WHATSAPP);
  r.on_note(on_whatsapp, kT0);
  auto again = wrote("wa", v1::CHANNEL_WHATSAPP, v1::QUEUED, 2);
  again.set_channel(v1::CHANNEL_WHATSAPP);
  EXPECT_TRUE(r.on_note(again, kT0 + 2).empty()) << "not another channel";

  r.on_agent(agent("ann"), 1, false, kT0);
  EXPECT_EQ(decided(r.on_note(note("cv1", v1::RoutingNote::QUEUED, v1::QUEUED, 1, kT0), kT0)).size(), 1u);
  r.offered("cv1", "ann");
  EXPECT_TRUE(r.on_note(wrote("cv1", v1::CHANNEL_WHATSAPP, v1::QUEUED, 3), kT0 + 3).empty()) << "offered";
  auto accepted = note("cv1", v1::RoutingNote::ACCEPTED, v1::ASSIGNED, 5, kT0 + 5);
  accepted.set_owner_id("ann");
  r.on_note(accepted, kT0 + 5);
  auto held = wrote("cv1", v1::CHANNEL_WHATSAPP, v1::ASSIGNED, 6);
  held.set_owner_id("ann");
  held.set_awaiting_reply_since_ms(kT0 + 6);
  EXPECT_TRUE(r.on_note(held, kT0 + 6).empty()) << "held: nothing told, nothing re-indexed";
  EXPECT_EQ(r.routing().conversation_state("cv1"), "assigned");
  EXPECT_EQ(r.find("cv1")->awaiting_since, kT0 + 6) << "the customer's turn is tracked all the same";

  // Sent back to the queue: waiting again, the next message is told its place.
  auto back = note("cv1", v1::RoutingNote::TRANSFER, v1::QUEUED, 7, kT0 + 7);
  back.add_excluded("ann");
  r.on_note(back, kT0 + 7);
  EXPECT_EQ(r.routing().conversation_state("cv1"), "waiting");
  ASSERT_NE(told(r.on_note(wrote("cv1", v1::CHANNEL_WHATSAPP, v1::QUEUED, 8), kT0 + 8)), nullptr);
}

TEST(Reconciler, ThePlaceNoticeIsWordedAsTheWidgetShowsIt) {
  EXPECT_EQ(place_notice(3, 0), "You're still in the queue: you are number 3.");
  EXPECT_EQ(place_notice(1, 20), "You're still in the queue: you are number 1. About 1 minute to wait.");
  EXPECT_EQ(place_notice(1, 89), "You're still in the queue: you are number 1. About 1 minute to wait.");
  EXPECT_EQ(place_notice(1, 90), "You're still in the queue: you are number 1. About 2 minutes to wait.");
  EXPECT_EQ(place_notice(4, 1200), "You're still in the queue: you are number 4. About 20 minutes to wait.");
}

}  // namespace
}  // namespace switchboard::router
