// RFC 6455 framing as pure functions over bytes: the encoder, and the incremental parser
// that turns a peer's bytes into whole messages and control frames. No sockets here, so
// the fuzz target (fuzz/http_websocket) drives exactly what the sessions run.
//
//   ws::FrameParser p(ws::FrameParser::Role::kServer);   // the peer is a client: masked
//   p.feed(bytes);
//   while (true) {
//     auto ev = p.next();
//     if (!ev) return send_close(ev.error().code, ev.error().reason);  // protocol error
//     if (!*ev) break;                                                  // need more bytes
//     handle((*ev)->opcode, (*ev)->payload);  // kText/kBinary (reassembled), kPing, kPong, kClose
//   }
//
// Strict where kubectl and browsers are strict: RSV bits (no extensions), masking per
// role, control frames unfragmented and <= 125 bytes, continuation order, the 64-bit
// length's top bit, close codes, UTF-8 of text messages and close reasons.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>

namespace v6k::http::ws {

enum class Opcode : uint8_t {
  kContinuation = 0x0,
  kText = 0x1,
  kBinary = 0x2,
  kClose = 0x8,
  kPing = 0x9,
  kPong = 0xA,
};

// Close codes (RFC 6455 section 7.4.1).
inline constexpr uint16_t kCloseNormal = 1000;
inline constexpr uint16_t kCloseGoingAway = 1001;
inline constexpr uint16_t kCloseProtocolError = 1002;
inline constexpr uint16_t kCloseUnsupportedData = 1003;
inline constexpr uint16_t kCloseNoStatus = 1005;   // never sent: "the close frame had no code"
inline constexpr uint16_t kCloseAbnormal = 1006;   // never sent: "no close frame at all"
inline constexpr uint16_t kCloseInvalidPayload = 1007;
inline constexpr uint16_t kClosePolicyViolation = 1008;
inline constexpr uint16_t kCloseTooBig = 1009;
inline constexpr uint16_t kCloseInternalError = 1011;

// One frame. `mask` set: the payload is masked with it (clients must, servers must not).
std::string encode_frame(Opcode op, std::string_view payload, bool fin = true,
                         std::optional<std::array<uint8_t, 4>> mask = std::nullopt);
// The payload of a close frame: code (big endian) + reason; empty for kCloseNoStatus.
std::string close_payload(uint16_t code, std::string_view reason = {});
// Whether `code` may appear in a close frame on the wire.
bool valid_close_code(uint16_t code);
bool valid_utf8(std::string_view s);

// Sec-WebSocket-Accept for a Sec-WebSocket-Key: base64(SHA-1(key + RFC GUID)).
std::string accept_key(std::string_view key);

struct Event {
  Opcode opcode;        // kText/kBinary (a whole message), kPing, kPong, kClose
  std::string payload;  // unmasked; for kClose the raw close payload (see close_code)
};
// For a kClose event: its code (kCloseNoStatus when the payload is empty) and reason.
uint16_t close_code(const Event& e);
std::string_view close_reason(const Event& e);

struct ProtocolError {
  uint16_t code;  // the close code to answer with (1002, 1007, 1009)
  std::string reason;
};

class FrameParser {
 public:
  // kServer parses what a client sends (every frame must be masked); kClient the reverse.
  enum class Role { kServer, kClient };
  explicit FrameParser(Role role, size_t max_message_bytes = 16 << 20);

  void feed(std::string_view bytes);
  // The next complete event, nullopt when more bytes are needed, or the violation. After
  // an error the parser stays failed (every later call returns the same error).
  std::expected<std::optional<Event>, ProtocolError> next();
  size_t buffered() const { return buf_.size() - pos_; }

 private:
  std::expected<std::optional<Event>, ProtocolError> failed(uint16_t code, std::string reason);

  Role role_;
  size_t max_message_bytes_;
  std::string buf_;
  size_t pos_ = 0;  // bytes of buf_ already consumed
  bool in_message_ = false;  // a fragmented data message is being reassembled
  Opcode message_opcode_ = Opcode::kBinary;
  std::string message_;
  std::optional<ProtocolError> error_;
};

}  // namespace v6k::http::ws
