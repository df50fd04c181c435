#include "http/websocket_frame.h"

#include <openssl/evp.h>
#include <openssl/sha.h>

namespace v6k::http::ws {

namespace {

bool is_control(Opcode op) { return static_cast<uint8_t>(op) >= 0x8; }

bool known_opcode(uint8_t op) { return op <= 0x2 || (op >= 0x8 && op <= 0xA); }

}  // namespace

std::string encode_frame(Opcode op, std::string_view payload, bool fin,
                         std::optional<std::array<uint8_t, 4>> mask) {
  std::string out;
  out.reserve(payload.size() + 14);
  out += static_cast<char>((fin ? 0x80 : 0x00) | static_cast<uint8_t>(op));
  const uint8_t mask_bit = mask ? 0x80 : 0x00;
  const uint64_t n = payload.size();
  if (n < 126) {
    out += static_cast<char>(mask_bit | n);
  } else if (n <= 0xFFFF) {
    out += static_cast<char>(mask_bit | 126);
    out += static_cast<char>(n >> 8);
    out += static_cast<char>(n & 0xFF);
  } else {
    out += static_cast<char>(mask_bit | 127);
    for (int shift = 56; shift >= 0; shift -= 8) out += static_cast<char>((n >> shift) & 0xFF);
  }
  if (!mask) {
    out.append(payload);
    return out;
  }
  for (uint8_t b : *mask) out += static_cast<char>(b);
  const size_t start = out.size();
  out.append(payload);
  for (size_t i = 0; i < payload.size(); ++i) out[start + i] = static_cast<char>(out[start + i] ^ (*mask)[i & 3]);
  return out;
}

std::string close_payload(uint16_t code, std::string_view reason) {
  if (code == kCloseNoStatus) return {};
  std::string out;
  out += static_cast<char>(code >> 8);
  out += static_cast<char>(code & 0xFF);
  out.append(reason.substr(0, 123));  // a control frame carries at most 125 bytes
  return out;
}

bool valid_close_code(uint16_t code) {
  if (code >= 3000 && code <= 4999) return true;
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1011);
}

bool valid_utf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<uint8_t>(s[i]);
    size_t len;
    uint32_t cp;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      len = 2, cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3, cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4, cp = c & 0x07;
    } else {
      return false;
    }
    if (i + len > s.size()) return false;
    for (size_t k = 1; k < len; ++k) {
      auto cc = static_cast<uint8_t>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    // Overlong forms, surrogates and values past U+10FFFF are not UTF-8.
    static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += len;
  }
  return true;
}

std::string accept_key(std::string_view key) {
  std::string in(key);
  in += "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(in.data()), in.size(), digest);
  unsigned char b64[4 * ((SHA_DIGEST_LENGTH + 2) / 3) + 1];
  int n = EVP_EncodeBlock(b64, digest, SHA_DIGEST_LENGTH);
  return std::string(reinterpret_cast<char*>(b64), static_cast<size_t>(n));
}

uint16_t close_code(const Event& e) {
  if (e.payload.size() < 2) return kCloseNoStatus;
  return static_cast<uint16_t>((static_cast<uint8_t>(e.payload[0]) << 8) | static_cast<uint8_t>(e.payload[1]));
}

std::string_view close_reason(const Event& e) {
  if (e.payload.size() <= 2) return {};
  return std::string_view(e.payload).substr(2);
}

FrameParser::FrameParser(Role role, size_t max_message_bytes)
    : role_(role), max_message_bytes_(max_message_bytes) {}

void FrameParser::feed(std::string_view bytes) {
  if (error_) return;
  // Drop what was consumed before growing, so a long session's buffer stays small.
  if (pos_ > 0 && (pos_ == buf_.size() || pos_ >= 65536)) {
    buf_.erase(0, pos_);
    pos_ = 0;
  }
  buf_.append(bytes);
}

std::expected<std::optional<Event>, ProtocolError> FrameParser::failed(uint16_t code, std::string reason) {
  error_ = ProtocolError{code, std::move(reason)};
  return std::unexpected(*error_);
}

std::expected<std::optional<Event>, ProtocolError> FrameParser::next() {
  if (error_) return std::unexpected(*error_);
  for (;;) {
    const size_t avail = buf_.size() - pos_;
    if (avail < 2) return std::nullopt;
    const auto* p = reinterpret_cast<const uint8_t*>(buf_.data() + pos_);
    const bool fin = p[0] & 0x80;
    if (p[0] & 0x70) return failed(kCloseProtocolError, "reserved bits set");
    const uint8_t raw_op = p[0] & 0x0F;
    if (!known_opcode(raw_op)) return failed(kCloseProtocolError, "unknown opcode");
    const auto op = static_cast<Opcode>(raw_op);
    const bool masked = p[1] & 0x80;
    if (masked != (role_ == Role::kServer))
      return failed(kCloseProtocolError, masked ? "masked frame from the server" : "unmasked frame from the client");
    uint64_t len = p[1] & 0x7F;
    size_t header = 2;
    if (len == 126) {
      if (avail < 4) return std::nullopt;
      len = (uint64_t{p[2]} << 8) | p[3];
      header = 4;
    } else if (len == 127) {
      if (avail < 10) return std::nullopt;
      len = 0;
      for (int i = 2; i < 10; ++i) len = (len << 8) | p[i];
      if (len >> 63) return failed(kCloseProtocolError, "frame length has its top bit set");
      header = 10;
    }
    if (is_control(op)) {
      if (!fin) return failed(kCloseProtocolError, "fragmented control frame");
      if (len > 125) return failed(kCloseProtocolError, "control frame longer than 125 bytes");
    } else {
      if (op == Opcode::kContinuation && !in_message_)
        return failed(kCloseProtocolError, "continuation frame without a message");
      if (op != Opcode::kContinuation && in_message_)
        return failed(kCloseProtocolError, "new message before the previous one ended");
      // Checked before buffering the payload, so a huge length cannot make us wait for
      // (and store) more than the limit.
      if (len > max_message_bytes_ || message_.size() + len > max_message_bytes_)
        return failed(kCloseTooBig, "message too big");
    }
    if (masked) header += 4;
    if (avail < header || avail - header < len) return std::nullopt;
    std::string payload(buf_, pos_ + header, static_cast<size_t>(len));
    if (masked) {
      const uint8_t* key = p + header - 4;
      for (size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<char>(payload[i] ^ key[i & 3]);
    }
    pos_ += header + static_cast<size_t>(len);

    if (is_control(op)) {
      Event ev{op, std::move(payload)};
      if (op == Opcode::kClose) {
        if (ev.payload.size() == 1) return failed(kCloseProtocolError, "close frame with a 1-byte payload");
        if (ev.payload.size() >= 2 && !valid_close_code(close_code(ev)))
          return failed(kCloseProtocolError, "invalid close code");
        if (!valid_utf8(close_reason(ev))) return failed(kCloseInvalidPayload, "close reason is not UTF-8");
      }
      return ev;
    }
    if (op != Opcode::kContinuation) {
      message_opcode_ = op;
      message_.clear();
    }
    message_ += payload;
    in_message_ = !fin;
    if (!fin) continue;
    Event ev{message_opcode_, std::move(message_)};
    message_.clear();
    if (ev.opcode == Opcode::kText && !valid_utf8(ev.payload))
      return failed(kCloseInvalidPayload, "text message is not UTF-8");
    return ev;
  }
}

}  // namespace v6k::http::ws
