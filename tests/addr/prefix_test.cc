// Prefixes and interface addresses: parse/make at every boundary length, containment,
// overlap, and carving (subprefix/at/offset_of) at both edges of the range, where a shift
// by the full width would be undefined behaviour.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "addr/ip.h"

namespace v6k::addr {
namespace {

constexpr u128 kAll = ~u128{0};
constexpr u128 k2to64 = u128{1} << 64;

Ipv6Address A6(const char* t) { return Ipv6Address::parse(t).value(); }
Ipv6Prefix P6(const char* t) { return Ipv6Prefix::parse(t).value(); }
Ipv4Address A4(const char* t) { return Ipv4Address::parse(t).value(); }
Ipv4Prefix P4(const char* t) { return Ipv4Prefix::parse(t).value(); }

struct Case {
  const char* text;
  const char* expect;  // canonical text when valid, a substring of the error otherwise
};

TEST(Ipv6PrefixTest, ParseValid) {
  const std::vector<Case> cases = {
      {"::/0", "::/0"},
      {"::/1", "::/1"},
      {"8000::/1", "8000::/1"},
      {"2001:db8::/32", "2001:db8::/32"},
      {"2001:db8::/63", "2001:db8::/63"},
      {"2001:db8:0:1::/64", "2001:db8:0:1::/64"},
      {"2001:0db8:0000:0001:0000:0000:0000:0000/64", "2001:db8:0:1::/64"},
      {"2001:db8:0:1:3::/80", "2001:db8:0:1:3::/80"},
      {"fd00:1:2::/108", "fd00:1:2::/108"},
      {"2001:db8::10/124", "2001:db8::10/124"},
      {"2001:db8::2/127", "2001:db8::2/127"},
      {"2001:db8::1/128", "2001:db8::1/128"},
      {"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128"},
      {"::ffff:10.0.0.0/104", "::ffff:10.0.0.0/104"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    auto p = Ipv6Prefix::parse(c.text);
    ASSERT_TRUE(p.has_value()) << p.error().message();
    EXPECT_EQ(p->to_string(), c.expect);
    EXPECT_EQ(Ipv6Prefix::parse(p->to_string()).value(), *p);
  }
}

TEST(Ipv6PrefixTest, ParseInvalid) {
  const std::vector<Case> cases = {
      {"2001:db8::", "missing \"/length\""},
      {"2001:db8::/", "empty prefix length"},
      {"::/129", "prefix length 129 > 128"},
      {"2001:db8::/1000", "prefix length 1000 > 128"},
      {"2001:db8::/99999999999999999999", "> 128"},
      {"2001:db8::/-1", "\"-1\" is negative"},
      {"2001:db8::/+64", "must not have a sign"},
      {"2001:db8::/064", "\"064\" has a leading zero"},
      {"2001:db8::/00", "leading zero"},
      {"2001:db8::/6a", "not a decimal number"},
      {"2001:db8::/ 64", "not a decimal number"},
      {"2001:db8::/64 ", "not a decimal number"},
      {"2001:db8::/64/64", "not a decimal number"},
      {"2001:db8::1/64", "host bits set (the /64 network is 2001:db8::/64)"},
      {"2001:db8::3/127", "host bits set (the /127 network is 2001:db8::2/127)"},
      {"2001:db8::8/124", "host bits set (the /124 network is 2001:db8::/124)"},
      {"::1/0", "host bits set (the /0 network is ::/0)"},
      {"8000::/0", "host bits set"},
      {"2001:db8:0:1:1::/63", "the /63 network is 2001:db8::/63"},
      {"/64", "empty"},
      {"2001:db8::g/64", "unexpected character 'g'"},
      {"1.2.3.0/24", "this is an IPv4 address"},
      {"[2001:db8::]/64", "brackets"},
      {"fe80::%eth0/64", "zone ids"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    auto p = Ipv6Prefix::parse(c.text);
    ASSERT_FALSE(p.has_value()) << p->to_string();
    EXPECT_NE(p.error().what().find(c.expect), std::string::npos) << p.error().what();
    EXPECT_NE(p.error().what().find("invalid IPv6 prefix"), std::string::npos) << p.error().what();
  }
}

TEST(Ipv6PrefixTest, MakeAtEveryBoundaryLength) {
  for (int len : {0, 1, 63, 64, 80, 124, 127, 128}) {
    SCOPED_TRACE(len);
    auto p = Ipv6Prefix::make(Ipv6Address::from_u128(kAll), len);
    ASSERT_TRUE(p.has_value()) << p.error().message();
    u128 mask = len == 0 ? 0 : kAll << (128 - len);
    EXPECT_EQ(p->address().to_u128(), mask);
    EXPECT_EQ(p->length(), len);
    EXPECT_EQ(p->host_bits(), 128 - len);
    EXPECT_EQ(p->last(), Ipv6Address::from_u128(kAll));
    EXPECT_EQ(p->size(), len == 0 ? kAll : u128{1} << (128 - len));
    EXPECT_TRUE(p->contains(Ipv6Address::from_u128(kAll)));
    EXPECT_EQ(p->contains(Ipv6Address()), len == 0);
    EXPECT_EQ(Ipv6Prefix::parse(p->to_string()).value(), *p);
  }
  for (int len : {-1, 129, 1000}) {
    auto p = Ipv6Prefix::make(Ipv6Address(), len);
    ASSERT_FALSE(p.has_value());
    EXPECT_NE(p.error().what().find(std::to_string(len)), std::string::npos) << p.error().what();
  }
  EXPECT_EQ(Ipv6Prefix::make(A6("2001:db8:0:1:2:3:4:5"), 64).value(), P6("2001:db8:0:1::/64"));
  EXPECT_EQ(Ipv6Prefix(), P6("::/0"));
}

TEST(Ipv6PrefixTest, ContainsAndOverlaps) {
  auto vpc = P6("2001:db8:0:100::/56");
  auto subnet = P6("2001:db8:0:1a0::/64");
  auto other = P6("2001:db8:0:200::/56");
  EXPECT_TRUE(vpc.contains(subnet));
  EXPECT_FALSE(subnet.contains(vpc));
  EXPECT_TRUE(vpc.contains(vpc));
  EXPECT_TRUE(vpc.overlaps(subnet));
  EXPECT_TRUE(subnet.overlaps(vpc));
  EXPECT_FALSE(vpc.overlaps(other));
  EXPECT_FALSE(vpc.contains(other));
  EXPECT_TRUE(vpc.contains(A6("2001:db8:0:1ff:ffff:ffff:ffff:ffff")));
  EXPECT_FALSE(vpc.contains(A6("2001:db8:0:200::")));
  EXPECT_FALSE(vpc.contains(A6("2001:db8:0:ff:ffff:ffff:ffff:ffff")));
  auto all = P6("::/0");
  EXPECT_TRUE(all.contains(vpc));
  EXPECT_TRUE(all.overlaps(P6("::1/128")));
  EXPECT_TRUE(P6("::1/128").overlaps(all));
  EXPECT_FALSE(P6("::1/128").overlaps(P6("::2/128")));
  EXPECT_TRUE(P6("::1/128").contains(A6("::1")));
  EXPECT_FALSE(P6("::1/128").contains(A6("::")));
  EXPECT_FALSE(P6("::/1").overlaps(P6("8000::/1")));
}

TEST(Ipv6PrefixTest, SubprefixEdges) {
  auto subnet = P6("2001:db8:0:1::/64");
  EXPECT_EQ(subnet.subprefix(80, 3).value(), P6("2001:db8:0:1:3::/80"));
  EXPECT_EQ(subnet.subprefix(80, 0).value(), P6("2001:db8:0:1::/80"));
  EXPECT_EQ(subnet.subprefix(80, 0xffff).value(), P6("2001:db8:0:1:ffff::/80"));
  EXPECT_EQ(subnet.subprefix(64, 0).value(), subnet);
  EXPECT_EQ(subnet.subprefix(128, k2to64 - 1).value(), P6("2001:db8:0:1:ffff:ffff:ffff:ffff/128"));
  EXPECT_EQ(subnet.subprefix(65, 1).value(), P6("2001:db8:0:1:8000::/65"));

  auto err = subnet.subprefix(80, 0x10000);
  ASSERT_FALSE(err.has_value());
  EXPECT_NE(err.error().what().find("index 65536 out of range (there are 2^16 sub-prefixes)"), std::string::npos)
      << err.error().what();
  EXPECT_FALSE(subnet.subprefix(64, 1).has_value());
  EXPECT_FALSE(subnet.subprefix(128, k2to64).has_value());
  auto shorter = subnet.subprefix(63, 0);
  ASSERT_FALSE(shorter.has_value());
  EXPECT_NE(shorter.error().what().find("shorter"), std::string::npos);
  auto longer = subnet.subprefix(129, 0);
  ASSERT_FALSE(longer.has_value());
  EXPECT_NE(longer.error().what().find("129 > 128"), std::string::npos);
  EXPECT_FALSE(subnet.subprefix(-1, 0).has_value());

  auto all = P6("::/0");
  EXPECT_EQ(all.subprefix(0, 0).value(), all);
  EXPECT_FALSE(all.subprefix(0, 1).has_value());
  EXPECT_EQ(all.subprefix(1, 1).value(), P6("8000::/1"));
  EXPECT_FALSE(all.subprefix(1, 2).has_value());
  EXPECT_EQ(all.subprefix(128, 0).value(), P6("::/128"));
  EXPECT_EQ(all.subprefix(128, kAll).value(), P6("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128"));
  EXPECT_EQ(all.subprefix(64, k2to64 - 1).value(), P6("ffff:ffff:ffff:ffff::/64"));
  EXPECT_FALSE(all.subprefix(64, k2to64).has_value());

  auto host = P6("2001:db8::1/128");
  EXPECT_EQ(host.subprefix(128, 0).value(), host);
  EXPECT_FALSE(host.subprefix(128, 1).has_value());
  auto pair = P6("2001:db8::2/127");
  EXPECT_EQ(pair.subprefix(128, 1).value(), P6("2001:db8::3/128"));
  EXPECT_FALSE(pair.subprefix(128, 2).has_value());
}

TEST(Ipv6PrefixTest, AtAndOffsetOfEdges) {
  auto node = P6("2001:db8:0:1::/64").subprefix(80, 3).value();
  EXPECT_EQ(node.at(5).value().to_string(), "2001:db8:0:1:3::5");
  EXPECT_TRUE(node.contains(node.at(5).value()));
  EXPECT_EQ(node.at((u128{1} << 48) - 1).value(), node.last());
  EXPECT_FALSE(node.at(u128{1} << 48).has_value());

  auto subnet = P6("2001:db8:0:1::/64");
  EXPECT_EQ(subnet.at(0).value(), subnet.address());
  EXPECT_EQ(subnet.at(k2to64 - 1).value(), A6("2001:db8:0:1:ffff:ffff:ffff:ffff"));
  auto out = subnet.at(k2to64);
  ASSERT_FALSE(out.has_value());
  EXPECT_NE(out.error().what().find("offset 18446744073709551616 is outside 2001:db8:0:1::/64"),
            std::string::npos)
      << out.error().what();
  EXPECT_EQ(subnet.offset_of(A6("2001:db8:0:1:ffff:ffff:ffff:ffff")), k2to64 - 1);
  EXPECT_EQ(subnet.offset_of(subnet.address()), 0u);

  // /0: every u128 offset is inside even though size() saturates at 2^128-1.
  auto all = P6("::/0");
  EXPECT_EQ(all.size(), kAll);
  EXPECT_EQ(all.at(0).value(), Ipv6Address());
  EXPECT_EQ(all.at(kAll).value(), Ipv6Address::from_u128(kAll));
  EXPECT_EQ(all.offset_of(Ipv6Address::from_u128(kAll)), kAll);
  EXPECT_EQ(all.last(), Ipv6Address::from_u128(kAll));

  auto host = P6("2001:db8::1/128");
  EXPECT_EQ(host.size(), 1u);
  EXPECT_EQ(host.last(), host.address());
  EXPECT_EQ(host.at(0).value(), A6("2001:db8::1"));
  EXPECT_FALSE(host.at(1).has_value());
  EXPECT_EQ(host.offset_of(A6("2001:db8::1")), 0u);

  auto pair = P6("2001:db8::2/127");
  EXPECT_EQ(pair.at(1).value(), A6("2001:db8::3"));
  EXPECT_FALSE(pair.at(2).has_value());
  EXPECT_EQ(pair.offset_of(A6("2001:db8::3")), 1u);

  for (u128 off : {u128{0}, u128{1}, u128{0xffff}, (u128{1} << 48) - 1}) {
    EXPECT_EQ(node.offset_of(node.at(off).value()), off);
  }
}

TEST(Ipv4PrefixTest, ParseValidAndInvalid) {
  const std::vector<Case> valid = {
      {"0.0.0.0/0", "0.0.0.0/0"},           {"128.0.0.0/1", "128.0.0.0/1"},
      {"0.0.0.0/1", "0.0.0.0/1"},           {"10.0.0.0/16", "10.0.0.0/16"},
      {"169.254.172.0/22", "169.254.172.0/22"}, {"198.51.100.0/24", "198.51.100.0/24"},
      {"192.0.2.2/31", "192.0.2.2/31"},     {"192.0.2.1/32", "192.0.2.1/32"},
      {"255.255.255.255/32", "255.255.255.255/32"},
  };
  for (const auto& c : valid) {
    SCOPED_TRACE(c.text);
    auto p = Ipv4Prefix::parse(c.text);
    ASSERT_TRUE(p.has_value()) << p.error().message();
    EXPECT_EQ(p->to_string(), c.expect);
  }
  const std::vector<Case> invalid = {
      {"10.0.0.0/33", "prefix length 33 > 32"},
      {"10.0.0.0/128", "prefix length 128 > 32"},
      {"10.0.0.0/-1", "is negative"},
      {"10.0.0.0/+8", "must not have a sign"},
      {"10.0.0.0/08", "leading zero"},
      {"10.0.0.0/", "empty prefix length"},
      {"10.0.0.0", "missing \"/length\""},
      {"10.0.0.0/8x", "not a decimal number"},
      {"169.254.172.1/22", "host bits set (the /22 network is 169.254.172.0/22)"},
      {"169.254.173.0/22", "host bits set (the /22 network is 169.254.172.0/22)"},
      {"192.0.2.3/31", "the /31 network is 192.0.2.2/31"},
      {"128.0.0.0/0", "the /0 network is 0.0.0.0/0"},
      {"01.2.3.0/24", "leading zero"},
      {"10.0.0/8", "only 3 of 4 octets"},
      {"::/0", "':' in an IPv4 address"},
  };
  for (const auto& c : invalid) {
    SCOPED_TRACE(c.text);
    auto p = Ipv4Prefix::parse(c.text);
    ASSERT_FALSE(p.has_value()) << p->to_string();
    EXPECT_NE(p.error().what().find(c.expect), std::string::npos) << p.error().what();
    EXPECT_NE(p.error().what().find("invalid IPv4 prefix"), std::string::npos) << p.error().what();
  }
}

TEST(Ipv4PrefixTest, MakeSizeLastAtEveryBoundaryLength) {
  for (int len : {0, 1, 22, 31, 32}) {
    SCOPED_TRACE(len);
    auto p = Ipv4Prefix::make(Ipv4Address(0xffffffff), len);
    ASSERT_TRUE(p.has_value());
    uint32_t mask = len == 0 ? 0 : 0xffffffffu << (32 - len);
    EXPECT_EQ(p->address().to_u32(), mask);
    EXPECT_EQ(p->size(), uint64_t{1} << (32 - len));
    EXPECT_EQ(p->last(), Ipv4Address(0xffffffff));
    EXPECT_EQ(p->host_bits(), 32 - len);
    EXPECT_EQ(p->at(p->size() - 1).value(), p->last());
    EXPECT_FALSE(p->at(p->size()).has_value());
    EXPECT_EQ(p->offset_of(p->last()), p->size() - 1);
    EXPECT_EQ(Ipv4Prefix::parse(p->to_string()).value(), *p);
  }
  EXPECT_FALSE(Ipv4Prefix::make(Ipv4Address(), 33).has_value());
  EXPECT_FALSE(Ipv4Prefix::make(Ipv4Address(), -1).has_value());
  EXPECT_EQ(Ipv4Prefix(), P4("0.0.0.0/0"));
}

TEST(Ipv4PrefixTest, CarvingEdges) {
  auto egress = P4("169.254.172.0/22");
  EXPECT_EQ(egress.size(), 1024u);
  EXPECT_EQ(egress.last(), A4("169.254.175.255"));
  EXPECT_EQ(egress.at(1).value(), A4("169.254.172.1"));
  EXPECT_EQ(egress.at(1023).value(), A4("169.254.175.255"));
  auto out = egress.at(1024);
  ASSERT_FALSE(out.has_value());
  EXPECT_NE(out.error().what().find("offset 1024 is outside 169.254.172.0/22 (1024 addresses)"),
            std::string::npos)
      << out.error().what();
  EXPECT_EQ(egress.offset_of(A4("169.254.173.7")), 263u);
  EXPECT_TRUE(egress.contains(A4("169.254.175.255")));
  EXPECT_FALSE(egress.contains(A4("169.254.176.0")));
  EXPECT_EQ(egress.subprefix(24, 3).value(), P4("169.254.175.0/24"));
  EXPECT_FALSE(egress.subprefix(24, 4).has_value());
  EXPECT_EQ(egress.subprefix(22, 0).value(), egress);
  EXPECT_FALSE(egress.subprefix(21, 0).has_value());
  auto too_long = egress.subprefix(33, 0);
  ASSERT_FALSE(too_long.has_value());
  EXPECT_NE(too_long.error().what().find("33 > 32"), std::string::npos);
  EXPECT_EQ(egress.subprefix(32, 1023).value(), P4("169.254.175.255/32"));

  auto all = P4("0.0.0.0/0");
  EXPECT_EQ(all.size(), uint64_t{1} << 32);
  EXPECT_EQ(all.subprefix(0, 0).value(), all);
  EXPECT_FALSE(all.subprefix(0, 1).has_value());
  EXPECT_EQ(all.subprefix(1, 1).value(), P4("128.0.0.0/1"));
  EXPECT_EQ(all.subprefix(32, 0xffffffff).value(), P4("255.255.255.255/32"));
  EXPECT_FALSE(all.subprefix(32, uint64_t{1} << 32).has_value());
  EXPECT_EQ(all.at(0xffffffff).value(), A4("255.255.255.255"));
  EXPECT_FALSE(all.at(uint64_t{1} << 32).has_value());
  EXPECT_TRUE(all.contains(P4("10.0.0.0/8")));
  EXPECT_TRUE(all.overlaps(P4("10.0.0.0/8")));
  EXPECT_FALSE(P4("10.0.0.0/8").overlaps(P4("11.0.0.0/8")));
  EXPECT_TRUE(P4("10.0.0.0/8").overlaps(P4("10.1.0.0/16")));

  auto host = P4("192.0.2.1/32");
  EXPECT_EQ(host.size(), 1u);
  EXPECT_EQ(host.at(0).value(), A4("192.0.2.1"));
  EXPECT_FALSE(host.at(1).has_value());
  EXPECT_FALSE(host.subprefix(32, 1).has_value());
  auto pair = P4("192.0.2.2/31");
  EXPECT_EQ(pair.at(1).value(), A4("192.0.2.3"));
  EXPECT_FALSE(pair.at(2).has_value());
}

TEST(IpInterfaceTest, KeepsHostBits) {
  auto v6 = IpInterface::parse("2001:db8::5/64");
  ASSERT_TRUE(v6.has_value()) << v6.error().message();
  EXPECT_TRUE(is_v6(v6->address));
  EXPECT_EQ(to_string(v6->address), "2001:db8::5");
  EXPECT_EQ(v6->prefix_length, 64);
  EXPECT_EQ(v6->to_string(), "2001:db8::5/64");
  auto v4 = IpInterface::parse("169.254.172.3/22");
  ASSERT_TRUE(v4.has_value());
  EXPECT_FALSE(is_v6(v4->address));
  EXPECT_EQ(v4->to_string(), "169.254.172.3/22");
  EXPECT_EQ(IpInterface::parse("2001:0DB8::0005/128").value().to_string(), "2001:db8::5/128");
  EXPECT_EQ(IpInterface::parse("0.0.0.0/0").value().to_string(), "0.0.0.0/0");
  EXPECT_EQ(IpInterface::parse("::/0").value(), (IpInterface{Ipv6Address(), 0}));
  EXPECT_EQ(IpInterface::parse("::ffff:1.2.3.4/96").value().to_string(), "::ffff:1.2.3.4/96");

  const std::vector<Case> invalid = {
      {"2001:db8::5/129", "129 > 128"}, {"169.254.172.3/33", "33 > 32"},
      {"169.254.172.3", "missing"},     {"2001:db8::5/", "empty"},
      {"x/1", "unexpected character 'x'"}, {"/64", "empty"},
      {"2001:db8::5/064", "leading zero"}, {"169.254.172.3/-1", "negative"},
  };
  for (const auto& c : invalid) {
    SCOPED_TRACE(c.text);
    auto i = IpInterface::parse(c.text);
    ASSERT_FALSE(i.has_value());
    EXPECT_NE(i.error().what().find(c.expect), std::string::npos) << i.error().what();
  }
}

}  // namespace
}  // namespace v6k::addr
