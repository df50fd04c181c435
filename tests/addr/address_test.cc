// Address parsing and RFC 5952 formatting: table-driven valid and invalid text forms,
// each also checked against glibc inet_pton so our acceptance stays identical to the
// system's, plus round trips over many generated addresses.
#include <arpa/inet.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "addr/ip.h"

namespace v6k::addr {
namespace {

struct Valid {
  const char* text;
  const char* canonical;
};

struct Invalid {
  std::string_view text;
  const char* reason;  // a substring of Error::what()
};

const std::vector<Valid> kValidV6 = {
    {"::", "::"},
    {"::1", "::1"},
    {"1::", "1::"},
    {"::0:0", "::"},
    {"0:0:0:0:0:0:0:0", "::"},
    {"0:0:0:0:0:0:0:1", "::1"},
    {"1:0:0:0:0:0:0:0", "1::"},
    {"2001:db8::1", "2001:db8::1"},
    {"2001:DB8::1", "2001:db8::1"},
    {"2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1"},
    {"2600:1f13:812:0000:0000:0000:0000:71eb", "2600:1f13:812::71eb"},
    {"0001:0002:0003:0004:0005:0006:0007:0008", "1:2:3:4:5:6:7:8"},
    {"1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8"},
    {"1:0:0:0:0:0:0:8", "1::8"},
    // A single zero group is never compressed.
    {"2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"},
    {"0:1:2:3:4:5:6:7", "0:1:2:3:4:5:6:7"},
    {"1:2:3:4:5:6:7:0", "1:2:3:4:5:6:7:0"},
    // "::" may stand for one group on input (RFC 4291), never on output (RFC 5952).
    {"1::2:3:4:5:6:7", "1:0:2:3:4:5:6:7"},
    {"::2:3:4:5:6:7:8", "0:2:3:4:5:6:7:8"},
    {"1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0"},
    // Ties: the first longest run; otherwise the longest.
    {"2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"},
    {"2001:0:0:1:0:0:0:1", "2001:0:0:1::1"},
    {"2001:db8:0:0:0:1:0:0", "2001:db8::1:0:0"},
    {"2001:db8:1:0:0:0:0:0", "2001:db8:1::"},
    {"2001:db8:0:0:0:0:2:1", "2001:db8::2:1"},
    // Embedded IPv4: only ::ffff:0:0/96 is written back in mixed notation.
    {"::ffff:1.2.3.4", "::ffff:1.2.3.4"},
    {"::FFFF:192.0.2.128", "::ffff:192.0.2.128"},
    {"0:0:0:0:0:ffff:c000:0280", "::ffff:192.0.2.128"},
    {"::ffff:0.0.0.0", "::ffff:0.0.0.0"},
    {"::ffff:255.255.255.255", "::ffff:255.255.255.255"},
    {"64:ff9b::192.0.2.1", "64:ff9b::c000:201"},
    {"::1.2.3.4", "::102:304"},
    {"::0.0.0.1", "::1"},
    {"0:0:0:0:0:0:1.2.3.4", "::102:304"},
    {"1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:6:102:304"},
    {"2001:db8::ffff:1.2.3.4", "2001:db8::ffff:102:304"},
    {"::ffff:0:1.2.3.4", "::ffff:0:102:304"},
    {"fe80::1", "fe80::1"},
    {"FE80:0000:0000:0000:0202:B3FF:FE1E:8329", "fe80::202:b3ff:fe1e:8329"},
    {"ff02::1:ff00:1", "ff02::1:ff00:1"},
    {"fd12:3456:789a::a", "fd12:3456:789a::a"},
    {"abcd:ef01:2345:6789:ABCD:EF01:2345:6789", "abcd:ef01:2345:6789:abcd:ef01:2345:6789"},
    {"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"},
};

const std::vector<Invalid> kInvalidV6 = {
    {"", "empty"},
    {":", "leading single ':'"},
    {":1", "leading single ':'"},
    {":1:2:3:4:5:6:7:8", "leading single ':'"},
    {"1:", "trailing single ':'"},
    {"1:2:3:4:5:6:7:8:", "trailing single ':'"},
    {":::", "':::' is not allowed"},
    {"1:::2", "':::' is not allowed"},
    {"1::2::3", "'::' appears more than once"},
    {"::1::", "'::' appears more than once"},
    {"1:2:3:4:5:6:7:8:9", "more than 8 groups"},
    {"1:2:3:4:5:6:7:8::", "no zero group"},
    {"::1:2:3:4:5:6:7:8", "no zero group"},
    {"::1:2:3:4:5:6:1.2.3.4", "no zero group"},
    {"1:2:3:4:5:6:7", "only 7 of 8 groups"},
    {"2001:db8", "only 2 of 8 groups"},
    {"12345::", "group 1 has 5 hex digits"},
    {"1:2:12345::", "group 3 has 5 hex digits"},
    {"1:2:000001::", "group 3 has 6 hex digits"},
    {"g::", "unexpected character 'g' at position 1"},
    {"2001:db8::1g", "unexpected character 'g' at position 12"},
    {"0x1::", "unexpected character 'x'"},
    {"-1::", "unexpected character '-'"},
    {" ::1", "unexpected character ' '"},
    {"::1 ", "unexpected character ' '"},
    {std::string_view("::1\0", 4), "unexpected character '\\x00' at position 4"},
    {"fe80::1%eth0", "zone ids"},
    {"::%1", "zone ids"},
    {"[::1]", "brackets"},
    {"::1]", "brackets"},
    {"2001:db8::/64", "a prefix length is not part of an address"},
    {"::ffff:1.2.3", "only 3 of 4 octets"},
    {"::ffff:1.2.3.256", "octet 4 \"256\" is greater than 255"},
    {"::ffff:01.2.3.4", "leading zero"},
    {"::ffff:.1.2.3", "starts with '.'"},
    {"::ffff:1..2.3", "empty octet"},
    {"::ffff:1.2.3.", "ends with '.'"},
    {"::1.2.3.4.5", "more than 4 octets"},
    {"::1a.2.3.4", "unexpected character 'a'"},
    {"1.2.3.4::", "must be the last 32 bits"},
    {"::1.2.3.4:5", "must be the last 32 bits"},
    {"1:2:3:4:5:6:7:1.2.3.4", "embedded IPv4 address after 7 or more groups"},
    {"1.2.3.4", "this is an IPv4 address"},
};

const std::vector<Valid> kValidV4 = {
    {"0.0.0.0", "0.0.0.0"},         {"255.255.255.255", "255.255.255.255"},
    {"1.2.3.4", "1.2.3.4"},         {"10.0.0.108", "10.0.0.108"},
    {"169.254.172.1", "169.254.172.1"}, {"192.0.2.0", "192.0.2.0"},
    {"100.64.0.1", "100.64.0.1"},   {"0.0.0.1", "0.0.0.1"},
    {"127.0.0.1", "127.0.0.1"},     {"198.51.100.255", "198.51.100.255"},
    {"203.0.113.10", "203.0.113.10"},
};

// glibc rejects a leading zero in an octet (no octal ambiguity); so do we.
const std::vector<Invalid> kInvalidV4 = {
    {"", "empty"},
    {"1.2.3", "only 3 of 4 octets"},
    {"1", "only 1 of 4 octets"},
    {"4294967295", "greater than 255"},
    {"1.2.3.4.5", "more than 4 octets"},
    {"01.2.3.4", "octet 1 \"01\" has a leading zero"},
    {"1.2.3.04", "octet 4 \"04\" has a leading zero"},
    {"00.0.0.0", "leading zero"},
    {"256.0.0.0", "octet 1 \"256\" is greater than 255"},
    {"1.2.3.1000", "greater than 255"},
    {"1.2.3.-1", "unexpected character '-'"},
    {".1.2.3", "starts with '.'"},
    {"1..2.3", "empty octet at position 3"},
    {"1.2.3.", "ends with '.'"},
    {"1.2.3.4.", "ends with '.'"},
    {" 1.2.3.4", "unexpected character ' '"},
    {"1.2.3.4 ", "unexpected character ' '"},
    {"0x1.2.3.4", "unexpected character 'x'"},
    {"1.2.3.4/24", "prefix length is not part"},
    {"::1", "':' in an IPv4 address"},
    {"1.2.3.4:80", "':' in an IPv4 address"},
    {"1.2.3.a", "unexpected character 'a'"},
};

std::array<uint8_t, 16> pton6(const char* text, bool* ok) {
  std::array<uint8_t, 16> b{};
  *ok = inet_pton(AF_INET6, text, b.data()) == 1;
  return b;
}

TEST(Ipv6AddressTest, ValidFormsParseToCanonical) {
  for (const auto& c : kValidV6) {
    SCOPED_TRACE(c.text);
    auto a = Ipv6Address::parse(c.text);
    ASSERT_TRUE(a.has_value()) << a.error().message();
    EXPECT_EQ(a->to_string(), c.canonical);
    bool ok = false;
    auto glibc = pton6(c.text, &ok);
    EXPECT_TRUE(ok) << "glibc rejects it";
    EXPECT_EQ(a->bytes(), glibc);
    // The canonical form is a fixed point.
    auto again = Ipv6Address::parse(c.canonical);
    ASSERT_TRUE(again.has_value());
    EXPECT_EQ(*again, *a);
    EXPECT_EQ(again->to_string(), c.canonical);
  }
}

TEST(Ipv6AddressTest, InvalidFormsSayWhy) {
  for (const auto& c : kInvalidV6) {
    std::string_view text = c.text;
    SCOPED_TRACE(std::string(text));
    auto a = Ipv6Address::parse(text);
    ASSERT_FALSE(a.has_value()) << a->to_string();
    EXPECT_NE(a.error().what().find(c.reason), std::string::npos) << a.error().what();
    EXPECT_EQ(a.error().code(), EINVAL);
    bool ok = true;
    pton6(std::string(text).c_str(), &ok);
    if (text.find('\0') == std::string_view::npos) {
      EXPECT_FALSE(ok) << "glibc accepts it";
    }
  }
}

TEST(Ipv6AddressTest, ErrorQuotesInputSafely) {
  auto a = Ipv6Address::parse(std::string_view("::1\n\"x", 6));
  ASSERT_FALSE(a.has_value());
  EXPECT_NE(a.error().what().find(R"("::1\x0a\"x")"), std::string::npos) << a.error().what();
  auto long_text = std::string(200, '1');
  auto b = Ipv6Address::parse(long_text);
  ASSERT_FALSE(b.has_value());
  EXPECT_LT(b.error().what().size(), 160u) << b.error().what();
}

TEST(Ipv6AddressTest, U128AndPredicates) {
  auto a = Ipv6Address::parse("2001:db8::1").value();
  EXPECT_EQ(Ipv6Address::from_u128(a.to_u128()), a);
  EXPECT_EQ(a.to_u128() >> 96, u128{0x20010db8});
  EXPECT_EQ(Ipv6Address::from_u128(~u128{0}).to_string(), "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
  EXPECT_TRUE(Ipv6Address().is_unspecified());
  EXPECT_EQ(Ipv6Address().to_string(), "::");
  EXPECT_FALSE(a.is_unspecified());
  EXPECT_TRUE(Ipv6Address::parse("fe80::1").value().is_link_local());
  EXPECT_TRUE(Ipv6Address::parse("febf:ffff::").value().is_link_local());
  EXPECT_FALSE(Ipv6Address::parse("fec0::").value().is_link_local());
  EXPECT_FALSE(Ipv6Address::parse("fe7f::").value().is_link_local());
  EXPECT_TRUE(Ipv6Address::parse("::ffff:1.2.3.4").value().is_v4_mapped());
  EXPECT_FALSE(Ipv6Address::parse("::1.2.3.4").value().is_v4_mapped());
  EXPECT_FALSE(Ipv6Address::parse("64:ff9b::1.2.3.4").value().is_v4_mapped());
  EXPECT_LT(Ipv6Address::parse("::1").value(), Ipv6Address::parse("::2").value());
}

// Generated addresses with zero runs of every length and position: format, re-parse,
// and agree with inet_ntop except where glibc writes IPv4-compatible addresses
// (::/96 with a non-zero seventh group) as ::a.b.c.d, which RFC 5952 does not.
TEST(Ipv6AddressTest, RoundTripsAndMatchesInetNtop) {
  std::mt19937_64 rng(5952);
  int compared = 0;
  for (int n = 0; n < 20000; ++n) {
    std::array<uint8_t, 16> b{};
    uint64_t zero_mask = rng();
    for (int g = 0; g < 8; ++g) {
      if ((zero_mask >> g) & 1) continue;
      uint64_t r = rng();
      uint16_t v = (r & 0x300) == 0 ? static_cast<uint16_t>(r & 0xf) : static_cast<uint16_t>(r >> 16);
      b[2 * g] = static_cast<uint8_t>(v >> 8);
      b[2 * g + 1] = static_cast<uint8_t>(v);
    }
    if (n % 7 == 0) std::memcpy(b.data(), "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12);
    Ipv6Address a(b);
    std::string text = a.to_string();
    auto back = Ipv6Address::parse(text);
    ASSERT_TRUE(back.has_value()) << text;
    ASSERT_EQ(*back, a) << text;
    char buf[INET6_ADDRSTRLEN];
    ASSERT_NE(inet_ntop(AF_INET6, b.data(), buf, sizeof buf), nullptr);
    bool glibc_v4_compat = std::string_view(buf).starts_with("::") &&
                           std::string_view(buf).find('.') != std::string_view::npos && !a.is_v4_mapped();
    if (glibc_v4_compat) continue;
    EXPECT_EQ(text, buf);
    ++compared;
  }
  EXPECT_GT(compared, 19000);
}

TEST(Ipv4AddressTest, ValidForms) {
  for (const auto& c : kValidV4) {
    SCOPED_TRACE(c.text);
    auto a = Ipv4Address::parse(c.text);
    ASSERT_TRUE(a.has_value()) << a.error().message();
    EXPECT_EQ(a->to_string(), c.canonical);
    in_addr glibc{};
    ASSERT_EQ(inet_pton(AF_INET, c.text, &glibc), 1);
    EXPECT_EQ(a->to_u32(), ntohl(glibc.s_addr));
    auto bytes = a->bytes();
    EXPECT_EQ(std::memcmp(bytes.data(), &glibc.s_addr, 4), 0);
  }
  EXPECT_EQ(Ipv4Address(0xc0000201).to_string(), "192.0.2.1");
  EXPECT_EQ(Ipv4Address().to_string(), "0.0.0.0");
}

TEST(Ipv4AddressTest, InvalidFormsSayWhy) {
  for (const auto& c : kInvalidV4) {
    SCOPED_TRACE(std::string(c.text));
    auto a = Ipv4Address::parse(c.text);
    ASSERT_FALSE(a.has_value()) << a->to_string();
    EXPECT_NE(a.error().what().find(c.reason), std::string::npos) << a.error().what();
    in_addr glibc{};
    EXPECT_NE(inet_pton(AF_INET, std::string(c.text).c_str(), &glibc), 1) << "glibc accepts it";
  }
}

TEST(Ipv4AddressTest, RoundTripsAndMatchesInetNtop) {
  std::mt19937 rng(4);
  for (int n = 0; n < 20000; ++n) {
    uint32_t v = rng();
    if (n % 3 == 0) v &= 0xff00ff0f;
    Ipv4Address a(v);
    auto back = Ipv4Address::parse(a.to_string());
    ASSERT_TRUE(back.has_value()) << a.to_string();
    ASSERT_EQ(*back, a);
    in_addr in{htonl(v)};
    char buf[INET_ADDRSTRLEN];
    ASSERT_NE(inet_ntop(AF_INET, &in, buf, sizeof buf), nullptr);
    ASSERT_EQ(a.to_string(), buf);
  }
}

TEST(ParseIpTest, PicksTheFamily) {
  auto v6 = parse_ip("2001:db8::5");
  ASSERT_TRUE(v6.has_value());
  EXPECT_TRUE(is_v6(*v6));
  EXPECT_EQ(to_string(*v6), "2001:db8::5");
  auto v4 = parse_ip("169.254.172.3");
  ASSERT_TRUE(v4.has_value());
  EXPECT_FALSE(is_v6(*v4));
  EXPECT_EQ(to_string(*v4), "169.254.172.3");
  auto mapped = parse_ip("::ffff:10.0.0.1");
  ASSERT_TRUE(mapped.has_value());
  EXPECT_TRUE(is_v6(*mapped));
  auto bad6 = parse_ip("2001:db8::g");
  ASSERT_FALSE(bad6.has_value());
  EXPECT_NE(bad6.error().what().find("invalid IPv6 address"), std::string::npos);
  auto bad4 = parse_ip("10.0.0.256");
  ASSERT_FALSE(bad4.has_value());
  EXPECT_NE(bad4.error().what().find("invalid IPv4 address"), std::string::npos);
  EXPECT_FALSE(parse_ip("").has_value());
}

}  // namespace
}  // namespace v6k::addr
