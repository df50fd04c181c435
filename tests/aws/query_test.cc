// Query-protocol parsing: table-driven decoding, lists, nested structs, index rules.
#include <gtest/gtest.h>

#include "aws/query.h"

namespace v6k::aws {
namespace {

TEST(ParseQuery, Decoding) {
  struct Case {
    std::string_view body;
    std::vector<std::pair<std::string, std::string>> want;  // empty + error => failure
    bool ok;
  };
  const Case cases[] = {
      {"", {}, true},
      {"Action=CreateVpc&Version=2016-11-15", {{"Action", "CreateVpc"}, {"Version", "2016-11-15"}}, true},
      {"a=x+y", {{"a", "x y"}}, true},
      {"a=x%2By", {{"a", "x+y"}}, true},
      {"a=%E6%B5%8B", {{"a", "\xe6\xb5\x8b"}}, true},
      {"a=%e6%b5%8b", {{"a", "\xe6\xb5\x8b"}}, true},
      {"a=", {{"a", ""}}, true},
      {"a", {{"a", ""}}, true},
      {"a=1&&b=2&", {{"a", "1"}, {"b", "2"}}, true},
      {"a=b=c", {{"a", "b=c"}}, true},
      {"Filter.1.Name%3D=x", {{"Filter.1.Name=", "x"}}, true},
      {"a+b=1", {{"a b", "1"}}, true},
      {"a=1&a=2", {}, false},
      {"a=1&a=1", {}, false},
      {"a=%", {}, false},
      {"a=%4", {}, false},
      {"a=%zz", {}, false},
      {"a%=1", {}, false},
      {"=1", {}, false},
      {"%41=1&A=2", {}, false},  // duplicate after decoding
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(std::string(c.body));
    auto q = parse_query(c.body);
    ASSERT_EQ(q.has_value(), c.ok) << (q ? "" : q.error().message());
    if (!c.ok) {
      EXPECT_FALSE(q.error().message().empty());
      continue;
    }
    EXPECT_EQ(q->all().size(), c.want.size());
    for (const auto& [k, v] : c.want) EXPECT_EQ(q->get(k), v) << k;
  }
}

TEST(ParseQuery, ErrorsNameTheParameter) {
  auto dup = parse_query("VpcId=vpc-1&VpcId=vpc-2");
  ASSERT_FALSE(dup);
  EXPECT_NE(dup.error().message().find("VpcId"), std::string::npos);
  auto esc = parse_query("CidrBlock=10.0.0.0%2G16");
  ASSERT_FALSE(esc);
  EXPECT_NE(esc.error().message().find("CidrBlock"), std::string::npos);
}

TEST(QueryParams, Lists) {
  struct Case {
    std::string_view body;
    std::vector<std::string> want;
    bool ok;
  };
  const Case cases[] = {
      {"X=1", {}, true},
      {"SecurityGroupId.1=sg-1", {"sg-1"}, true},
      {"SecurityGroupId.2=b&SecurityGroupId.1=a&SecurityGroupId.3=", {"a", "b", ""}, true},
      {"SecurityGroupId.1=a&SecurityGroupId.10=j&SecurityGroupId.2=b&SecurityGroupId.3=c&"
       "SecurityGroupId.4=d&SecurityGroupId.5=e&SecurityGroupId.6=f&SecurityGroupId.7=g&"
       "SecurityGroupId.8=h&SecurityGroupId.9=i",
       {"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"}, true},  // numeric, not lexical, order
      {"SecurityGroupIds.1=x&SecurityGroupId.1=a", {"a"}, true},  // other prefixes ignored
      {"SecurityGroupId.1=a&SecurityGroupId.3=c", {}, false},     // gap
      {"SecurityGroupId.0=a", {}, false},
      {"SecurityGroupId.01=a", {}, false},
      {"SecurityGroupId.x=a", {}, false},
      {"SecurityGroupId.=a", {}, false},
      {"SecurityGroupId.-1=a", {}, false},
      {"SecurityGroupId.1.Foo=a", {}, false},  // a struct where a value was expected
      {"SecurityGroupId.9999999=a", {}, false},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(std::string(c.body));
    auto q = parse_query(c.body);
    ASSERT_TRUE(q.has_value());
    auto l = q->list("SecurityGroupId");
    ASSERT_EQ(l.has_value(), c.ok) << (l ? "" : l.error().message());
    if (c.ok) {
      EXPECT_EQ(*l, c.want);
    }
  }
}

TEST(QueryParams, NestedStructs) {
  auto q = parse_query(
      "Action=AuthorizeSecurityGroupIngress&GroupId=sg-1"
      "&IpPermissions.1.IpProtocol=tcp&IpPermissions.1.FromPort=80&IpPermissions.1.ToPort=80"
      "&IpPermissions.1.Ipv6Ranges.1.CidrIpv6=%3A%3A%2F0"
      "&IpPermissions.1.Ipv6Ranges.2.CidrIpv6=2001%3Adb8%3A%3A%2F32"
      "&IpPermissions.2.IpProtocol=-1");
  ASSERT_TRUE(q.has_value());
  auto perms = q->structs("IpPermissions");
  ASSERT_TRUE(perms.has_value()) << perms.error().message();
  ASSERT_EQ(perms->size(), 2u);
  EXPECT_EQ((*perms)[0].get("IpProtocol"), "tcp");
  EXPECT_EQ((*perms)[0].get_int("FromPort").value(), 80);
  auto ranges = (*perms)[0].structs("Ipv6Ranges");
  ASSERT_TRUE(ranges.has_value());
  ASSERT_EQ(ranges->size(), 2u);
  EXPECT_EQ((*ranges)[0].get("CidrIpv6"), "::/0");
  EXPECT_EQ((*ranges)[1].get("CidrIpv6"), "2001:db8::/32");
  EXPECT_EQ((*perms)[1].get("IpProtocol"), "-1");
  EXPECT_TRUE((*perms)[1].structs("Ipv6Ranges")->empty());

  auto filters = parse_query("Filter.1.Name=vpc-id&Filter.1.Value.1=vpc-1&Filter.1.Value.2=vpc-2")
                     ->structs("Filter");
  ASSERT_TRUE(filters.has_value());
  EXPECT_EQ((*filters)[0].list("Value").value(), (std::vector<std::string>{"vpc-1", "vpc-2"}));

  EXPECT_FALSE(parse_query("Filter.1.Name=a&Filter.3.Name=b")->structs("Filter").has_value());
  EXPECT_FALSE(parse_query("Filter.1=a")->structs("Filter").has_value());
  EXPECT_FALSE(parse_query("Filter.1.=a")->structs("Filter").has_value());
  EXPECT_FALSE(parse_query("Filter.0.Name=a")->structs("Filter").has_value());
}

TEST(QueryParams, TypedGetters) {
  auto q = parse_query("A=true&B=FALSE&C=yes&D=42&E=-7&F=4x&G=&H=99999999999999999999");
  ASSERT_TRUE(q.has_value());
  EXPECT_EQ(q->get_bool("A").value(), true);
  EXPECT_EQ(q->get_bool("B").value(), false);
  EXPECT_EQ(q->get_bool("Missing").value(), std::nullopt);
  auto bad = q->get_bool("C");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().what(), "Value (yes) for parameter C is invalid. Expected: 'true' or 'false'.");
  EXPECT_EQ(q->get_int("D").value(), 42);
  EXPECT_EQ(q->get_int("E").value(), -7);
  EXPECT_EQ(q->get_int("Missing").value(), std::nullopt);
  for (auto k : {"F", "G", "H", "A"}) {
    auto r = q->get_int(k);
    ASSERT_FALSE(r) << k;
    EXPECT_NE(r.error().what().find("Expected a numeric value"), std::string::npos);
  }
}

TEST(FormEncode, RoundTripsThroughParse) {
  const std::string values[] = {"", "a b", "x+y&z=1", "::/0", "\xe6\xb5\x8b~-._", std::string("\0\x01\xff", 3)};
  for (const auto& v : values) {
    auto q = parse_query("k=" + form_encode(v));
    ASSERT_TRUE(q.has_value());
    EXPECT_EQ(q->get("k"), v);
  }
}

}  // namespace
}  // namespace v6k::aws
