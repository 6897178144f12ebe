// outbox/ and channels/outgoing: the retry policy (capped, jittered, never under what the provider
// asked), the pacer, each provider's send call as its API documents it, and what its answers mean;
// the delivery states' order (a lead's retry included) and the dead letters' encoding.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "channels/outgoing.hpp"
#include "outbox/retry_policy.hpp"
#include "store/conversation_rules.hpp"
#include "store/dead_letters.hpp"
#include "store/deliveries.hpp"

namespace switchboard {
namespace {

using std::chrono::milliseconds;
namespace json = boost::json;

TEST(OutboxRetry, ExponentialCappedJitteredAndNeverBelowWhatWasAsked) {
  EXPECT_EQ(outbox::retry_delay(1, milliseconds(60000), 0.0), milliseconds(500));
  EXPECT_EQ(outbox::retry_delay(1, milliseconds(60000), 1.0), milliseconds(1000));
  EXPECT_EQ(outbox::retry_delay(3, milliseconds(60000), 0.0), milliseconds(2000));
  EXPECT_EQ(outbox::retry_delay(3, milliseconds(60000), 1.0), milliseconds(4000));
  EXPECT_EQ(outbox::retry_delay(30, milliseconds(60000), 1.0), milliseconds(60000));
  EXPECT_EQ(outbox::retry_delay(30, milliseconds(60000), 0.0), milliseconds(30000));
  EXPECT_EQ(outbox::retry_delay(1, milliseconds(60000), 0.0, milliseconds(7000)), milliseconds(7000));
  for (int a = 1; a < 40; ++a) EXPECT_LE(outbox::retry_delay(a, milliseconds(300), 0.99), milliseconds(300));
}

TEST(OutboxRetry, PacerSpacesSends) {
  outbox::pacer p(4);  // 250 ms apart
  const auto t0 = std::chrono::steady_clock::time_point() + std::chrono::seconds(10);
  EXPECT_EQ(p.take(t0), t0);
  EXPECT_EQ(p.take(t0), t0 + milliseconds(250));
  EXPECT_EQ(p.take(t0 + milliseconds(100)), t0 + milliseconds(500));
  EXPECT_EQ(p.take(t0 + milliseconds(5000)), t0 + milliseconds(5000));
}

v1::ChannelAccount account(const std::string& provider) {
  v1::ChannelAccount a;
  a.set_provider(provider);
  a.set_id("x");
  a.set_access_token("tok");
  a.set_bot_token("123:abc");
  a.set_account_sid("AC1");
  a.set_auth_token("secret");
  a.set_business_id(provider == "twilio" ? "+15550001111" : "1122");
  return a;
}

v1::Message text(const std::string& body) {
  v1::Message m;
  m.set_body(body);
  return m;
}

TEST(OutgoingCalls, EachProviderAsDocumented) {
  std::string err;
  auto wa = channels::send_call(account("whatsapp"), v1::CHANNEL_WHATSAPP, "+34600111222", text("hi & bye"), err);
  EXPECT_EQ(wa.url, "https://graph.facebook.com/v21.0/1122/messages");
  EXPECT_EQ(wa.headers.at(0).second, "Bearer tok");
  const auto j = json::parse(wa.body);
  EXPECT_EQ(j.at("to").as_string(), "34600111222");
  EXPECT_EQ(j.at("text").at("body").as_string(), "hi & bye");
  auto fb = channels::send_call(account("instagram"), v1::CHANNEL_INSTAGRAM, "178", text("hi"), err);
  EXPECT_EQ(fb.url, "https://graph.facebook.com/v21.0/me/messages");
  EXPECT_EQ(json::parse(fb.body).at("recipient").at("id").as_string(), "178");
  auto tg = channels::send_call(account("telegram"), v1::CHANNEL_TELEGRAM, "555", text("hi"), err);
  EXPECT_EQ(tg.url, "https://api.telegram.org/bot123:abc/sendMessage");
  auto tw = channels::send_call(account("twilio"), v1::CHANNEL_SMS, "+15557654321", text("a b&c"), err);
  EXPECT_EQ(tw.url, "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages.json");
  EXPECT_EQ(tw.body, "To=%2B15557654321&From=%2B15550001111&Body=a%20b%26c");
  EXPECT_EQ(tw.headers.at(0).second, "Basic QUMxOnNlY3JldA==");
  auto twa = channels::send_call(account("twilio"), v1::CHANNEL_WHATSAPP, "+346", text("x"), err);
  EXPECT_EQ(twa.body.substr(0, 24), "To=whatsapp%3A%2B346&Fro");
  auto none = channels::send_call(account("telegram"), v1::CHANNEL_TELEGRAM, "555", text(""), err);
  EXPECT_TRUE(none.url.empty());
  EXPECT_EQ(err, "nothing to send");
  auto with_file = text("see");
  auto* a = with_file.add_attachments();
  a->set_url("https://files.example/x.pdf");
  a->set_file_name("x.pdf");
  auto tg2 = channels::send_call(account("telegram"), v1::CHANNEL_TELEGRAM, "555", with_file, err);
  EXPECT_EQ(json::parse(tg2.body).at("text").as_string(), "see");  // the file goes by send_calls (media_test.cpp)
}

TEST(OutgoingCalls, AnswersMeanSentRetryOrRejected) {
  using v = channels::send_answer::verdict;
  auto ok = channels::read_answer("whatsapp", 200, R"({"messages":[{"id":"wamid.1"}]})", "");
  EXPECT_EQ(ok.what, v::sent);
  EXPECT_EQ(ok.provider_message_id, "wamid.1");
  EXPECT_EQ(channels::read_answer("telegram", 200, R"({"ok":true,"result":{"message_id":9,"chat":{"id":55}}})", "").provider_message_id, "55:9");
  EXPECT_EQ(channels::read_answer("twilio", 201, R"({"sid":"SM1"})", "").provider_message_id, "SM1");
  EXPECT_EQ(channels::read_answer("messenger", 200, R"({"message_id":"m_1"})", "").provider_message_id, "m_1");
  auto limited = channels::read_answer("whatsapp", 429, R"({"error":{"message":"Rate limit hit"}})", "7");
  EXPECT_EQ(limited.what, v::retry);
  EXPECT_EQ(limited.retry_after_ms, 7000);
  EXPECT_EQ(limited.reason, "429 Rate limit hit");
  EXPECT_EQ(channels::read_answer("telegram", 429, R"({"ok":false,"description":"Too Many Requests","parameters":{"retry_after":3}})", "").retry_after_ms, 3000);
  EXPECT_EQ(channels::read_answer("twilio", 503, "", "").what, v::retry);
  EXPECT_EQ(channels::read_answer("twilio", 0, "timed out", "").what, v::retry);
  auto refused = channels::read_answer("twilio", 400, R"({"code":21211,"message":"The 'To' number is not valid."})", "");
  EXPECT_EQ(refused.what, v::rejected);
  EXPECT_EQ(refused.reason, "400 The 'To' number is not valid.");
}

std::vector<std::string> allowed_before(v1::Delivery::State state) {
  store::sent_reply r;
  r.conversation_id = "c1";
  r.customer_id = "cu1";
  r.seq = 7;
  v1::Delivery d;
  d.set_state(state);
  const auto req = store::delivery_append(r, d, "outbox", "round");
  EXPECT_EQ(req.guard.clauses().size(), 1u);
  EXPECT_EQ(req.guard.clauses()[0].field, "dl:7");
  return req.guard.clauses()[0].allowed;
}

TEST(OutgoingCalls, AWhatsAppTemplateAsTheCloudApiTakesIt) {
  std::string err;
  v1::Message m = text("Hi Wanda, your order 1042 has shipped.");
  auto* t = m.mutable_template_message();
  t->set_name("order_update");
  t->set_language("en_US");
  t->add_variables("Wanda");
  t->add_variables("1042");
  const auto j = json::parse(channels::send_call(account("whatsapp"), v1::CHANNEL_WHATSAPP, "+346", m, err).body);
  EXPECT_EQ(j.at("type").as_string(), "template");
  EXPECT_FALSE(j.as_object().contains("text"));
  EXPECT_EQ(json::serialize(j.at("template")),
            R"({"name":"order_update","language":{"code":"en_US"},"components":[{"type":"body","parameters":)"
            R"([{"type":"text","text":"Wanda"},{"type":"text","text":"1042"}]}]})");
  t->clear_variables();
  EXPECT_FALSE(json::parse(channels::send_call(account("whatsapp"), v1::CHANNEL_WHATSAPP, "+346", m, err).body)
                   .at("template").as_object().contains("components")) << "no variables: no components";
  // Twilio's WhatsApp takes the filled-in body as text.
  EXPECT_NE(channels::send_call(account("twilio"), v1::CHANNEL_WHATSAPP, "+346", m, err).body.find("Body=Hi%20Wanda"), std::string::npos);
}

TEST(DeliveryStates, MoveForwardOnlyAndALeadsRetryOnlyFromFailed) {
  using S = v1::Delivery;
  EXPECT_EQ(allowed_before(S::QUEUED), (std::vector<std::string>{"failed"}));
  EXPECT_EQ(allowed_before(S::SENT), (std::vector<std::string>{"", "queued"}));
  EXPECT_EQ(allowed_before(S::DELIVERED), (std::vector<std::string>{"", "sent"}));
  EXPECT_EQ(allowed_before(S::READ), (std::vector<std::string>{"", "sent", "delivered"}));
  EXPECT_EQ(allowed_before(S::FAILED), (std::vector<std::string>{"", "queued", "sent", "delivered"}));
}

TEST(DeliveryStates, EachRoundIsItsOwnEventAndARetryGoesBackToTheOutbox) {
  store::sent_reply r;
  r.conversation_id = "c1";
  r.customer_id = "cu1";
  r.seq = 7;
  v1::Delivery d;
  d.set_state(v1::Delivery::FAILED);
  // The same state again after a retry is a new event, not a duplicate of the first round's.
  EXPECT_NE(store::delivery_append(r, d, "outbox", "1-0").idempotency_key, store::delivery_append(r, d, "outbox", "2-0").idempotency_key);
  EXPECT_EQ(store::delivery_append(r, d, "outbox", "1-0").idempotency_key, store::delivery_append(r, d, "outbox", "1-0").idempotency_key);
  d.set_state(v1::Delivery::QUEUED);
  d.set_channel(v1::CHANNEL_WHATSAPP);
  d.set_message_seq(7);
  v1::Event ev;
  *ev.mutable_delivery() = d;
  const auto fx = store::effects_of(ev);
  bool queued = false, outbox = false;
  for (const auto& op : fx.fields.ops()) {
    queued = queued || (op.field == "dl:7" && op.value == "queued");
    outbox = outbox || (op.op == store::field_op::kind::outbox && op.value == "whatsapp@7");  // the reply, not this event
  }
  EXPECT_TRUE(queued);
  EXPECT_TRUE(outbox);
}

TEST(DeadLetters, RoundTripWhateverTheReasonHolds) {
  store::dead_letter l;
  l.conversation_id = "01HX:odd";
  l.seq = 42;
  l.customer_id = "cu-1";
  l.channel = "sms";
  l.failed_at_ms = 1764633600000;
  l.attempts = 5;
  l.reason = "gave up\x1f: 21610 \"unsubscribed\"\nline two";
  const auto back = store::decode_dead_letter("01HX:odd:42", store::encode_dead_letter(l));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->conversation_id, l.conversation_id);
  EXPECT_EQ(back->seq, 42);
  EXPECT_EQ(back->customer_id, l.customer_id);
  EXPECT_EQ(back->channel, l.channel);
  EXPECT_EQ(back->failed_at_ms, l.failed_at_ms);
  EXPECT_EQ(back->attempts, 5);
  EXPECT_EQ(back->reason, l.reason);
  EXPECT_FALSE(store::decode_dead_letter("c1:x", store::encode_dead_letter(l)));   // no seq
  EXPECT_FALSE(store::decode_dead_letter("c1:3", "cu\x1fsms\x1f12"));             // too few parts
  EXPECT_FALSE(store::decode_dead_letter("c1:3", "cu\x1fsms\x1fsoon\x1f1\x1fwhy"));  // not a time
}

}  // namespace
}  // namespace switchboard
