#include "gateway/protocol/frame_codec.hpp"

#include <gtest/gtest.h>

#include <random>

namespace switchboard::gateway {
namespace {

constexpr std::size_t kMax = 64 * 1024;

v1::ClientFrame send_message() {
  v1::ClientFrame f;
  f.set_request_id("r1");
  auto* s = f.mutable_send_message();
  s->set_conversation_id("01JDZ5C3W4Q8N6R2T7V9X0Y1AB-3");
  s->mutable_message()->set_body("hello, my order is late");
  s->mutable_message()->set_client_message_id("m-1");
  return f;
}

TEST(FrameCodec, ChoosesTheSubprotocol) {
  EXPECT_EQ(choose_subprotocol("switchboard.v1.json"), wire_format::json);
  EXPECT_EQ(choose_subprotocol("chat, switchboard.v1.proto , switchboard.v1.json"), wire_format::proto);
  EXPECT_FALSE(choose_subprotocol("chat, superchat"));
  EXPECT_FALSE(choose_subprotocol(""));
}

TEST(FrameCodec, DecodesJsonInTextFrames) {
  auto d = decode_client_frame(wire_format::json, false,
                               R"({"requestId":"r1","sendMessage":{"conversationId":"c-1",)"
                               R"("message":{"body":"hi","clientMessageId":"m-1"}}})",
                               kMax);
  ASSERT_TRUE(d.ok) << d.error_message;
  EXPECT_EQ(d.frame.request_id(), "r1");
  EXPECT_EQ(d.frame.send_message().message().body(), "hi");
  EXPECT_EQ(d.frame.send_message().message().client_message_id(), "m-1");
}

TEST(FrameCodec, DecodesProtobufInBinaryFrames) {
  const auto bytes = send_message().SerializeAsString();
  auto d = decode_client_frame(wire_format::proto, true, bytes, kMax);
  ASSERT_TRUE(d.ok);
  EXPECT_EQ(d.frame.send_message().message().body(), "hello, my order is late");
}

TEST(FrameCodec, RefusesWhatItCannotUseWithACode) {
  EXPECT_EQ(decode_client_frame(wire_format::json, true, "{}", kMax).error_code, "bad_frame_type");
  EXPECT_EQ(decode_client_frame(wire_format::proto, false, "", kMax).error_code, "bad_frame_type");
  EXPECT_EQ(decode_client_frame(wire_format::json, false, std::string(kMax + 1, ' '), kMax).error_code,
            "frame_too_large");
  EXPECT_EQ(decode_client_frame(wire_format::json, false, "{not json", kMax).error_code, "bad_frame");
  EXPECT_EQ(decode_client_frame(wire_format::json, false, R"({"requestId":"r1"})", kMax).error_code, "bad_frame");
  auto unknown = decode_client_frame(wire_format::json, false, R"({"sendMesage":{}})", kMax);
  EXPECT_EQ(unknown.error_code, "bad_frame");
  EXPECT_NE(unknown.error_message.find("sendMesage"), std::string::npos) << unknown.error_message;
  EXPECT_EQ(decode_client_frame(wire_format::proto, true, "\xff\xff\xff", kMax).error_code, "bad_frame");
}

TEST(FrameCodec, EveryPrefixAndRandomBytesGiveAFrameOrAnErrorNeverACrash) {
  const auto json = std::string(R"({"requestId":"r1","sendMessage":{"message":{"body":"hi"}}})");
  for (std::size_t n = 0; n < json.size(); ++n) {
    auto d = decode_client_frame(wire_format::json, false, json.substr(0, n), kMax);
    EXPECT_FALSE(d.ok) << n;  // a strict prefix of a JSON object is never valid JSON
    EXPECT_EQ(d.error_code, "bad_frame");
  }
  const auto bytes = send_message().SerializeAsString();
  for (std::size_t n = 0; n <= bytes.size(); ++n) {
    auto d = decode_client_frame(wire_format::proto, true, bytes.substr(0, n), kMax);
    EXPECT_TRUE(d.ok || !d.error_code.empty());
  }
  std::mt19937 rng(5);
  for (int i = 0; i < 2000; ++i) {
    std::string junk(rng() % 64, '\0');
    for (auto& c : junk) c = static_cast<char>(rng());
    auto p = decode_client_frame(wire_format::proto, true, junk, kMax);
    auto j = decode_client_frame(wire_format::json, false, junk, kMax);
    EXPECT_TRUE(p.ok || !p.error_code.empty());
    EXPECT_TRUE(j.ok || !j.error_code.empty());
  }
}

TEST(FrameCodec, EncodesServerFramesInBothFormats) {
  auto err = error_frame("r9", "retry", "redis unavailable", true);
  const auto json = encode_server_frame(wire_format::json, err);
  EXPECT_EQ(json, R"({"requestId":"r9","error":{"code":"retry","message":"redis unavailable","retry":true}})");
  v1::ServerFrame back;
  ASSERT_TRUE(back.ParseFromString(encode_server_frame(wire_format::proto, err)));
  EXPECT_EQ(back.error().code(), "retry");
}

TEST(FrameCodec, RolesMaySendOnlyTheirFrames) {
  using K = v1::ClientFrame;
  EXPECT_TRUE(frame_allowed(role::customer, K::kOpenConversation));
  EXPECT_TRUE(frame_allowed(role::customer, K::kSendMessage));
  EXPECT_TRUE(frame_allowed(role::customer, K::kRate));
  EXPECT_FALSE(frame_allowed(role::customer, K::kAnswerOffer));
  EXPECT_FALSE(frame_allowed(role::customer, K::kAddNote));
  EXPECT_FALSE(frame_allowed(role::customer, K::kTransfer));
  EXPECT_TRUE(frame_allowed(role::agent, K::kAnswerOffer));
  EXPECT_TRUE(frame_allowed(role::agent, K::kResolve));
  EXPECT_FALSE(frame_allowed(role::agent, K::kOpenConversation));
  EXPECT_FALSE(frame_allowed(role::agent, K::kRate));
  EXPECT_TRUE(frame_allowed(role::lead, K::kTransfer));
  EXPECT_FALSE(frame_allowed(role::agent, K::KIND_NOT_SET));
  EXPECT_EQ(role_from_name("lead"), role::lead);
  EXPECT_FALSE(role_from_name("root"));
}

}  // namespace
}  // namespace switchboard::gateway

