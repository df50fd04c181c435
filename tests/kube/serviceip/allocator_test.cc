// ServiceIpAllocator: range edges per CIDR size, the KEP-3070 static band, exhaustion,
// release/reuse and rebuild, with upstream's error texts.
#include <gtest/gtest.h>

#include <set>

#include "addr/ip.h"
#include "kube/serviceip/allocator.h"

namespace v6k::kube::serviceip {
namespace {

using json = nlohmann::json;

std::unique_ptr<ServiceIpAllocator> make(std::string_view cidr, uint64_t seed = 42) {
  auto a = ServiceIpAllocator::create(cidr, seed);
  EXPECT_TRUE(a.has_value()) << cidr << ": " << (a ? "" : a.error().message());
  return a ? std::move(*a) : nullptr;
}

struct RangeCase {
  const char* cidr;
  IpFamily family;
  uint64_t size;
  uint64_t band;
  const char* first;       // first usable
  const char* last;        // last usable
  const char* below;       // network address: never usable
  const char* above;       // first address past the range (or broadcast)
};

TEST(ServiceIpAllocator, RangeEdges) {
  const RangeCase cases[] = {
      {"fd5a:1b2c:3d4e::/108", IpFamily::kIPv6, (1u << 20) - 1, 256, "fd5a:1b2c:3d4e::1", "fd5a:1b2c:3d4e::f:ffff",
       "fd5a:1b2c:3d4e::", "fd5a:1b2c:3d4e::10:0"},
      {"fd00:10::/120", IpFamily::kIPv6, 255, 16, "fd00:10::1", "fd00:10::ff", "fd00:10::", "fd00:10::100"},
      {"10.100.0.0/16", IpFamily::kIPv4, 65534, 256, "10.100.0.1", "10.100.255.254", "10.100.0.0", "10.100.255.255"},
      {"10.100.0.0/28", IpFamily::kIPv4, 14, 0, "10.100.0.1", "10.100.0.14", "10.100.0.0", "10.100.0.15"},
      {"10.100.0.0/24", IpFamily::kIPv4, 254, 16, "10.100.0.1", "10.100.0.254", "10.100.0.0", "10.100.0.255"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.cidr);
    auto a = make(c.cidr);
    ASSERT_TRUE(a);
    EXPECT_EQ(a->family(), c.family);
    EXPECT_EQ(a->cidr(), c.cidr);
    EXPECT_EQ(a->size(), c.size);
    EXPECT_EQ(a->reserved_band(), c.band);
    EXPECT_TRUE(a->allocate_specific(c.first).has_value());
    EXPECT_TRUE(a->allocate_specific(c.last).has_value());
    EXPECT_EQ(a->used(), 2u);
    for (const char* bad : {c.below, c.above}) {
      auto r = a->allocate_specific(bad);
      ASSERT_FALSE(r.has_value()) << bad;
      EXPECT_EQ(r.error().code(), EINVAL);
      EXPECT_EQ(r.error().what(), std::string("the provided IP (") + bad +
                                      ") is not in the valid range. The range of valid IPs is " + c.cidr);
    }
    auto again = a->allocate_specific(c.first);
    ASSERT_FALSE(again.has_value());
    EXPECT_EQ(again.error().code(), EEXIST);
    EXPECT_EQ(again.error().what(), "provided IP is already allocated");
  }
}

TEST(ServiceIpAllocator, RefusesTooLargeAndBadRanges) {
  struct Bad {
    const char* cidr;
    const char* what;
  };
  const Bad cases[] = {
      {"fd5a::/107", "specified --service-cluster-ip-range is too large; for 128-bit addresses, the mask must be >= 108"},
      {"fd5a::/64", "specified --service-cluster-ip-range is too large; for 128-bit addresses, the mask must be >= 108"},
      {"10.0.0.0/11", "specified --service-cluster-ip-range is too large; for 32-bit addresses, the mask must be >= 12"},
      {"10.0.0.0", "invalid CIDR address: 10.0.0.0"},
      {"10.0.0.0/33", "invalid CIDR address: 10.0.0.0/33"},
      {"nope/24", "invalid CIDR address: nope/24"},
  };
  for (const auto& c : cases) {
    auto a = ServiceIpAllocator::create(c.cidr);
    ASSERT_FALSE(a.has_value()) << c.cidr;
    EXPECT_EQ(a.error().what(), c.what);
  }
  // Host bits are masked as net.ParseCIDR does.
  auto masked = ServiceIpAllocator::create("10.96.3.4/12");
  ASSERT_TRUE(masked.has_value());
  EXPECT_EQ((*masked)->cidr(), "10.96.0.0/12");
}

TEST(ServiceIpAllocator, WrongFamilyAndGarbageAreOutOfRange) {
  auto a = make("fd5a:1b2c:3d4e::/108");
  auto v4 = a->allocate_specific("10.0.0.1");
  ASSERT_FALSE(v4);
  EXPECT_EQ(v4.error().what(), "the provided IP (10.0.0.1) is not in the valid range. The range of valid IPs is fd5a:1b2c:3d4e::/108");
  auto junk = a->allocate_specific("not-an-ip");
  ASSERT_FALSE(junk);
  EXPECT_EQ(junk.error().what(), "the provided IP (<nil>) is not in the valid range. The range of valid IPs is fd5a:1b2c:3d4e::/108");
  // Non-canonical text of an in-range IP is the same address.
  ASSERT_TRUE(a->allocate_specific("FD5A:1B2C:3D4E:0:0:0:0:A"));
  EXPECT_TRUE(a->has("fd5a:1b2c:3d4e::a"));
}

// Dynamic allocation exhausts the upper band before touching the static band.
TEST(ServiceIpAllocator, UpperBandFirstThenStaticBand) {
  auto a = make("fd00:10::/120");
  auto net = addr::Ipv6Prefix::parse("fd00:10::/120").value();
  std::set<std::string> seen;
  for (int i = 0; i < 255 - 16; ++i) {
    auto ip = a->allocate();
    ASSERT_TRUE(ip) << i;
    auto off = net.offset_of(addr::Ipv6Address::parse(*ip).value());
    EXPECT_GE(off, 17u) << *ip;  // offsets 1..16 are the static band
    EXPECT_TRUE(seen.insert(*ip).second) << "duplicate " << *ip;
  }
  for (int i = 0; i < 16; ++i) {
    auto ip = a->allocate();
    ASSERT_TRUE(ip) << i;
    auto off = net.offset_of(addr::Ipv6Address::parse(*ip).value());
    EXPECT_GE(off, 1u);
    EXPECT_LE(off, 16u) << *ip;
    EXPECT_TRUE(seen.insert(*ip).second);
  }
  auto full = a->allocate();
  ASSERT_FALSE(full);
  EXPECT_EQ(full.error().code(), ENOSPC);
  EXPECT_EQ(full.error().what(), "range is full");
  EXPECT_EQ(a->free(), 0u);
}

TEST(ServiceIpAllocator, ExhaustReleaseReuseIpv4Slash28) {
  auto a = make("10.100.0.0/28");
  std::set<std::string> seen;
  for (int i = 0; i < 14; ++i) {
    auto ip = a->allocate();
    ASSERT_TRUE(ip);
    seen.insert(*ip);
  }
  EXPECT_EQ(seen.size(), 14u);
  EXPECT_EQ(*seen.begin(), "10.100.0.1");
  EXPECT_FALSE(seen.count("10.100.0.0"));
  EXPECT_FALSE(seen.count("10.100.0.15"));
  EXPECT_EQ(a->allocate().error().what(), "range is full");
  a->release("10.100.0.7");
  a->release("10.100.0.7");      // twice: no-op
  a->release("192.168.0.1");     // out of range: no-op
  EXPECT_EQ(a->used(), 13u);
  EXPECT_EQ(a->allocate().value(), "10.100.0.7");
  EXPECT_EQ(a->used(), 14u);
}

// A /108 has a million addresses: filling it completely must stay cheap per call.
TEST(ServiceIpAllocator, FillsSlash108Completely) {
  auto a = make("fd5a:1b2c:3d4e::/108", 7);
  const uint64_t n = a->size();
  for (uint64_t i = 0; i < n; ++i) {
    auto ip = a->allocate();
    ASSERT_TRUE(ip) << i;
  }
  EXPECT_EQ(a->used(), n);
  EXPECT_EQ(a->allocate().error().what(), "range is full");
  EXPECT_TRUE(a->has("fd5a:1b2c:3d4e::1"));
  EXPECT_TRUE(a->has("fd5a:1b2c:3d4e::f:ffff"));
  a->release("fd5a:1b2c:3d4e::abcd");
  EXPECT_EQ(a->allocate().value(), "fd5a:1b2c:3d4e::abcd");
}

TEST(ServiceIpAllocator, RebuildFromServices) {
  auto a = make("fd5a:1b2c:3d4e::/108");
  ASSERT_TRUE(a->allocate_specific("fd5a:1b2c:3d4e::99"));  // forgotten by rebuild
  json services = json::array({
      {{"spec", {{"clusterIP", "fd5a:1b2c:3d4e::a"}, {"clusterIPs", {"fd5a:1b2c:3d4e::a"}}}}},
      {{"spec", {{"clusterIP", "fd5a:1b2c:3d4e::1:2"}}}},                      // clusterIP only
      {{"spec", {{"clusterIP", "None"}, {"clusterIPs", {"None"}}}}},           // headless
      {{"spec", {{"type", "ExternalName"}, {"externalName", "x.example"}}}},   // no IP
      {{"spec", {{"clusterIPs", {"fd5a:1b2c:3d4e::a"}}}}},                     // duplicate
      {{"spec", {{"clusterIPs", {"10.0.0.1"}}}}},                              // other family
      {{"spec", {{"clusterIPs", {"fd99::1"}}}}},                               // out of range
      {{"spec", 5}},                                                           // malformed
  });
  EXPECT_EQ(a->rebuild(services), 2u);
  EXPECT_EQ(a->used(), 2u);
  EXPECT_TRUE(a->has("fd5a:1b2c:3d4e::a"));
  EXPECT_TRUE(a->has("fd5a:1b2c:3d4e::1:2"));
  EXPECT_FALSE(a->has("fd5a:1b2c:3d4e::99"));
  EXPECT_EQ(a->allocate_specific("fd5a:1b2c:3d4e::a").error().what(), "provided IP is already allocated");
}

}  // namespace
}  // namespace v6k::kube::serviceip
