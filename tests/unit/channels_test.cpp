// channels/: the providers' signatures (a known answer from Twilio's documentation, and the
// matrix: missing, wrong secret, one byte changed) and the parsers against every webhook fixture
// in tests/fixtures/webhooks as it is. A fixture that is not a webhook body as the provider
// sends it (a '#' comment first, a bare event, a dictionary of named bodies, an API response)
// is refused as it is; the bodies inside it are parsed too, as the provider would send them.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "channels/meta.hpp"
#include "channels/outgoing.hpp"
#include "channels/signature.hpp"
#include "channels/telegram.hpp"
#include "channels/twilio.hpp"

namespace switchboard::channels {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

// Copies of ../shared/fixtures, byte for byte (tests/fixtures/SOURCES.md says where each is from).
fs::path fixtures() { return fs::path(SWITCHBOARD_SOURCE_DIR) / "tests" / "fixtures" / "webhooks"; }

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<fs::path> files(const std::string& provider) {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(fixtures() / provider)) out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

// A fixture's text without its leading '#' comment lines (the vlix files have them).
std::string without_comments(std::string s) {
  while (!s.empty() && s[0] == '#') s.erase(0, s.find('\n') == std::string::npos ? s.size() : s.find('\n') + 1);
  return s;
}

TEST(ChannelSignatures, TwilioKnownAnswerFromItsDocumentation) {
  const form_fields f = {{"CallSid", "CA1234567890ABCDE"}, {"Caller", "+14158675310"}, {"Digits", "1234"},
                         {"From", "+14158675310"}, {"To", "+18005551212"}};
  const std::string url = "https://mycompany.com/myapp.php?foo=1&bar=2";
  EXPECT_EQ(twilio_signature("12345", url, f), "GvWf1cFY/Q7PnoempGyD5oXAezc=");
  EXPECT_EQ(check_twilio_signature("12345", url, f, "GvWf1cFY/Q7PnoempGyD5oXAezc="), signature_check::ok);
  EXPECT_EQ(check_twilio_signature("12345", "http://mycompany.com/myapp.php?foo=1&bar=2", f, "GvWf1cFY/Q7PnoempGyD5oXAezc="),
            signature_check::wrong);
  EXPECT_EQ(check_twilio_signature("12345", "https://mycompany.com:8443/myapp.php?foo=1&bar=2", f, "GvWf1cFY/Q7PnoempGyD5oXAezc="),
            signature_check::wrong);
  EXPECT_EQ(check_twilio_signature("12346", url, f, "GvWf1cFY/Q7PnoempGyD5oXAezc="), signature_check::wrong);
  EXPECT_EQ(check_twilio_signature("12345", url, f, ""), signature_check::missing);
}

TEST(ChannelSignatures, MetaMatrix) {
  const std::string body = R"({"object":"page","entry":[]})";
  const std::string good = meta_signature("app-secret", body);
  EXPECT_EQ(good.rfind("sha256=", 0), 0u);
  EXPECT_EQ(good.size(), 7u + 64u);
  EXPECT_EQ(check_meta_signature("app-secret", body, good), signature_check::ok);
  EXPECT_EQ(check_meta_signature("app-secret", body, ""), signature_check::missing);
  EXPECT_EQ(check_meta_signature("other-secret", body, good), signature_check::wrong);
  std::string changed = body;
  changed[10] = 'P';
  EXPECT_EQ(check_meta_signature("app-secret", changed, good), signature_check::wrong);
  EXPECT_EQ(check_meta_signature("app-secret", R"({"object": "page", "entry": []})", good), signature_check::wrong);
  EXPECT_EQ(check_meta_signature("app-secret", body, good.substr(7)), signature_check::wrong);
}

TEST(ChannelSignatures, TelegramSecretToken) {
  EXPECT_EQ(check_telegram_secret("s3cret", "s3cret"), signature_check::ok);
  EXPECT_EQ(check_telegram_secret("s3cret", ""), signature_check::missing);
  EXPECT_EQ(check_telegram_secret("s3cret", "s3cre"), signature_check::wrong);
}

TEST(ChannelSignatures, FormDecoding) {
  form_fields f;
  ASSERT_TRUE(parse_form("Body=Hello+there%21&From=%2B2222&Empty=&Flag", f));
  ASSERT_EQ(f.size(), 4u);
  EXPECT_EQ(f[0], (std::pair<std::string, std::string>{"Body", "Hello there!"}));
  EXPECT_EQ(f[1].second, "+2222");
  EXPECT_EQ(f[2].second, "");
  EXPECT_EQ(f[3].first, "Flag");
  EXPECT_FALSE(parse_form("Body=%2", f));
  EXPECT_FALSE(parse_form("Body=%zz", f));
}

// pywa's files map a case name to a whole webhook body.
std::map<std::string, std::string> named_bodies(const fs::path& p) {
  std::map<std::string, std::string> out;
  const json::value all = json::parse(read(p));
  for (const auto& kv : all.as_object()) out[std::string(kv.key())] = json::serialize(kv.value());
  return out;
}

TEST(ChannelParsers, WhatsAppEveryFixture) {
  int messages = 0;
  int statuses = 0;
  int changes = 0;
  int skipped = 0;
  for (const auto& f : files("whatsapp")) {
    // As it is, a file is a dictionary of bodies, not a webhook.
    EXPECT_FALSE(parse_whatsapp(read(f)).error.empty()) << f;
    for (const auto& [name, body] : named_bodies(f)) {
      const auto p = parse_whatsapp(body);
      EXPECT_TRUE(p.error.empty()) << f << " " << name << ": " << p.error;
      EXPECT_EQ(p.messages.size() + p.statuses.size() + p.changes.size() + [&] { int n = 0; for (auto& [k, c] : p.skipped) n += c; return n; }(), 1u)
          << f.filename() << " " << name << ": every update is stored or counted";
      messages += static_cast<int>(p.messages.size());
      statuses += static_cast<int>(p.statuses.size());
      changes += static_cast<int>(p.changes.size());
      for (const auto& [k, c] : p.skipped) skipped += c;
      for (const auto& m : p.messages) {
        EXPECT_EQ(m.channel, v1::CHANNEL_WHATSAPP);
        EXPECT_EQ(m.address.rfind("+", 0), 0u) << name;
        EXPECT_FALSE(m.provider_message_id.empty()) << name;
        EXPECT_FALSE(m.body.empty() && m.attachments.empty()) << name;
      }
    }
  }
  EXPECT_EQ(messages, 20);  // 17 of message.json's 23 cases, the 3 buttons
  EXPECT_EQ(statuses, 5);   // delivered, read, played (read), failed, the group's read
  EXPECT_EQ(changes, 3);    // 3 reactions (one taken back)
  EXPECT_EQ(skipped, 8);    // 2 unsupported, 1 interactive without a reply, 2 "sent", 2 system, the revoke from a placeholder sender
}

TEST(ChannelParsers, WhatsAppWhatEachKindBecomes) {
  const auto bodies = named_bodies(fixtures() / "whatsapp" / "pywa__message.json");
  auto one = [&](const std::string& name) {
    auto p = parse_whatsapp(bodies.at(name));
    EXPECT_EQ(p.messages.size(), 1u) << name;
    return p.messages.empty() ? inbound_message{} : p.messages[0];
  };
  const auto text = one("text");
  EXPECT_EQ(text.body, "Body Text");
  EXPECT_EQ(text.address, "+972987654321");
  EXPECT_EQ(text.display_name, "Test Name");
  EXPECT_EQ(text.business_id, "1122334455667");
  EXPECT_EQ(text.provider_message_id, "wamid.xyzxyz");
  EXPECT_EQ(text.at_ms, 1697043223000);
  const auto image = one("image");
  ASSERT_EQ(image.attachments.size(), 1u);
  EXPECT_EQ(image.attachments[0].url(), "whatsapp-media:65463453");
  EXPECT_EQ(image.attachments[0].content_type(), "image/jpeg");
  const auto document = one("document");
  EXPECT_EQ(document.body, "caption");
  EXPECT_EQ(document.attachments[0].file_name(), "filename.pdf");
  EXPECT_NE(one("chosen_location").body.find("Facebook HQ"), std::string::npos);
  EXPECT_NE(one("contacts").body.find("Chandler Bing, +1 555-555-5555"), std::string::npos);
  EXPECT_NE(one("order").body.find("3 × HAMBURGER"), std::string::npos);
  EXPECT_FALSE(one("reply").in_reply_to.empty());
  const auto reaction = parse_whatsapp(bodies.at("reaction"));
  ASSERT_EQ(reaction.changes.size(), 1u);
  EXPECT_EQ(reaction.changes[0].kind, v1::MessageChange::REACTION);
  EXPECT_EQ(reaction.changes[0].address, "+972987654321");
  EXPECT_FALSE(reaction.changes[0].emoji.empty());
  EXPECT_FALSE(reaction.changes[0].provider_message_id.empty());
  EXPECT_FALSE(reaction.changes[0].change_id.empty());
  // The fixture's revoke comes from "<WHATSAPP_USER_PHONE_NUMBER>": no sender, counted; with a number, a deletion.
  std::string revoke_body = named_bodies(fixtures() / "whatsapp" / "pywa__deleted_message.json").at("revoke");
  EXPECT_EQ(parse_whatsapp(revoke_body).skipped.at("change without a sender or id"), 1);
  revoke_body.replace(revoke_body.find("<WHATSAPP_USER_PHONE_NUMBER>"), 28, "972987654321");
  const auto revoke = parse_whatsapp(revoke_body);
  ASSERT_EQ(revoke.changes.size(), 1u);
  EXPECT_EQ(revoke.changes[0].kind, v1::MessageChange::DELETION);
  EXPECT_EQ(revoke.changes[0].address, "+972987654321");
  EXPECT_EQ(revoke.changes[0].provider_message_id, "<ORIGINAL_WHATSAPP_MESSAGE_ID>");
  EXPECT_EQ(revoke.changes[0].change_id, "<WHATSAPP_MESSAGE_ID>");
  EXPECT_EQ(parse_whatsapp(bodies.at("interactive_message_with_err")).messages.size(), 0u);
  const auto button = named_bodies(fixtures() / "whatsapp" / "pywa__callback_button.json");
  EXPECT_EQ(parse_whatsapp(button.at("button")).messages.at(0).body, "title");
  const auto statuses = named_bodies(fixtures() / "whatsapp" / "pywa__message_status.json");
  const auto read = parse_whatsapp(statuses.at("read"));
  ASSERT_EQ(read.statuses.size(), 1u);
  EXPECT_EQ(read.statuses[0].state, "read");
  EXPECT_EQ(read.statuses[0].provider_message_id, "wamid.xyzxyz");
  EXPECT_EQ(parse_whatsapp(statuses.at("played")).statuses.at(0).state, "read");
  EXPECT_EQ(parse_whatsapp(statuses.at("failed")).statuses.at(0).reason, "130472 User's number is part of an experiment");
  EXPECT_EQ(parse_whatsapp(statuses.at("sent")).skipped.at("status sent"), 1);
  EXPECT_FALSE(parse_whatsapp("{not json").error.empty());
  EXPECT_FALSE(parse_whatsapp(R"({"object":"page"})").error.empty());
}

// A Messenger fixture as a webhook body: a bare event goes in the envelope Meta sends.
std::string messenger_envelope(const std::string& text) {
  auto v = json::parse(without_comments(text).substr(without_comments(text).rfind('\xEF', 0) == 0 ? 3 : 0));
  if (v.as_object().contains("object")) return json::serialize(v);
  json::object entry{{"id", "234554838031189"}, {"time", 1518439572110}, {"messaging", json::array{v}}};
  return json::serialize(json::object{{"object", "page"}, {"entry", json::array{entry}}});
}

TEST(ChannelParsers, MessengerEveryFixture) {
  std::map<std::string, int> kinds;
  int messages = 0;
  for (const auto& f : files("messenger")) {
    const std::string raw = read(f);
    const auto as_is = parse_messenger(raw, v1::CHANNEL_MESSENGER);
    if (raw[0] == '#') {
      EXPECT_FALSE(as_is.error.empty()) << f << ": a comment is not JSON";
    }
    const auto p = parse_messenger(messenger_envelope(raw), v1::CHANNEL_MESSENGER);
    EXPECT_TRUE(p.error.empty()) << f << ": " << p.error;
    EXPECT_FALSE(p.messages.empty() && p.statuses.empty() && p.skipped.empty() && p.changes.empty() && p.reads.empty())
        << f << ": nothing understood";
    for (const auto& s : p.statuses) kinds["status " + s.state] += 1;
    kinds["read watermark"] += static_cast<int>(p.reads.size());
    EXPECT_EQ(p.skipped.count("unknown"), 0u) << f;
    messages += static_cast<int>(p.messages.size());
    for (const auto& [k, c] : p.skipped) kinds[k] += c;
    for (const auto& m : p.messages) {
      EXPECT_FALSE(m.address.empty()) << f;
      EXPECT_FALSE(m.provider_message_id.empty()) << f;
    }
  }
  EXPECT_EQ(messages, 12);
  EXPECT_EQ(kinds["echo"], 1);
  EXPECT_EQ(kinds["handover"], 3);
  EXPECT_EQ(kinds["standby"], 1);
  EXPECT_EQ(kinds["status delivered"], 2);  // delivery receipts with their mids
  EXPECT_EQ(kinds["read watermark"], 1);  // vlix__read_callback.json
  // Instagram: the same envelope with "object": "instagram".
  const std::string ig = R"({"object":"instagram","entry":[{"id":"17841400000","time":1,"messaging":[{"sender":{"id":"1234"},"recipient":{"id":"17841400000"},"timestamp":1700000000000,"message":{"mid":"aWdfZAG1","text":"hi from instagram"}}]}]})";
  const auto p = parse_messenger(ig, v1::CHANNEL_INSTAGRAM);
  ASSERT_EQ(p.messages.size(), 1u);
  EXPECT_EQ(p.messages[0].channel, v1::CHANNEL_INSTAGRAM);
  EXPECT_EQ(p.messages[0].body, "hi from instagram");
  EXPECT_FALSE(parse_messenger(ig, v1::CHANNEL_MESSENGER).error.empty());
}

TEST(ChannelParsers, MessengerReactionsEditsDeletionsAndReadWatermarks) {
  const auto one = [](const std::string& event) {
    return parse_messenger(R"({"object":"page","entry":[{"id":"PAGE","time":1,"messaging":[{"sender":{"id":"PSID"},)"
                           R"("recipient":{"id":"PAGE"},"timestamp":1700000000000,)" + event + "}]}]}",
                           v1::CHANNEL_MESSENGER);
  };
  auto r = one(R"("reaction":{"mid":"m_1","action":"react","emoji":"\u2764","reaction":"love"})");
  ASSERT_EQ(r.changes.size(), 1u);
  EXPECT_EQ(r.changes[0].kind, v1::MessageChange::REACTION);
  EXPECT_EQ(r.changes[0].emoji, "\u2764");
  EXPECT_EQ(r.changes[0].provider_message_id, "m_1");
  EXPECT_EQ(r.changes[0].address, "PSID");
  EXPECT_EQ(r.changes[0].business_id, "PAGE");
  auto un = one(R"("reaction":{"mid":"m_1","action":"unreact","emoji":"\u2764"})");
  EXPECT_EQ(un.changes.at(0).emoji, "") << "taken back";
  EXPECT_NE(un.changes.at(0).change_id, r.changes[0].change_id);
  auto e = one(R"("message_edit":{"mid":"m_2","text":"fixed","num_edit":2})");
  EXPECT_EQ(e.changes.at(0).kind, v1::MessageChange::EDIT);
  EXPECT_EQ(e.changes.at(0).body, "fixed");
  EXPECT_EQ(e.changes.at(0).change_id, "edit:m_2:2");
  auto d = one(R"("message":{"mid":"m_3","is_deleted":true})");
  EXPECT_EQ(d.changes.at(0).kind, v1::MessageChange::DELETION);
  EXPECT_TRUE(d.messages.empty());
  auto w = one(R"("read":{"watermark":1699999999000})");
  ASSERT_EQ(w.reads.size(), 1u);
  EXPECT_EQ(w.reads[0].watermark_ms, 1699999999000);
  EXPECT_EQ(w.reads[0].address, "PSID");
  EXPECT_EQ(one(R"("read":{})").skipped.at("read without a sender or watermark"), 1);
  EXPECT_EQ(one(R"("reaction":{"action":"react"})").skipped.at("change without a sender or id"), 1);
}

// Telegram's fixtures: Updates as the webhook posts them, and getUpdates responses ({"ok", "result":
// [Update]}) whose Updates are what a webhook would post; `{}` is neither.
TEST(ChannelParsers, TelegramEveryFixture) {
  int messages = 0;
  int changes = 0;
  int skipped = 0;
  for (const auto& f : files("telegram")) {
    const std::string raw = read(f);
    std::vector<std::string> updates = {raw};
    const json::value v = json::parse(raw);
    if (v.as_object().contains("result") || v.as_object().empty()) {
      EXPECT_FALSE(parse_telegram(raw, "bot").error.empty()) << f << ": not an Update";
      updates.clear();
      if (const auto* r = v.as_object().if_contains("result"); r && r->is_array()) {
        for (const auto& u : r->as_array()) updates.push_back(json::serialize(u));
      }
    }
    for (const auto& u : updates) {
      const auto p = parse_telegram(u, "bot");
      EXPECT_TRUE(p.error.empty()) << f << ": " << p.error;
      EXPECT_EQ(p.skipped.count("unknown"), 0u) << f;
      messages += static_cast<int>(p.messages.size());
      changes += static_cast<int>(p.changes.size());
      for (const auto& [k, c] : p.skipped) skipped += c;
      for (const auto& m : p.messages) {
        EXPECT_FALSE(m.address.empty()) << f;
        EXPECT_FALSE(m.body.empty() && m.attachments.empty()) << f;
      }
    }
  }
  EXPECT_EQ(messages, 7);  // 6 of illemius' Updates, and the forwarded reply in ResponseWithoutError's result
  EXPECT_EQ(changes, 1);  // the edit
  EXPECT_EQ(skipped, 1);  // the service message (write access allowed)
  const auto edit = parse_telegram(read(fixtures() / "telegram" / "illemius__edited_message.json"), "bot").changes.at(0);
  EXPECT_EQ(edit.kind, v1::MessageChange::EDIT);
  EXPECT_EQ(edit.body, "hi there (edited)");
  EXPECT_EQ(edit.provider_message_id, "12345678:12345");
  EXPECT_EQ(edit.address, "12345678");
  EXPECT_EQ(edit.change_id, "edit:12345678:12345:1508825379");
  const auto hello = parse_telegram(read(fixtures() / "telegram" / "illemius__message.json"), "bot").messages.at(0);
  EXPECT_EQ(hello.body, "Hi, world!");
  EXPECT_EQ(hello.address, "12345678");
  EXPECT_EQ(hello.display_name, "FirstName LastName");
  EXPECT_EQ(hello.provider_message_id, "12345678:11223");
}

TEST(ChannelParsers, TwilioEveryFixture) {
  form_fields f;
  ASSERT_TRUE(parse_form(read(fixtures() / "twilio" / "botbuilder__NoMediaPayload.txt"), f));
  const auto p = parse_twilio(f);
  ASSERT_EQ(p.messages.size(), 1u) << p.error;
  EXPECT_EQ(p.messages[0].channel, v1::CHANNEL_SMS);
  EXPECT_EQ(p.messages[0].address, "+2222");
  EXPECT_EQ(p.messages[0].body, "Hello");
  EXPECT_EQ(p.messages[0].provider_message_id, "3333");
  // The JSON dictionary is not what Twilio posts (a form): as a form it has no MessageSid.
  ASSERT_TRUE(parse_form(read(fixtures() / "twilio" / "botbuilder__DictionaryPayload.json"), f));
  EXPECT_FALSE(parse_twilio(f).error.empty());
  ASSERT_TRUE(parse_form("MessageSid=SM1&From=%2B1&To=%2B2&MessageStatus=delivered", f));
  EXPECT_EQ(parse_twilio(f).statuses.at(0).state, "delivered");
  ASSERT_TRUE(parse_form("MessageSid=SM1&From=%2B1&To=%2B2&MessageStatus=undelivered&ErrorCode=30003&ErrorMessage=Unreachable", f));
  EXPECT_EQ(parse_twilio(f).statuses.at(0).state, "failed");
  EXPECT_EQ(parse_twilio(f).statuses.at(0).reason, "30003 Unreachable");
  ASSERT_TRUE(parse_form("MessageSid=SM1&From=%2B1&To=%2B2&MessageStatus=sent", f));
  EXPECT_EQ(parse_twilio(f).skipped.at("status sent"), 1);
  ASSERT_TRUE(parse_form("MessageSid=SM2&From=whatsapp%3A%2B34600&To=whatsapp%3A%2B1&Body=&NumMedia=1&MediaUrl0=https%3A%2F%2Fapi.twilio.com%2Fm&MediaContentType0=image%2Fpng", f));
  const auto mms = parse_twilio(f);
  ASSERT_EQ(mms.messages.size(), 1u);
  EXPECT_EQ(mms.messages[0].channel, v1::CHANNEL_WHATSAPP);
  EXPECT_EQ(mms.messages[0].address, "+34600");
  EXPECT_EQ(mms.messages[0].attachments.at(0).content_type(), "image/png");
}

// Found by fuzz/ (docs/CHANNELS.md, "Fuzzing"): one test per defect; reproducers in fuzz/corpus/*/crash-*.

// A WhatsApp body with one message of the given JSON, as the Cloud API wraps it.
std::string whatsapp_with(const std::string& message) {
  return R"({"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{"messages":[)" + message + "]}}]}]}";
}