#include "gateway/protocol/rate_limiter.hpp"

namespace switchboard::gateway {
namespace {

TEST(TokenBucket, AllowsTheBurstThenTheRate) {
  using namespace std::chrono_literals;
  token_bucket b(10, 3);  // 10 a second, bursts of 3
  std::chrono::steady_clock::time_point t{};
  EXPECT_TRUE(b.take(t));
  EXPECT_TRUE(b.take(t));
  EXPECT_TRUE(b.take(t));
  EXPECT_FALSE(b.take(t));          // burst spent
  EXPECT_FALSE(b.take(t + 50ms));   // half a token back
  EXPECT_TRUE(b.take(t + 100ms));   // one token back
  EXPECT_FALSE(b.take(t + 100ms));
  EXPECT_TRUE(b.take(t + 10s));     // refilled, but never beyond the burst
  EXPECT_TRUE(b.take(t + 10s));
  EXPECT_TRUE(b.take(t + 10s));
  EXPECT_FALSE(b.take(t + 10s));
}

// Issue 10.22: a refusal says when to send again.
TEST(TokenBucket, SaysHowLongUntilTheNextToken) {
  using namespace std::chrono_literals;
  token_bucket b(10, 1);
  std::chrono::steady_clock::time_point t{};
  EXPECT_TRUE(b.take(t));
  EXPECT_EQ(b.wait(), 100ms);
  EXPECT_FALSE(b.take(t + 30ms));
  EXPECT_EQ(b.wait(), 70ms);
  EXPECT_TRUE(b.take(t + 100ms));
}

// Issue 10.22: an unknown request type is refused with the request id it carried.
TEST(FrameCodec, ARefusedFrameKeepsItsRequestId) {
  auto d = decode_client_frame(wire_format::json, false, R"({"requestId":"u1","teleport":{"to":"mars"}})", kMax);
  EXPECT_FALSE(d.ok);
  EXPECT_EQ(d.error_code, "bad_frame");
  EXPECT_EQ(d.frame.request_id(), "u1");
  auto none = decode_client_frame(wire_format::json, false, R"({"requestId":"u2"})", kMax);
  EXPECT_FALSE(none.ok);
  EXPECT_EQ(none.frame.request_id(), "u2");
}

}  // namespace
}  // namespace switchboard::gateway

#include "gateway/session_sink.hpp"

