// libFuzzer target for src/addr with glibc as a differential oracle.
//
// For every input string:
//  - Ipv6Address::parse succeeds iff inet_pton(AF_INET6) does, with the same 16 bytes;
//    Ipv4Address::parse likewise against inet_pton(AF_INET). (inet_pton reads a C string,
//    so an input holding a NUL byte must simply be rejected by us.)
//  - A parsed address's to_string() re-parses to the same bytes and equals inet_ntop's
//    text, except for the one place glibc knowingly departs from RFC 5952:
//      glibc writes IPv4-compatible addresses (deprecated by RFC 4291 section 2.5.5.1)
//      in mixed notation: any address whose first 96 bits are zero and whose seventh
//      group is non-zero, e.g. ::102:304 -> "::1.2.3.4", ::2:0 -> "::0.2.0.0".
//      RFC 5952 section 5 recommends mixed notation only for IPv4-mapped ::ffff:0:0/96,
//      where glibc and we agree ("::ffff:1.2.3.4", also "::ffff:0.0.0.0").
//    Everything else (lowercase, no leading zeros, longest run first on ties, no "::"
//    for a single zero group) is asserted equal.
//  - The first 16 (and 4) input bytes, read as an address, format identically too, so
//    the formatter sees every byte pattern and not only parseable text.
//  - Prefix, interface and either-family parsing never crash, and what they accept
//    round-trips through to_string() with consistent size/last/at/offset_of.
#include <arpa/inet.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include "addr/ip.h"

using namespace v6k::addr;

