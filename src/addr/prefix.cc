// IPv6/IPv4 prefixes, interface addresses and the either-family helpers (see ip.h).
//
// Prefix text is "addr/len". The length is plain decimal: 0..128 (IPv6) or 0..32 (IPv4),
// no sign, no whitespace, and no leading zero: "/064" is rejected because iproute2 reads
// it with strtoul(base 0) as octal 52 while Python's ipaddress reads 64; the text is
// ambiguous, so we say so instead of guessing. A prefix must have every host bit zero;
// the error names the network the caller probably meant. An IpInterface keeps its host
// bits.
//
// All arithmetic is on u128/uint32_t values; a shift by the full width (for /0, /128,
// /32 and "all host bits") is undefined in C++, so every such shift is guarded.
#include <variant>

#include "addr/ip.h"
#include "addr/text.h"

namespace v6k::addr {
namespace {

using detail::quote;

u128 mask128(int len) { return len == 0 ? u128{0} : ~u128{0} << (128 - len); }
uint32_t mask32(int len) { return len == 0 ? 0u : ~uint32_t{0} << (32 - len); }

std::string u128_to_string(u128 v) {
  if (v == 0) return "0";
  char buf[40];
  char* p = buf + sizeof buf;
  while (v) {
    *--p = static_cast<char>('0' + static_cast<int>(v % 10));
    v /= 10;
  }
  return std::string(p, buf + sizeof buf);
}

// The decimal length after '/', 0..max.
Result<int> parse_length(std::string_view s, int max) {
  if (s.empty()) return fail_invalid("empty prefix length after '/'");
  if (s[0] == '-') return fail_invalid("prefix length " + quote(s) + " is negative");
  if (s[0] == '+') return fail_invalid("prefix length " + quote(s) + " must not have a sign");
  for (char c : s) {
    if (c < '0' || c > '9') return fail_invalid("prefix length " + quote(s) + " is not a decimal number");
  }
  if (s.size() > 1 && s[0] == '0') {
    return fail_invalid("prefix length " + quote(s) + " has a leading zero");
  }
  if (s.size() > 3) return fail_invalid("prefix length " + std::string(s) + " > " + std::to_string(max));
  int len = 0;
  for (char c : s) len = len * 10 + (c - '0');
  if (len > max) return fail_invalid("prefix length " + std::to_string(len) + " > " + std::to_string(max));
  return len;
}

Result<> check_length(int len, int max) {
  if (len < 0) return fail_invalid("prefix length " + std::to_string(len) + " is negative");
  if (len > max) return fail_invalid("prefix length " + std::to_string(len) + " > " + std::to_string(max));
  return {};
}

// Splits "addr/len"; the error names the missing part.
Result<std::pair<std::string_view, std::string_view>> split_slash(std::string_view text) {
  size_t slash = text.find('/');
  if (slash == std::string_view::npos) return fail_invalid("missing \"/length\"");
  return std::pair{text.substr(0, slash), text.substr(slash + 1)};
}

std::unexpected<Error> wrapped(Error e, const char* what, std::string_view text) {
  return fail(std::move(e).wrap(std::string("invalid ") + what + " " + quote(text)));
}

}  // namespace

// ---------------------------------------------------------------- IPv6

Result<Ipv6Prefix> Ipv6Prefix::parse(std::string_view text) {
  auto parts = split_slash(text);
  if (!parts) return wrapped(std::move(parts.error()), "IPv6 prefix", text);
  auto a = Ipv6Address::parse(parts->first);
  if (!a) return wrapped(std::move(a.error()), "IPv6 prefix", text);
  auto len = parse_length(parts->second, 128);
  if (!len) return wrapped(std::move(len.error()), "IPv6 prefix", text);
  auto p = make(*a, *len);  // cannot fail: length checked
  if (p->address() != *a) {
    return wrapped(Error::invalid("host bits set (the /" + std::to_string(*len) + " network is " +
                                  p->to_string() + ")"),
                   "IPv6 prefix", text);
  }
  return p;
}

Result<Ipv6Prefix> Ipv6Prefix::make(const Ipv6Address& any, int length) {
  V6K_TRY(check_length(length, 128), "making an IPv6 prefix");
  Ipv6Prefix p;
  p.base_ = Ipv6Address::from_u128(any.to_u128() & mask128(length));
  p.len_ = length;
  return p;
}

std::string Ipv6Prefix::to_string() const { return base_.to_string() + "/" + std::to_string(len_); }

bool Ipv6Prefix::contains(const Ipv6Address& a) const {
  return ((a.to_u128() ^ base_.to_u128()) & mask128(len_)) == 0;
}

bool Ipv6Prefix::contains(const Ipv6Prefix& p) const { return p.len_ >= len_ && contains(p.base_); }

bool Ipv6Prefix::overlaps(const Ipv6Prefix& p) const { return contains(p.base_) || p.contains(base_); }

u128 Ipv6Prefix::size() const { return len_ == 0 ? ~u128{0} : u128{1} << (128 - len_); }

Ipv6Address Ipv6Prefix::last() const { return Ipv6Address::from_u128(base_.to_u128() | ~mask128(len_)); }

Result<Ipv6Prefix> Ipv6Prefix::subprefix(int new_len, u128 index) const {
  std::string ctx = "carving a /" + std::to_string(new_len) + " from " + to_string();
  if (new_len > 128) return fail(Error::invalid("prefix length " + std::to_string(new_len) + " > 128").wrap(ctx));
  if (new_len < len_) return fail(Error::invalid("new length is shorter than the prefix").wrap(ctx));
  int bits = new_len - len_;
  if (bits < 128 && (index >> bits) != 0) {
    return fail(Error::invalid("index " + u128_to_string(index) + " out of range (there are 2^" +
                               std::to_string(bits) + " sub-prefixes)")
                    .wrap(ctx));
  }
  u128 offset = new_len == 0 ? u128{0} : index << (128 - new_len);
  Ipv6Prefix p;
  p.base_ = Ipv6Address::from_u128(base_.to_u128() | offset);
  p.len_ = new_len;
  return p;
}

// For ::/0 every u128 offset is inside, although size() saturates at 2^128-1.
Result<Ipv6Address> Ipv6Prefix::at(u128 offset) const {
  int bits = host_bits();
  if (bits < 128 && (offset >> bits) != 0) {
    return fail_invalid("offset " + u128_to_string(offset) + " is outside " + to_string() + " (2^" +
                        std::to_string(bits) + " addresses)");
  }
  return Ipv6Address::from_u128(base_.to_u128() | offset);
}

// The host bits of `a`; for an address outside the prefix that is still its host part,
// not a distance from the base (callers check contains() first).
u128 Ipv6Prefix::offset_of(const Ipv6Address& a) const { return a.to_u128() & ~mask128(len_); }

// ---------------------------------------------------------------- IPv4

Result<Ipv4Prefix> Ipv4Prefix::parse(std::string_view text) {
  auto parts = split_slash(text);
  if (!parts) return wrapped(std::move(parts.error()), "IPv4 prefix", text);
  auto a = Ipv4Address::parse(parts->first);
  if (!a) return wrapped(std::move(a.error()), "IPv4 prefix", text);
  auto len = parse_length(parts->second, 32);
  if (!len) return wrapped(std::move(len.error()), "IPv4 prefix", text);
  auto p = make(*a, *len);
  if (p->address() != *a) {
    return wrapped(Error::invalid("host bits set (the /" + std::to_string(*len) + " network is " +
                                  p->to_string() + ")"),
                   "IPv4 prefix", text);
  }
  return p;
}

Result<Ipv4Prefix> Ipv4Prefix::make(const Ipv4Address& any, int length) {
  V6K_TRY(check_length(length, 32), "making an IPv4 prefix");
  Ipv4Prefix p;
  p.base_ = Ipv4Address(any.to_u32() & mask32(length));
  p.len_ = length;
  return p;
}

std::string Ipv4Prefix::to_string() const { return base_.to_string() + "/" + std::to_string(len_); }

bool Ipv4Prefix::contains(const Ipv4Address& a) const {
  return ((a.to_u32() ^ base_.to_u32()) & mask32(len_)) == 0;
}

bool Ipv4Prefix::contains(const Ipv4Prefix& p) const { return p.len_ >= len_ && contains(p.base_); }

bool Ipv4Prefix::overlaps(const Ipv4Prefix& p) const { return contains(p.base_) || p.contains(base_); }

uint64_t Ipv4Prefix::size() const { return uint64_t{1} << (32 - len_); }

Ipv4Address Ipv4Prefix::last() const { return Ipv4Address(base_.to_u32() | ~mask32(len_)); }

Result<Ipv4Prefix> Ipv4Prefix::subprefix(int new_len, uint64_t index) const {
  std::string ctx = "carving a /" + std::to_string(new_len) + " from " + to_string();
  if (new_len > 32) return fail(Error::invalid("prefix length " + std::to_string(new_len) + " > 32").wrap(ctx));
  if (new_len < len_) return fail(Error::invalid("new length is shorter than the prefix").wrap(ctx));
  int bits = new_len - len_;
  if ((index >> bits) != 0) {
    return fail(Error::invalid("index " + std::to_string(index) + " out of range (there are " +
                               std::to_string(uint64_t{1} << bits) + " sub-prefixes)")
                    .wrap(ctx));
  }
  uint32_t offset = new_len == 0 ? 0u : static_cast<uint32_t>(index << (32 - new_len));
  Ipv4Prefix p;
  p.base_ = Ipv4Address(base_.to_u32() | offset);
  p.len_ = new_len;
  return p;
}

Result<Ipv4Address> Ipv4Prefix::at(uint64_t offset) const {
  if (offset >= size()) {
    return fail_invalid("offset " + std::to_string(offset) + " is outside " + to_string() + " (" +
                        std::to_string(size()) + " addresses)");
  }
  return Ipv4Address(base_.to_u32() | static_cast<uint32_t>(offset));
}

uint64_t Ipv4Prefix::offset_of(const Ipv4Address& a) const { return a.to_u32() & ~mask32(len_); }

// ---------------------------------------------------------------- either family

// A text with a ':' can only be IPv6 and one without can only be IPv4, so the error
// comes from the family the caller evidently meant.
Result<IpAddress> parse_ip(std::string_view text) {
  if (text.find(':') != std::string_view::npos) {
    auto a = Ipv6Address::parse(text);
    if (!a) return fail(std::move(a.error()));
    return IpAddress(*a);
  }
  auto a = Ipv4Address::parse(text);
  if (!a) return fail(std::move(a.error()));
  return IpAddress(*a);
}

std::string to_string(const IpAddress& a) {
  return std::visit([](const auto& x) { return x.to_string(); }, a);
}

Result<IpInterface> IpInterface::parse(std::string_view text) {
  auto parts = split_slash(text);
  if (!parts) return wrapped(std::move(parts.error()), "interface address", text);
  auto a = parse_ip(parts->first);
  if (!a) return wrapped(std::move(a.error()), "interface address", text);
  auto len = parse_length(parts->second, is_v6(*a) ? 128 : 32);
  if (!len) return wrapped(std::move(len.error()), "interface address", text);
  return IpInterface{*a, *len};
}

std::string IpInterface::to_string() const {
  return addr::to_string(address) + "/" + std::to_string(prefix_length);
}

}  // namespace v6k::addr
