// IPv6 and IPv4 addresses and prefixes: parsing every RFC 4291 / dotted-quad text form,
// RFC 5952 canonical formatting, containment, overlap and prefix carving.
//
//   auto p = Ipv6Prefix::parse("2001:db8:0:1::/64").value();
//   Ipv6Prefix node = p.subprefix(80, 3).value();      // 2001:db8:0:1:3::/80
//   Ipv6Address pod = node.at(5).value();              // 2001:db8:0:1:3::5
//   node.contains(pod) == true;  pod.to_string() == "2001:db8:0:1:3::5"
//
// Parse errors say what is wrong ("group 3 has 5 hex digits", "prefix length 129 > 128").
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "common/result.h"

namespace v6k::addr {

using u128 = unsigned __int128;

class Ipv6Address {
 public:
  Ipv6Address() = default;  // ::
  explicit Ipv6Address(const std::array<uint8_t, 16>& b) : bytes_(b) {}
  // Accepts every RFC 4291 text form: full, zero-compressed, leading zeros in a group
  // (up to 4 hex digits), embedded dotted IPv4 in the last 32 bits. No zone ids, no brackets.
  static Result<Ipv6Address> parse(std::string_view text);
  static Ipv6Address from_u128(u128 v);

  std::string to_string() const;  // RFC 5952 canonical form
  const std::array<uint8_t, 16>& bytes() const { return bytes_; }
  u128 to_u128() const;
  bool is_unspecified() const;
  bool is_link_local() const;  // fe80::/10
  bool is_v4_mapped() const;   // ::ffff:0:0/96

  auto operator<=>(const Ipv6Address&) const = default;

 private:
  std::array<uint8_t, 16> bytes_{};
};

class Ipv4Address {
 public:
  Ipv4Address() = default;  // 0.0.0.0
  explicit Ipv4Address(uint32_t host_order) : value_(host_order) {}
  // Strict dotted quad as inet_pton(AF_INET) takes it: four decimal octets 0-255.
  static Result<Ipv4Address> parse(std::string_view text);

  std::string to_string() const;
  std::array<uint8_t, 4> bytes() const;  // network order
  uint32_t to_u32() const { return value_; }  // host order

  auto operator<=>(const Ipv4Address&) const = default;

 private:
  uint32_t value_ = 0;
};

// A network prefix: base address with every host bit zero, and a length 0..128.
class Ipv6Prefix {
 public:
  Ipv6Prefix() = default;  // ::/0
  // "addr/len"; rejects a missing or bad length and set host bits (say which).
  static Result<Ipv6Prefix> parse(std::string_view text);
  // Builds from an address, clearing host bits; length must be 0..128.
  static Result<Ipv6Prefix> make(const Ipv6Address& any, int length);

  const Ipv6Address& address() const { return base_; }
  int length() const { return len_; }
  std::string to_string() const;  // "2001:db8::/64"

  bool contains(const Ipv6Address& a) const;
  bool contains(const Ipv6Prefix& p) const;  // p lies wholly inside this
  bool overlaps(const Ipv6Prefix& p) const;
  // Number of host bits (128 - length) and of addresses (saturates at 2^128-1 for /0).
  int host_bits() const { return 128 - len_; }
  u128 size() const;
  Ipv6Address last() const;
  // The index-th sub-prefix of length new_len (new_len >= length; index < 2^(new_len-length)).
  Result<Ipv6Prefix> subprefix(int new_len, u128 index) const;
  // The address at `offset` from the base (offset < size()).
  Result<Ipv6Address> at(u128 offset) const;
  // Host part of `a` (its offset from the base); `a` must be contained.
  u128 offset_of(const Ipv6Address& a) const;

  auto operator<=>(const Ipv6Prefix&) const = default;

 private:
  Ipv6Address base_;
  int len_ = 0;
};

class Ipv4Prefix {
 public:
  Ipv4Prefix() = default;  // 0.0.0.0/0
  static Result<Ipv4Prefix> parse(std::string_view text);
  static Result<Ipv4Prefix> make(const Ipv4Address& any, int length);

  const Ipv4Address& address() const { return base_; }
  int length() const { return len_; }
  std::string to_string() const;

  bool contains(const Ipv4Address& a) const;
  bool contains(const Ipv4Prefix& p) const;
  bool overlaps(const Ipv4Prefix& p) const;
  int host_bits() const { return 32 - len_; }
  uint64_t size() const;
  Ipv4Address last() const;
  Result<Ipv4Prefix> subprefix(int new_len, uint64_t index) const;
  Result<Ipv4Address> at(uint64_t offset) const;
  uint64_t offset_of(const Ipv4Address& a) const;

  auto operator<=>(const Ipv4Prefix&) const = default;

 private:
  Ipv4Address base_;
  int len_ = 0;
};

// Either family, for APIs (netlink, CNI results) that take both.
using IpAddress = std::variant<Ipv4Address, Ipv6Address>;
Result<IpAddress> parse_ip(std::string_view text);
std::string to_string(const IpAddress& a);
inline bool is_v6(const IpAddress& a) { return std::holds_alternative<Ipv6Address>(a); }

// An interface address: an address plus the prefix length of its on-link network,
// host bits kept ("2001:db8::5/64", "169.254.172.3/22").
struct IpInterface {
  IpAddress address;
  int prefix_length = 0;
  static Result<IpInterface> parse(std::string_view text);
  std::string to_string() const;
  bool operator==(const IpInterface&) const = default;
};

}  // namespace v6k::addr
