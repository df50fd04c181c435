// Mac text round trips and rejections; no privileges needed.
#include <gtest/gtest.h>

#include "netlink/rtnl.h"

namespace v6k::netlink {
namespace {

TEST(MacTest, FormatsLowerCaseColonSeparated) {
  Mac m{{0x02, 0x00, 0x5e, 0xAB, 0x0c, 0xff}};
  EXPECT_EQ(m.to_string(), "02:00:5e:ab:0c:ff");
}

TEST(MacTest, ParsesColonDashAndMixedCase) {
  const Mac want{{0x02, 0x00, 0x5e, 0xab, 0x0c, 0xff}};
  for (const char* text : {"02:00:5e:ab:0c:ff", "02:00:5E:AB:0C:FF", "02-00-5e-ab-0c-ff"}) {
    auto m = Mac::parse(text);
    ASSERT_TRUE(m) << text << ": " << m.error().message();
    EXPECT_EQ(*m, want) << text;
  }
}

TEST(MacTest, RoundTrips) {
  for (int i = 0; i < 256; i += 17) {
    Mac m{{static_cast<uint8_t>(i), 1, 2, 3, 4, static_cast<uint8_t>(255 - i)}};
    auto back = Mac::parse(m.to_string());
    ASSERT_TRUE(back);
    EXPECT_EQ(*back, m);
  }
}

TEST(MacTest, RejectsMalformedWithReason) {
  struct Case {
    const char* text;
    const char* reason;
  };
  for (const Case& c : {Case{"", "17 characters"}, Case{"02:00:5e:ab:0c", "17 characters"},
                        Case{"02:00:5e:ab:0c:ff:", "17 characters"},
                        Case{"02.00.5e.ab.0c.ff", "separated"}, Case{"02:00-5e:ab:0c:ff", "separators"},
                        Case{"0g:00:5e:ab:0c:ff", "group 1"}, Case{"02:00:5e:ab:0c:f ", "group 6"},
                        Case{"02:00:5e:ab:0c: f", "group 6"}}) {
    auto m = Mac::parse(c.text);
    ASSERT_FALSE(m) << c.text;
    EXPECT_EQ(m.error().code(), EINVAL);
    EXPECT_NE(m.error().message().find(c.reason), std::string::npos)
        << c.text << " -> " << m.error().message();
  }
}

TEST(RouteTest, FamilyFromDstThenGatewayElseIpv6) {
  Route r;
  EXPECT_EQ(r.family(), AF_INET6);
  r.gateway = addr::parse_ip("169.254.172.1").value();
  EXPECT_EQ(r.family(), AF_INET);
  r.dst = addr::parse_ip("2001:db8::1").value();
  EXPECT_EQ(r.family(), AF_INET6);
}

}  // namespace
}  // namespace v6k::netlink
