// IPv6 and IPv4 address parsing and formatting (see ip.h).
//
// Acceptance is exactly glibc's inet_pton (checked by fuzz/addr/fuzz_addr.cc), so a text
// that the kernel tools (ip, ping) take is one we take, and nothing else:
//  - IPv4: four decimal octets 0-255 separated by single dots; an octet with a leading
//    zero ("01", "00") is rejected, as glibc does (it avoids the octal reading of
//    inet_aton). No hex, no fewer than four parts, no whitespace.
//  - IPv6: RFC 4291 section 2.2: groups of 1-4 hex digits (either case), at most one
//    "::" that stands for one or more zero groups, an optional dotted IPv4 as the last
//    32 bits. "::" standing for a single group (1::2:3:4:5:6:7) is allowed, as RFC 4291
//    and glibc allow it; only the formatter follows RFC 5952 and never writes it.
// Errors are built only on the failure path, so a successful parse never allocates.
#include "addr/ip.h"

#include <cstring>

#include "addr/text.h"

namespace v6k::addr {
namespace {

using detail::describe_char;
using detail::quote;

constexpr std::array<int8_t, 256> make_hex_table() {
  std::array<int8_t, 256> t{};
  for (auto& v : t) v = -1;
  for (int c = '0'; c <= '9'; ++c) t[c] = static_cast<int8_t>(c - '0');
  for (int c = 'a'; c <= 'f'; ++c) t[c] = static_cast<int8_t>(c - 'a' + 10);
  for (int c = 'A'; c <= 'F'; ++c) t[c] = static_cast<int8_t>(c - 'A' + 10);
  return t;
}
constexpr std::array<int8_t, 256> kHexValue = make_hex_table();

inline int hex_value(char c) { return kHexValue[static_cast<unsigned char>(c)]; }
inline bool is_digit(char c) { return c >= '0' && c <= '9'; }

std::unexpected<Error> bad_v4(std::string_view text, const std::string& why) {
  return fail_invalid("invalid IPv4 address " + quote(text) + ": " + why);
}
std::unexpected<Error> bad_v6(std::string_view text, const std::string& why) {
  return fail_invalid("invalid IPv6 address " + quote(text) + ": " + why);
}

// The run of decimal digits starting at `from`, for messages.
std::string_view digit_run(std::string_view s, size_t from) {
  size_t end = from;
  while (end < s.size() && is_digit(s[end])) ++end;
  return s.substr(from, end - from);
}

// Why a character cannot appear where it did; names the usual mistakes.
std::string unexpected_char(std::string_view s, size_t pos) {
  char c = s[pos];
  if (c == '%') return "zone ids (\"%...\") are not supported";
  if (c == '[' || c == ']') return "brackets are not part of an address";
  if (c == '/') return "a prefix length is not part of an address";
  return "unexpected character " + describe_char(c) + " at position " + std::to_string(pos + 1);
}

// Dotted quad with glibc inet_pton4 rules; `what` is the text quoted in errors.
Result<uint32_t> parse_v4(std::string_view s, std::string_view what) {
  if (s.empty()) return bad_v4(what, "empty");
  uint32_t value = 0;
  unsigned octet = 0;
  int octets = 0;
  bool saw_digit = false;
  size_t octet_start = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (is_digit(c)) {
      if (saw_digit && octet == 0) {
        return bad_v4(what, "octet " + std::to_string(octets) + " " + quote(digit_run(s, octet_start)) +
                                " has a leading zero");
      }
      octet = octet * 10 + static_cast<unsigned>(c - '0');
      if (!saw_digit) {
        if (++octets > 4) return bad_v4(what, "more than 4 octets");
        saw_digit = true;
        octet_start = i;
      }
      if (octet > 255) {
        return bad_v4(what, "octet " + std::to_string(octets) + " " + quote(digit_run(s, octet_start)) +
                                " is greater than 255");
      }
    } else if (c == '.') {
      if (!saw_digit) {
        if (i == 0) return bad_v4(what, "starts with '.'");
        return bad_v4(what, "empty octet at position " + std::to_string(i + 1));
      }
      if (octets == 4) {
        return bad_v4(what, i + 1 == s.size() ? "ends with '.'" : "more than 4 octets");
      }
      value = (value << 8) | octet;
      octet = 0;
      saw_digit = false;
    } else {
      if (c == ':') return bad_v4(what, "':' in an IPv4 address (IPv6 or a port?)");
      return bad_v4(what, unexpected_char(s, i));
    }
  }
  if (!saw_digit) return bad_v4(what, "ends with '.'");
  if (octets < 4) return bad_v4(what, "only " + std::to_string(octets) + " of 4 octets");
  return (value << 8) | octet;
}

// The number of hex digits in the run at `from` (for the "5 hex digits" message).
size_t hex_run(std::string_view s, size_t from) {
  size_t end = from;
  while (end < s.size() && hex_value(s[end]) >= 0) ++end;
  return end - from;
}

char* put_hex16(char* p, unsigned v) {
  static constexpr char kDigits[] = "0123456789abcdef";
  if (v >= 0x1000) *p++ = kDigits[v >> 12];
  if (v >= 0x100) *p++ = kDigits[(v >> 8) & 0xf];
  if (v >= 0x10) *p++ = kDigits[(v >> 4) & 0xf];
  *p++ = kDigits[v & 0xf];
  return p;
}

char* put_dec8(char* p, unsigned v) {
  if (v >= 100) {
    *p++ = static_cast<char>('0' + v / 100);
    *p++ = static_cast<char>('0' + v / 10 % 10);
  } else if (v >= 10) {
    *p++ = static_cast<char>('0' + v / 10);
  }
  *p++ = static_cast<char>('0' + v % 10);
  return p;
}

char* put_v4(char* p, const uint8_t* b) {
  for (int i = 0; i < 4; ++i) {
    if (i) *p++ = '.';
    p = put_dec8(p, b[i]);
  }
  return p;
}

}  // namespace