// A time past what milliseconds since 1970 can hold (undefined behaviour before: a double cast to
// int64 out of range, seconds * 1000 overflowing) is no time at all: 0, the message still stored.
// (Messenger's timestamps are milliseconds already: an int64 one is kept as it is.)
TEST(ChannelFuzzFindings, TimestampsOutOfRangeAreUnknown) {
  for (const std::string t : {"1e300", "-1e300", "9223372036854775807", "\"9223372036854775807\"", "18446744073709551615"}) {
    const auto p = parse_whatsapp(whatsapp_with(R"({"from":"34600","id":"w1","type":"text","text":{"body":"hi"},"timestamp":)" + t + "}"));
    ASSERT_EQ(p.messages.size(), 1u) << t;
    EXPECT_EQ(p.messages[0].at_ms, 0) << t;
    const auto tg = parse_telegram(R"({"update_id":1,"message":{"message_id":2,"date":)" + t +
                                       R"(,"chat":{"id":7,"type":"private"},"from":{"id":7},"text":"hi"}})", "bot");
    ASSERT_EQ(tg.messages.size(), 1u) << t;
    EXPECT_EQ(tg.messages[0].at_ms, 0) << t;
    const auto fb = parse_messenger(R"({"object":"page","entry":[{"id":"1","messaging":[{"sender":{"id":"5"},"timestamp":)" + t +
                                        R"(,"message":{"mid":"m1","text":"hi"}}]}]})", v1::CHANNEL_MESSENGER);
    ASSERT_EQ(fb.messages.size(), 1u) << t;
    EXPECT_EQ(fb.messages[0].at_ms, t == "9223372036854775807" || t == "\"9223372036854775807\"" ? INT64_MAX : 0) << t;
  }
  const auto ok = parse_whatsapp(whatsapp_with(R"({"from":"34600","id":"w1","type":"text","text":{"body":"hi"},"timestamp":"1697043223"})"));
  EXPECT_EQ(ok.messages.at(0).at_ms, 1697043223000);
}

