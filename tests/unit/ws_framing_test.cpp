#include "gateway/protocol/ws_framing.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace switchboard::gateway::ws {
namespace {

// A client's frame as a browser writes it: masked, with the given first byte's flags.
std::string client_frame(std::uint8_t op, std::string_view payload, bool fin = true, bool masked = true,
                         std::uint8_t rsv = 0) {
  std::string f;
  f.push_back(static_cast<char>((fin ? 0x80 : 0) | rsv | op));
  const std::uint8_t mask_bit = masked ? 0x80 : 0;
  if (payload.size() < 126) {
    f.push_back(static_cast<char>(mask_bit | payload.size()));
  } else if (payload.size() <= 0xFFFF) {
    f.push_back(static_cast<char>(mask_bit | 126));
    f.push_back(static_cast<char>(payload.size() >> 8));
    f.push_back(static_cast<char>(payload.size() & 0xFF));
  } else {
    f.push_back(static_cast<char>(mask_bit | 127));
    for (int i = 7; i >= 0; --i) f.push_back(static_cast<char>((payload.size() >> (8 * i)) & 0xFF));
  }
  const char key[4] = {'\x12', '\x34', '\x56', '\x78'};
  if (masked) f.append(key, 4);
  for (std::size_t i = 0; i < payload.size(); ++i) f.push_back(masked ? static_cast<char>(payload[i] ^ key[i & 3]) : payload[i]);
  return f;
}

struct recorder : frame_handler {
  std::vector<std::string> events;
  void on_message(bool binary, std::string&& p) override { events.push_back((binary ? "bin:" : "text:") + p); }
  void on_ping(std::string_view p) override { events.push_back("ping:" + std::string(p)); }
  void on_pong(std::string_view p) override { events.push_back("pong:" + std::string(p)); }
  void on_close(std::uint16_t code, std::string_view reason) override {
    events.push_back("close:" + std::to_string(code) + ":" + std::string(reason));
  }
  void on_violation(std::uint16_t code, std::string_view) override { events.push_back("violation:" + std::to_string(code)); }
};

std::vector<std::string> read_all(std::string_view bytes, std::size_t max = 1 << 20) {
  frame_reader r(max);
  recorder h;
  r.feed(bytes, h);
  return h.events;
}

std::vector<std::string> read_bytewise(std::string_view bytes, std::size_t max = 1 << 20) {
  frame_reader r(max);
  recorder h;
  for (char c : bytes) r.feed(std::string_view(&c, 1), h);
  return h.events;
}

TEST(WsFraming, AcceptKeyIsTheRfcExample) {
  EXPECT_EQ(accept_key("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");  // RFC 6455 §1.3
  EXPECT_TRUE(valid_client_key("dGhlIHNhbXBsZSBub25jZQ=="));
  EXPECT_FALSE(valid_client_key("dGhlIHNhbXBsZSBub25jZQ"));     // not 16 bytes
  EXPECT_FALSE(valid_client_key("dGhlIHNhbXBsZSBub25j*Q=="));  // not base64
  const auto r = handshake_response("dGhlIHNhbXBsZSBub25jZQ==", "switchboard.v1.json");
  EXPECT_EQ(r.rfind("HTTP/1.1 101 Switching Protocols\r\n", 0), 0u);
  EXPECT_NE(r.find("\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"), std::string::npos);
  EXPECT_NE(r.find("\r\nSec-WebSocket-Protocol: switchboard.v1.json\r\n"), std::string::npos);
  EXPECT_EQ(r.substr(r.size() - 4), "\r\n\r\n");
}

TEST(WsFraming, ReadsTheRfcMaskedExample) {
  // RFC 6455 §5.7: a single-frame masked text message containing "Hello".
  const std::string hello = "\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58";
  EXPECT_EQ(read_all(hello), std::vector<std::string>{"text:Hello"});
  EXPECT_EQ(read_bytewise(hello), std::vector<std::string>{"text:Hello"});
}

TEST(WsFraming, ByteAtATimeReadsWhatAWholeBufferReads) {
  std::string stream;
  stream += client_frame(1, "");
  stream += client_frame(2, std::string(125, 'a'));
  stream += client_frame(2, std::string(126, 'b'));
  stream += client_frame(1, std::string(65535, 'c'));
  stream += client_frame(2, std::string(65536, 'd'));
  // A fragmented message with a ping between its fragments (§5.4 allows control frames there).
  stream += client_frame(1, "frag", false);
  stream += client_frame(9, "are you there", true);
  stream += client_frame(0, "men", false);
  stream += client_frame(0, "ted \xc3\xa9", true);
  stream += client_frame(10, "");
  stream += client_frame(8, std::string("\x03\xe8", 2) + "bye");
  stream += client_frame(1, "after the close: ignored");
  const auto whole = read_all(stream);
  ASSERT_EQ(whole.size(), 9u);
  EXPECT_EQ(whole[0], "text:");
  EXPECT_EQ(whole[1], "bin:" + std::string(125, 'a'));
  EXPECT_EQ(whole[2], "bin:" + std::string(126, 'b'));
  EXPECT_EQ(whole[3], "text:" + std::string(65535, 'c'));
  EXPECT_EQ(whole[4], "bin:" + std::string(65536, 'd'));
  EXPECT_EQ(whole[5], "ping:are you there");
  EXPECT_EQ(whole[6], "text:fragmented \xc3\xa9");
  EXPECT_EQ(whole[7], "pong:");
  EXPECT_EQ(whole[8], "close:1000:bye");
  EXPECT_EQ(read_bytewise(stream), whole);
}

TEST(WsFraming, AnEmptyCloseFrameMeansNoStatus) {
  EXPECT_EQ(read_all(client_frame(8, "")), std::vector<std::string>{"close:1005:"});
}

TEST(WsFraming, ProtocolViolationsStopTheReaderWithTheirCode) {
  const std::string ok = client_frame(1, "fine");
  struct bad_case {
    std::string bytes;
    const char* expected;
  };
  const std::vector<bad_case> cases = {
      {client_frame(1, "x", true, false), "violation:1002"},                          // not masked
      {client_frame(1, "x", true, true, 0x40), "violation:1002"},                     // RSV1 without an extension
      {client_frame(3, "x"), "violation:1002"},                                       // unknown opcode
      {client_frame(9, "x", false), "violation:1002"},                                // fragmented ping
      {client_frame(9, std::string(126, 'p')), "violation:1002"},                     // control frame over 125
      {client_frame(0, "x"), "violation:1002"},                                       // continuation of nothing
      {client_frame(1, "a", false) + client_frame(1, "b"), "violation:1002"},         // new message mid-message
      {client_frame(1, "\xc0\x80"), "violation:1007"},                                // overlong UTF-8 text
      {client_frame(8, "\x03"), "violation:1002"},                                    // one-byte close
      {client_frame(8, std::string("\x03\xed", 2)), "violation:1002"},                // close code 1005 sent
      {client_frame(8, std::string("\x03\xe8\xff", 3)), "violation:1007"},            // close reason not UTF-8
      {client_frame(2, std::string(101, 'x')), "violation:1009"},                     // over the limit
      {client_frame(2, std::string(60, 'x'), false) + client_frame(0, std::string(60, 'y')), "violation:1009"},
  };
  for (const auto& c : cases) {
    const auto got = read_all(c.bytes + ok, 100);
    ASSERT_EQ(got.size(), 1u) << testing::PrintToString(c.bytes);
    EXPECT_EQ(got[0], c.expected) << testing::PrintToString(c.bytes);
    EXPECT_EQ(read_bytewise(c.bytes + ok, 100), got) << testing::PrintToString(c.bytes);
  }
}

TEST(WsFraming, PartialSaysWhetherAMessageIsHalfRead) {
  frame_reader r(1000);
  recorder h;
  const auto f = client_frame(1, "hello");
  EXPECT_FALSE(r.partial());
  r.feed(std::string_view(f).substr(0, 1), h);
  EXPECT_TRUE(r.partial());
  r.feed(std::string_view(f).substr(1), h);
  EXPECT_FALSE(r.partial());
  r.feed(client_frame(1, "a", false), h);
  EXPECT_TRUE(r.partial());  // between fragments
  r.feed(client_frame(0, "b"), h);
  EXPECT_FALSE(r.partial());
  EXPECT_EQ(h.events, (std::vector<std::string>{"text:hello", "text:ab"}));
}

TEST(WsFraming, HeadersUseTheShortestLength) {
  EXPECT_EQ(make_header(opcode::text, 0).size, 2);
  EXPECT_EQ(make_header(opcode::text, 125).size, 2);
  EXPECT_EQ(make_header(opcode::binary, 126).size, 4);
  EXPECT_EQ(make_header(opcode::binary, 65535).size, 4);
  const auto big = make_header(opcode::binary, 65536);
  ASSERT_EQ(big.size, 10);
  EXPECT_EQ(big.bytes[0], 0x82);
  EXPECT_EQ(big.bytes[1], 127);
  EXPECT_EQ(big.bytes[7], 1);  // 0x00000000'00010000
  const auto close = make_header(opcode::close, 2);
  EXPECT_EQ(close.bytes[0], 0x88);
  EXPECT_EQ(close.bytes[1], 2);
}

TEST(WsFraming, Utf8Validation) {
  EXPECT_TRUE(valid_utf8("plain"));
  EXPECT_TRUE(valid_utf8("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"));  // é € 😀
  EXPECT_TRUE(valid_utf8("\xf4\x8f\xbf\xbf"));                              // U+10FFFF
  EXPECT_FALSE(valid_utf8("\xc0\x80"));                                     // overlong NUL
  EXPECT_FALSE(valid_utf8("\xe0\x80\x80"));                                 // overlong
  EXPECT_FALSE(valid_utf8("\xed\xa0\x80"));                                 // a surrogate
  EXPECT_FALSE(valid_utf8("\xf4\x90\x80\x80"));                             // past U+10FFFF
  EXPECT_FALSE(valid_utf8("\xe2\x82"));                                     // cut short
  EXPECT_FALSE(valid_utf8("\x80"));                                         // a lone continuation
}

TEST(WsFraming, CloseReasonsFitAControlFrameWithoutCuttingACharacter) {
  const std::string reason = std::string(122, 'r') + "\xc3\xa9";  // 124 bytes, é straddles 123
  const auto p = close_payload(1008, reason);
  EXPECT_EQ(p.size(), 2u + 122u);
  EXPECT_EQ(p.substr(0, 2), std::string("\x03\xf0", 2));
  EXPECT_TRUE(valid_utf8(std::string_view(p).substr(2)));
}

}  // namespace
}  // namespace switchboard::gateway::ws
