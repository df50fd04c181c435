// Internal to src/addr: small text helpers shared by the address and prefix parsers.
// Error messages quote the caller's input, which may be any bytes (CNI config, AWS
// queries), so it is escaped and truncated before it goes into an Error.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace v6k::addr::detail {

// `text` in double quotes, non-printable bytes as \xNN, cut after 64 bytes with "...".
inline std::string quote(std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  constexpr size_t kMax = 64;
  std::string out = "\"";
  for (size_t i = 0; i < text.size() && i < kMax; ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    }
  }
  if (text.size() > kMax) out += "...";
  out += '"';
  return out;
}

// One byte for a message: 'g', or \xNN when it is not printable.
inline std::string describe_char(char ch) {
  std::string q = quote(std::string_view(&ch, 1));
  return "'" + q.substr(1, q.size() - 2) + "'";
}

}  // namespace v6k::addr::detail