// ---------------------------------------------------------------- IPv6

Result<Ipv6Address> Ipv6Address::parse(std::string_view s) {
  if (s.empty()) return bad_v6(s, "empty");
  std::array<uint8_t, 16> out{};
  int groups = 0;       // 16-bit groups written so far (the IPv4 tail counts 2)
  int gap = -1;         // group index where "::" sits
  size_t i = 0;
  if (s[0] == ':') {
    if (s.size() == 1 || s[1] != ':') return bad_v6(s, "leading single ':' (use '::')");
    i = 1;  // the second ':' below opens the gap
  }
  size_t token = i;     // start of the current group, where an IPv4 tail would begin
  unsigned value = 0;
  int digits = 0;
  while (i < s.size()) {
    char c = s[i++];
    int d = hex_value(c);
    if (d >= 0) {
      if (digits == 4) {
        return bad_v6(s, "group " + std::to_string(groups + 1) + " has " +
                             std::to_string(hex_run(s, token)) + " hex digits (at most 4)");
      }
      value = (value << 4) | static_cast<unsigned>(d);
      ++digits;
      continue;
    }
    if (c == ':') {
      token = i;
      if (digits == 0) {  // the second colon of "::"
        if (gap >= 0) {
          bool triple = i >= 3 && s[i - 2] == ':' && s[i - 3] == ':';
          return bad_v6(s, triple ? "':::' is not allowed" : "'::' appears more than once");
        }
        gap = groups;
        continue;
      }
      if (i == s.size()) return bad_v6(s, "trailing single ':'");
      if (groups == 8) return bad_v6(s, "more than 8 groups");
      out[2 * groups] = static_cast<uint8_t>(value >> 8);
      out[2 * groups + 1] = static_cast<uint8_t>(value);
      ++groups;
      value = 0;
      digits = 0;
      continue;
    }
    if (c == '.') {
      std::string_view tail = s.substr(token);
      if (tail.find(':') != std::string_view::npos) {
        return bad_v6(s, "an embedded IPv4 address must be the last 32 bits");
      }
      if (groups + 2 > 8) return bad_v6(s, "embedded IPv4 address after 7 or more groups");
      auto v4 = parse_v4(tail, tail);
      if (!v4) return fail(std::move(v4.error()).wrap("invalid IPv6 address " + quote(s)));
      uint32_t v = *v4;
      out[2 * groups] = static_cast<uint8_t>(v >> 24);
      out[2 * groups + 1] = static_cast<uint8_t>(v >> 16);
      out[2 * groups + 2] = static_cast<uint8_t>(v >> 8);
      out[2 * groups + 3] = static_cast<uint8_t>(v);
      groups += 2;
      digits = 0;
      break;
    }
    return bad_v6(s, unexpected_char(s, i - 1));
  }
  if (digits > 0) {
    if (groups == 8) return bad_v6(s, "more than 8 groups");
    out[2 * groups] = static_cast<uint8_t>(value >> 8);
    out[2 * groups + 1] = static_cast<uint8_t>(value);
    ++groups;
  }
  if (gap >= 0) {
    if (groups == 8) return bad_v6(s, "'::' with 8 groups leaves no zero group to stand for");
    // Move the groups after the gap to the end; the gap is already zero-filled.
    int after = groups - gap;
    std::memmove(&out[16 - 2 * after], &out[2 * gap], static_cast<size_t>(2 * after));
    std::memset(&out[2 * gap], 0, static_cast<size_t>(16 - 2 * after - 2 * gap));
  } else if (groups != 8) {
    if (s.find(':') == std::string_view::npos) return bad_v6(s, "this is an IPv4 address, not IPv6");
    return bad_v6(s, "only " + std::to_string(groups) + " of 8 groups and no '::'");
  }
  return Ipv6Address(out);
}