namespace switchboard::gateway {
namespace {

// What the router publishes (offers, agent states, boards) is already a ServerFrame's protobuf
// encoding: protobuf sessions get those very bytes, JSON sessions the parsed frame.
TEST(OutboundFrame, RouterBytesGoToProtobufSessionsAsTheyAreAndAreParsedForJson) {
  v1::ServerFrame board;
  board.mutable_board()->set_team("care");
  board.mutable_board()->add_agents()->set_agent_id("ann");
  const std::string bytes = board.SerializeAsString();
  const auto f = outbound_frame::from_proto(bytes);
  EXPECT_EQ(f->encoded(wire_format::proto), bytes);
  EXPECT_EQ(f->encoded(wire_format::json), encode_server_frame(wire_format::json, board));
  EXPECT_NE(f->encoded(wire_format::json).find("\"ann\""), std::string::npos);

  // Bytes that are not a frame give a JSON session nothing to send (ws_session skips it).
  const auto bad = outbound_frame::from_proto("\xff\xff\xff");
  EXPECT_TRUE(bad->encoded(wire_format::json).empty());

  // A frame built here is encoded once per format.
  const outbound_frame built(board);
  EXPECT_EQ(&built.encoded(wire_format::proto), &built.encoded(wire_format::proto));
  EXPECT_EQ(built.encoded(wire_format::proto), bytes);
}

}  // namespace
}  // namespace switchboard::gateway

namespace switchboard::gateway {
namespace {

// Visitor tokens minted per client address (rest_api): a bucket per address, bounded in number.
TEST(KeyedTokenBuckets, EachKeyHasItsOwnBurstAndSaysWhenToRetry) {
  using namespace std::chrono_literals;
  keyed_token_buckets b(0.5, 2, 100);  // a token every 2 s, 2 saved
  const std::chrono::steady_clock::time_point t0{};
  EXPECT_TRUE(b.take("10.0.0.1", t0).ok);
  EXPECT_TRUE(b.take("10.0.0.1", t0).ok);
  const auto refused = b.take("10.0.0.1", t0);
  EXPECT_FALSE(refused.ok);
  EXPECT_EQ(refused.retry_after, 2000ms);
  EXPECT_EQ(b.take("10.0.0.1", t0 + 500ms).retry_after, 1500ms);
  EXPECT_TRUE(b.take("10.0.0.2", t0).ok);  // another address: its own bucket
  EXPECT_TRUE(b.take("10.0.0.1", t0 + 2s).ok);
  EXPECT_FALSE(b.take("10.0.0.1", t0 + 2s).ok);
  EXPECT_EQ(b.size(), 2u);
}

TEST(KeyedTokenBuckets, DropsBucketsThatWouldBeFullAgain) {
  using namespace std::chrono_literals;
  keyed_token_buckets b(1, 3, 100);  // full again 3 s after the last take
  const std::chrono::steady_clock::time_point t0{};
  for (int i = 0; i < 50; ++i) EXPECT_TRUE(b.take("a" + std::to_string(i), t0).ok);
  EXPECT_EQ(b.size(), 50u);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(b.take("busy", t0 + 2s).ok);
  EXPECT_EQ(b.size(), 51u);
  EXPECT_TRUE(b.take("new", t0 + 3s).ok);  // the idle ones are full by now: dropped
  EXPECT_EQ(b.size(), 2u);
  // "busy" is remembered: one token refilled in the second since, not a fresh burst of 3.
  EXPECT_TRUE(b.take("busy", t0 + 3s).ok);
  EXPECT_FALSE(b.take("busy", t0 + 3s).ok);
}

TEST(KeyedTokenBuckets, KeepsAtMostMaxKeysDroppingTheLeastRecentlyUsed) {
  using namespace std::chrono_literals;
  keyed_token_buckets b(1.0 / 60, 1, 3);  // one a minute
  const std::chrono::steady_clock::time_point t0{};
  for (const char* k : {"a", "b", "c"}) EXPECT_TRUE(b.take(k, t0).ok);
  EXPECT_FALSE(b.take("a", t0 + 1s).ok);  // "a" is now the most recently used
  EXPECT_TRUE(b.take("d", t0 + 1s).ok);   // evicts "b", the least recently used
  EXPECT_EQ(b.size(), 3u);
  EXPECT_FALSE(b.take("a", t0 + 2s).ok);  // kept: still empty
  EXPECT_FALSE(b.take("c", t0 + 2s).ok);  // kept
  EXPECT_TRUE(b.take("b", t0 + 2s).ok);   // forgotten: a fresh burst (the documented cost)
  EXPECT_EQ(b.size(), 3u);
  for (int i = 0; i < 10'000; ++i) b.take("x" + std::to_string(i), t0 + 3s);
  EXPECT_EQ(b.size(), 3u);
}

}  // namespace
}  // namespace switchboard::gateway
