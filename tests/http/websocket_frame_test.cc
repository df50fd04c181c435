// RFC 6455 framing without sockets: the RFC's own examples, every length form, and a
// table of violations with the close code each must produce.
#include <gtest/gtest.h>

#include <vector>

#include "http/websocket_frame.h"

namespace v6k::http::ws {
namespace {

std::string bytes(std::initializer_list<int> b) {
  std::string s;
  for (int x : b) s += static_cast<char>(x);
  return s;
}

std::string hex(std::string_view s) {
  static const char* d = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) (out += d[c >> 4]) += d[c & 15];
  return out;
}

constexpr std::array<uint8_t, 4> kMask = {0x37, 0xfa, 0x21, 0x3d};  // RFC 6455 5.7

TEST(WebSocketFrame, AcceptKeyMatchesRfcExample) {
  EXPECT_EQ(accept_key("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

TEST(WebSocketFrame, EncodesRfcExamples) {
  EXPECT_EQ(hex(encode_frame(Opcode::kText, "Hello")), "810548656c6c6f");
  EXPECT_EQ(hex(encode_frame(Opcode::kText, "Hello", true, kMask)), "818537fa213d7f9f4d5158");
  EXPECT_EQ(hex(encode_frame(Opcode::kText, "Hel", false)), "010348656c");
  EXPECT_EQ(hex(encode_frame(Opcode::kContinuation, "lo")), "80026c6f");
  EXPECT_EQ(hex(encode_frame(Opcode::kPing, "Hello")), "890548656c6c6f");
  // kubectl's stdout "hi\n" as the reference shows it.
  EXPECT_EQ(hex(encode_frame(Opcode::kBinary, std::string("\x01hi\n", 4))), "82040168690a");
  EXPECT_EQ(hex(encode_frame(Opcode::kClose, close_payload(1000))), "880203e8");
}

TEST(WebSocketFrame, LengthForms) {
  struct Case {
    size_t n;
    std::string header;
  } cases[] = {{125, "827d"}, {126, "827e007e"}, {65535, "827effff"}, {65536, "827f0000000000010000"}};
  for (const auto& c : cases) {
    auto f = encode_frame(Opcode::kBinary, std::string(c.n, 'x'));
    EXPECT_EQ(hex(f.substr(0, c.header.size() / 2)), c.header) << c.n;
    EXPECT_EQ(f.size(), c.header.size() / 2 + c.n);
    FrameParser p(FrameParser::Role::kClient);
    p.feed(f);
    auto ev = p.next();
    ASSERT_TRUE(ev && *ev) << c.n;
    EXPECT_EQ((*ev)->payload.size(), c.n);
  }
}

TEST(WebSocketFrame, ReassemblesFragmentsAroundAPingFedByteByByte) {
  std::string in = encode_frame(Opcode::kBinary, "ab", false, kMask) + encode_frame(Opcode::kPing, "p1", true, kMask) +
                   encode_frame(Opcode::kContinuation, "cd", false, kMask) +
                   encode_frame(Opcode::kContinuation, "ef", true, kMask) + encode_frame(Opcode::kText, "z", true, kMask);
  FrameParser p(FrameParser::Role::kServer);
  std::vector<Event> got;
  for (char c : in) {
    p.feed(std::string_view(&c, 1));
    for (;;) {
      auto ev = p.next();
      ASSERT_TRUE(ev) << ev.error().reason;
      if (!*ev) break;
      got.push_back(std::move(**ev));
    }
  }
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].opcode, Opcode::kPing);
  EXPECT_EQ(got[0].payload, "p1");
  EXPECT_EQ(got[1].opcode, Opcode::kBinary);
  EXPECT_EQ(got[1].payload, "abcdef");
  EXPECT_EQ(got[2].opcode, Opcode::kText);
  EXPECT_EQ(got[2].payload, "z");
  EXPECT_EQ(p.buffered(), 0u);
}

TEST(WebSocketFrame, CloseEvents) {
  FrameParser p(FrameParser::Role::kServer);
  p.feed(encode_frame(Opcode::kClose, close_payload(4001, "bye"), true, kMask) + encode_frame(Opcode::kClose, "", true, kMask));
  auto a = p.next();
  ASSERT_TRUE(a && *a);
  EXPECT_EQ(close_code(**a), 4001);
  EXPECT_EQ(close_reason(**a), "bye");
  auto b = p.next();
  ASSERT_TRUE(b && *b);
  EXPECT_EQ(close_code(**b), kCloseNoStatus);
}

TEST(WebSocketFrame, Violations) {
  const auto m = std::optional(kMask);
  struct Case {
    const char* name;
    FrameParser::Role role;
    std::string in;
    uint16_t code;
  } cases[] = {
      {"unmasked from client", FrameParser::Role::kServer, encode_frame(Opcode::kBinary, "x"), kCloseProtocolError},
      {"masked from server", FrameParser::Role::kClient, encode_frame(Opcode::kBinary, "x", true, m), kCloseProtocolError},
      {"rsv1", FrameParser::Role::kClient, bytes({0xC2, 0x00}), kCloseProtocolError},
      {"opcode 3", FrameParser::Role::kClient, bytes({0x83, 0x00}), kCloseProtocolError},
      {"opcode 0xB", FrameParser::Role::kClient, bytes({0x8B, 0x00}), kCloseProtocolError},
      {"fragmented ping", FrameParser::Role::kClient, bytes({0x09, 0x00}), kCloseProtocolError},
      {"long ping", FrameParser::Role::kClient, encode_frame(Opcode::kPing, std::string(126, 'p')), kCloseProtocolError},
      {"orphan continuation", FrameParser::Role::kClient, encode_frame(Opcode::kContinuation, "x"), kCloseProtocolError},
      {"message inside message", FrameParser::Role::kClient,
       encode_frame(Opcode::kBinary, "a", false) + encode_frame(Opcode::kBinary, "b"), kCloseProtocolError},
      {"64-bit length top bit", FrameParser::Role::kClient, bytes({0x82, 0x7F, 0x80, 0, 0, 0, 0, 0, 0, 0}),
       kCloseProtocolError},
      {"too big", FrameParser::Role::kClient, bytes({0x82, 0x7F, 0, 0, 0, 1, 0, 0, 0, 0}), kCloseTooBig},
      {"too big in fragments", FrameParser::Role::kClient,
       encode_frame(Opcode::kBinary, std::string(600, 'a'), false) + encode_frame(Opcode::kContinuation, std::string(600, 'b')),
       kCloseTooBig},
      {"text not utf-8", FrameParser::Role::kClient, encode_frame(Opcode::kText, "\xC3\x28"), kCloseInvalidPayload},
      {"overlong utf-8", FrameParser::Role::kClient, encode_frame(Opcode::kText, "\xC0\xAF"), kCloseInvalidPayload},
      {"surrogate", FrameParser::Role::kClient, encode_frame(Opcode::kText, "\xED\xA0\x80"), kCloseInvalidPayload},
      {"close 1 byte", FrameParser::Role::kClient, encode_frame(Opcode::kClose, "\x03"), kCloseProtocolError},
      {"close 1005 on the wire", FrameParser::Role::kClient, encode_frame(Opcode::kClose, bytes({0x03, 0xED})),
       kCloseProtocolError},
      {"close 999", FrameParser::Role::kClient, encode_frame(Opcode::kClose, bytes({0x03, 0xE7})), kCloseProtocolError},
      {"close reason not utf-8", FrameParser::Role::kClient, encode_frame(Opcode::kClose, bytes({0x03, 0xE8, 0xFF})),
       kCloseInvalidPayload},
  };
  for (const auto& c : cases) {
    FrameParser p(c.role, 1000);
    p.feed(c.in);
    std::expected<std::optional<Event>, ProtocolError> ev;
    do ev = p.next();
    while (ev && *ev);
    ASSERT_FALSE(ev) << c.name;
    EXPECT_EQ(ev.error().code, c.code) << c.name << ": " << ev.error().reason;
    p.feed(encode_frame(Opcode::kBinary, "ok"));  // stays failed
    EXPECT_FALSE(p.next()) << c.name;
  }
}

TEST(WebSocketFrame, Utf8) {
  EXPECT_TRUE(valid_utf8("plain ascii"));
  EXPECT_TRUE(valid_utf8("\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80"));  // é € 😀
  EXPECT_FALSE(valid_utf8("\xF4\x90\x80\x80"));                      // > U+10FFFF
  EXPECT_FALSE(valid_utf8("\xE2\x82"));                              // truncated
}

}  // namespace
}  // namespace v6k::http::ws