Ipv6Address Ipv6Address::from_u128(u128 v) {
  std::array<uint8_t, 16> b;
  for (int i = 15; i >= 0; --i) {
    b[static_cast<size_t>(i)] = static_cast<uint8_t>(v);
    v >>= 8;
  }
  return Ipv6Address(b);
}

u128 Ipv6Address::to_u128() const {
  u128 v = 0;
  for (uint8_t b : bytes_) v = (v << 8) | b;
  return v;
}

bool Ipv6Address::is_unspecified() const {
  for (uint8_t b : bytes_) {
    if (b) return false;
  }
  return true;
}

bool Ipv6Address::is_link_local() const { return bytes_[0] == 0xfe && (bytes_[1] & 0xc0) == 0x80; }

bool Ipv6Address::is_v4_mapped() const {
  for (int i = 0; i < 10; ++i) {
    if (bytes_[static_cast<size_t>(i)]) return false;
  }
  return bytes_[10] == 0xff && bytes_[11] == 0xff;
}

// RFC 5952 section 4: lowercase, no leading zeros, the longest run of two or more zero
// groups becomes "::" (the first such run on a tie), a lone zero group stays "0";
// section 5: IPv4-mapped addresses (::ffff:0:0/96) end in dotted decimal.
std::string Ipv6Address::to_string() const {
  char buf[48];
  char* p = buf;
  if (is_v4_mapped()) {
    std::memcpy(p, "::ffff:", 7);
    p = put_v4(p + 7, &bytes_[12]);
    return std::string(buf, p);
  }
  unsigned w[8];
  for (int i = 0; i < 8; ++i) w[i] = (unsigned{bytes_[2 * i]} << 8) | bytes_[2 * i + 1];
  int best = -1, best_len = 0;
  for (int i = 0; i < 8;) {
    if (w[i] != 0) {
      ++i;
      continue;
    }
    int j = i;
    while (j < 8 && w[j] == 0) ++j;
    if (j - i > best_len) {
      best = i;
      best_len = j - i;
    }
    i = j;
  }
  if (best_len < 2) best = -1, best_len = 0;
  for (int i = 0; i < 8;) {
    if (i == best) {
      *p++ = ':';
      *p++ = ':';
      i += best_len;
      continue;
    }
    if (i > 0 && i != best + best_len) *p++ = ':';
    p = put_hex16(p, w[i]);
    ++i;
  }
  return std::string(buf, p);
}

// ---------------------------------------------------------------- IPv4

Result<Ipv4Address> Ipv4Address::parse(std::string_view text) {
  auto v = parse_v4(text, text);
  if (!v) return fail(std::move(v.error()));
  return Ipv4Address(*v);
}

std::array<uint8_t, 4> Ipv4Address::bytes() const {
  return {static_cast<uint8_t>(value_ >> 24), static_cast<uint8_t>(value_ >> 16),
          static_cast<uint8_t>(value_ >> 8), static_cast<uint8_t>(value_)};
}

std::string Ipv4Address::to_string() const {
  char buf[16];
  auto b = bytes();
  char* p = put_v4(buf, b.data());
  return std::string(buf, p);
}

}  // namespace v6k::addr