namespace {

#define CHECK(cond, ...)                                                        \
  do {                                                                          \
    if (!(cond)) {                                                              \
      std::fprintf(stderr, "CHECK failed at line %d: %s\n", __LINE__, #cond);   \
      std::fprintf(stderr, __VA_ARGS__);                                        \
      std::fprintf(stderr, "\n");                                               \
      std::abort();                                                             \
    }                                                                           \
  } while (0)

// glibc's inet_ntop uses "::a.b.c.d" for ::/96 with a non-zero seventh group.
bool glibc_writes_v4_compatible(const std::array<uint8_t, 16>& b) {
  for (int i = 0; i < 12; ++i) {
    if (b[static_cast<size_t>(i)]) return false;
  }
  return b[12] != 0 || b[13] != 0;
}

void check_v6_format(const Ipv6Address& a) {
  std::string ours = a.to_string();
  auto again = Ipv6Address::parse(ours);
  CHECK(again.has_value() && *again == a, "to_string %s does not re-parse", ours.c_str());
  char buf[INET6_ADDRSTRLEN];
  CHECK(inet_ntop(AF_INET6, a.bytes().data(), buf, sizeof buf) != nullptr, "inet_ntop failed");
  if (glibc_writes_v4_compatible(a.bytes())) {
    CHECK(std::strchr(buf, '.') != nullptr && ours.find('.') == std::string::npos,
          "expected the v4-compatible difference: ours %s glibc %s", ours.c_str(), buf);
  } else {
    CHECK(ours == buf, "format differs: ours %s glibc %s", ours.c_str(), buf);
  }
}

void check_v4_format(const Ipv4Address& a) {
  std::string ours = a.to_string();
  auto again = Ipv4Address::parse(ours);
  CHECK(again.has_value() && *again == a, "to_string %s does not re-parse", ours.c_str());
  in_addr in{htonl(a.to_u32())};
  char buf[INET_ADDRSTRLEN];
  CHECK(inet_ntop(AF_INET, &in, buf, sizeof buf) != nullptr, "inet_ntop failed");
  CHECK(ours == buf, "format differs: ours %s glibc %s", ours.c_str(), buf);
}

void check_v6_parse(std::string_view text, const std::string& cstr, bool has_nul) {
  auto ours = Ipv6Address::parse(text);
  std::array<uint8_t, 16> theirs{};
  int r = has_nul ? 0 : inet_pton(AF_INET6, cstr.c_str(), theirs.data());
  CHECK(ours.has_value() == (r == 1), "IPv6 acceptance differs on \"%s\": ours %d glibc %d (%s)", cstr.c_str(),
        int(ours.has_value()), r, ours ? "" : ours.error().what().c_str());
  if (!ours) {
    CHECK(!ours.error().what().empty(), "empty error");
    return;
  }
  CHECK(ours->bytes() == theirs, "IPv6 bytes differ on \"%s\"", cstr.c_str());
  check_v6_format(*ours);
}

void check_v4_parse(std::string_view text, const std::string& cstr, bool has_nul) {
  auto ours = Ipv4Address::parse(text);
  in_addr theirs{};
  int r = has_nul ? 0 : inet_pton(AF_INET, cstr.c_str(), &theirs);
  CHECK(ours.has_value() == (r == 1), "IPv4 acceptance differs on \"%s\": ours %d glibc %d (%s)", cstr.c_str(),
        int(ours.has_value()), r, ours ? "" : ours.error().what().c_str());
  if (!ours) return;
  CHECK(ours->to_u32() == ntohl(theirs.s_addr), "IPv4 value differs on \"%s\"", cstr.c_str());
  check_v4_format(*ours);
}

void check_prefixes(std::string_view text) {
  if (auto p = Ipv6Prefix::parse(text)) {
    auto again = Ipv6Prefix::parse(p->to_string());
    CHECK(again.has_value() && *again == *p, "prefix %s does not re-parse", p->to_string().c_str());
    CHECK(p->contains(p->address()) && p->contains(p->last()), "prefix misses its ends");
    CHECK(p->at(0).value() == p->address(), "at(0)");
    CHECK(p->at(p->size()).has_value() == (p->length() == 0), "at(size)");
    CHECK(p->offset_of(p->last()) == (p->length() == 0 ? p->size() : p->size() - 1), "offset_of(last)");
    CHECK(Ipv6Prefix::make(p->last(), p->length()).value() == *p, "make(last)");
    if (p->length() < 128) {
      auto lo = p->subprefix(p->length() + 1, 0).value();
      auto hi = p->subprefix(p->length() + 1, 1).value();
      CHECK(p->contains(lo) && p->contains(hi) && !lo.overlaps(hi), "halves");
      CHECK(!p->subprefix(p->length() + 1, 2).has_value(), "third half");
    }
  }
  if (auto p = Ipv4Prefix::parse(text)) {
    auto again = Ipv4Prefix::parse(p->to_string());
    CHECK(again.has_value() && *again == *p, "prefix %s does not re-parse", p->to_string().c_str());
    CHECK(p->at(p->size() - 1).value() == p->last(), "at(size-1)");
    CHECK(!p->at(p->size()).has_value(), "at(size)");
    CHECK(p->offset_of(p->last()) == p->size() - 1, "offset_of(last)");
  }
  if (auto i = IpInterface::parse(text)) {
    auto again = IpInterface::parse(i->to_string());
    CHECK(again.has_value() && *again == *i, "interface %s does not re-parse", i->to_string().c_str());
  }
  if (auto a = parse_ip(text)) {
    auto again = parse_ip(to_string(*a));
    CHECK(again.has_value() && *again == *a, "parse_ip round trip");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  std::string cstr(text);
  bool has_nul = text.find('\0') != std::string_view::npos;
  check_v6_parse(text, cstr, has_nul);
  check_v4_parse(text, cstr, has_nul);
  check_prefixes(text);
  if (size >= 16) {
    std::array<uint8_t, 16> b;
    std::memcpy(b.data(), data, 16);
    check_v6_format(Ipv6Address(b));
  }
  if (size >= 4) {
    uint32_t v;
    std::memcpy(&v, data, 4);
    check_v4_format(Ipv4Address(v));
  }
  return 0;
}