// A WhatsApp media with an empty "url" (or neither url nor id) was an attachment with no address.
TEST(ChannelFuzzFindings, WhatsAppMediaWithoutUrlOrId) {
  auto p = parse_whatsapp(whatsapp_with(R"({"from":"34600","id":"w1","type":"image","image":{"url":"","id":"m1"}})"));
  ASSERT_EQ(p.messages.size(), 1u);
  ASSERT_EQ(p.messages[0].attachments.size(), 1u);
  EXPECT_EQ(p.messages[0].attachments[0].url(), "whatsapp-media:m1");
  p = parse_whatsapp(whatsapp_with(R"({"from":"34600","id":"w1","type":"image","image":{"caption":"look"}})"));
  ASSERT_EQ(p.messages.size(), 1u);
  EXPECT_EQ(p.messages[0].body, "look");
  EXPECT_TRUE(p.messages[0].attachments.empty());
  p = parse_whatsapp(whatsapp_with(R"({"from":"34600","id":"w1","type":"document","document":{"url":""}})"));
  EXPECT_TRUE(p.messages.empty());
  EXPECT_EQ(p.skipped.at("empty"), 1);
}

// Bytes that are not UTF-8 in a form (%FF) became a stored string protobuf refuses to parse back:
// each ill-formed sequence (its maximal subpart, as Unicode recommends) is one U+FFFD.
TEST(ChannelFuzzFindings, TwilioFieldsThatAreNotUtf8) {
  form_fields f;
  ASSERT_TRUE(parse_form("MessageSid=SM1&From=%2B1%C3&To=%2B2&Body=%FFok%E2%82&ProfileName=Jos%C3%A9", f));
  auto p = parse_twilio(f);
  ASSERT_EQ(p.messages.size(), 1u) << p.error;
  EXPECT_EQ(p.messages[0].body, "\xEF\xBF\xBDok\xEF\xBF\xBD");
  EXPECT_EQ(p.messages[0].address, "+1\xEF\xBF\xBD");
  EXPECT_EQ(p.messages[0].display_name, "Jos\xC3\xA9");
  ASSERT_TRUE(parse_form("MessageSid=SM1&From=%2B1&To=%2B2&MessageStatus=failed&ErrorCode=1&ErrorMessage=%ED%A0%80", f));
  p = parse_twilio(f);
  EXPECT_EQ(p.statuses.at(0).reason, "1 \xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // a surrogate's bytes are not UTF-8
  ASSERT_TRUE(parse_form("MessageSid=SM1&From=%2B1&To=%2B2&MessageStatus=un%FFsent", f));
  EXPECT_EQ(parse_twilio(f).skipped.at("status un\xEF\xBF\xBDsent"), 1);  // the kind is a metric's label
}

// "From=whatsapp:" with no number after it was a WhatsApp message from no one (an empty address):
// a sender without a number is no sender, as a missing From.
TEST(ChannelFuzzFindings, TwilioWhatsAppSenderWithoutNumber) {
  form_fields f;
  ASSERT_TRUE(parse_form("MessageSid=SM2&From=whatsapp%3A&To=whatsapp%3A%2B1&Body=hi", f));
  const auto p = parse_twilio(f);
  EXPECT_FALSE(p.error.empty());
  EXPECT_TRUE(p.messages.empty());
  ASSERT_TRUE(parse_form("MessageSid=SM2&From=whatsapp%3A%2B34600&To=whatsapp%3A&Body=hi", f));
  EXPECT_EQ(parse_twilio(f).messages.at(0).address, "+34600");  // our side may be empty: the account names it
}

// An empty key and an empty body as null views (std::string_view{}): OpenSSL 3's HMAC fails on
// them, the failure was ignored, and Meta's expected signature became "sha256=", which verified.
// (Found by the corpus replay, which passes the empty input as a null pointer; libFuzzer never does.)
TEST(ChannelFuzzFindings, SignatureOverNullViewsFailsClosed) {
  const std::string_view none;
  EXPECT_EQ(meta_signature(none, none), meta_signature("", ""));
  EXPECT_EQ(meta_signature(none, none).size(), 7u + 64u);
  EXPECT_EQ(check_meta_signature(none, none, "sha256="), signature_check::wrong);
  EXPECT_EQ(check_meta_signature(none, none, meta_signature("", "")), signature_check::ok);
  EXPECT_EQ(twilio_signature(none, none, {}), twilio_signature("", "", {}));
  EXPECT_EQ(twilio_signature(none, none, {}).size(), 28u);
}

// A provider's answer: the wait asked for is never negative nor overflowing (at most a day), and
// the reason kept is UTF-8 (a body that is not, or one cut in the middle of a character).
TEST(ChannelFuzzFindings, SendAnswerRetryAfterAndReason) {
  EXPECT_EQ(read_answer("twilio", 503, "", "99999999999999999").retry_after_ms, 86'400'000);
  EXPECT_EQ(read_answer("twilio", 503, "", "-5").retry_after_ms, 0);
  EXPECT_EQ(read_answer("twilio", 429, "", "7").retry_after_ms, 7000);
  EXPECT_EQ(read_answer("telegram", 429, R"({"ok":false,"parameters":{"retry_after":99999999999999999}})", "").retry_after_ms,
            86'400'000);
  EXPECT_EQ(read_answer("telegram", 429, R"({"ok":false,"parameters":{"retry_after":1e300}})", "").retry_after_ms, 0);
  EXPECT_EQ(read_answer("telegram", 429, R"({"ok":false,"parameters":{"retry_after":-3}})", "").retry_after_ms, 0);
  EXPECT_EQ(read_answer("telegram", 429, R"({"ok":false,"parameters":{"retry_after":5}})", "2").retry_after_ms, 5000);
  EXPECT_EQ(read_answer("whatsapp", 502, "bad \xFF gateway", "").reason, "502 bad \xEF\xBF\xBD gateway");
  EXPECT_EQ(read_answer("whatsapp", 0, "\xC3", "").reason, "\xEF\xBF\xBD");
  std::string html = "x";
  for (int i = 0; i < 150; ++i) html += "\xC3\xA9";  // é: the 200th byte is the first half of one
  const auto cut = read_answer("twilio", 500, html, "").reason;
  EXPECT_EQ(cut, "500 " + html.substr(0, 199));
}

}  // namespace
}  // namespace switchboard::channels
