// XML writer/escaping, EC2 envelopes, error documents (parsed back by the real botocore),
// rest-json errors and request ids.
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>

#include "aws/peer.h"
#include "aws/request_id.h"
#include "aws/rest_json.h"
#include "aws/sigv4.h"
#include "aws/xml.h"

namespace v6k::aws {
namespace {

using nlohmann::json;

TEST(Xml, Escaping) {
  const std::pair<std::string, std::string> cases[] = {
      {"plain", "plain"},
      {"a&b", "a&amp;b"},
      {"<tag>", "&lt;tag&gt;"},
      {"\"q\" 'a'", "&quot;q&quot; &apos;a&apos;"},
      {"line\nnext\ttab\rcr", "line&#xA;next&#x9;tab&#xD;cr"},
      {std::string("nul\0bell\x07", 9), "nul\xEF\xBF\xBD" "bell\xEF\xBF\xBD"},
      {"del\x7f", "del&#x7F;"},
      {"\xe6\xb5\x8b\xe8\xaf\x95", "\xe6\xb5\x8b\xe8\xaf\x95"},
      {"&amp;", "&amp;amp;"},
  };
  for (const auto& [in, want] : cases) EXPECT_EQ(xml_escape(in), want) << in;
}

TEST(Xml, WriterNestsAndEscapes) {
  XmlWriter w;
  w.start("vpcSet").start("item").leaf("vpcId", "vpc-1").leaf("isDefault", false);
  w.leaf("count", 3LL).leaf("name", "<a&b>").end().end();
  EXPECT_EQ(w.depth(), 0);
  EXPECT_EQ(std::move(w).take(),
            "<vpcSet><item><vpcId>vpc-1</vpcId><isDefault>false</isDefault><count>3</count>"
            "<name>&lt;a&amp;b&gt;</name></item></vpcSet>");
}

TEST(Xml, Ec2ResponseEnvelope) {
  std::string doc = ec2_response("CreateVpc", "rid-1", [](XmlWriter& w) {
    w.start("vpc").leaf("vpcId", "vpc-0a").end();
  });
  EXPECT_EQ(doc,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<CreateVpcResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\">"
            "<requestId>rid-1</requestId><vpc><vpcId>vpc-0a</vpcId></vpc></CreateVpcResponse>");
  auto r = ec2_ok("DeleteVpc", "rid-2", [](XmlWriter& w) { w.leaf("return", true); });
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.header("content-type"), "text/xml;charset=UTF-8");
  EXPECT_NE(r.body.find("<return>true</return></DeleteVpcResponse>"), std::string::npos);
}

TEST(Xml, Ec2ErrorShape) {
  auto r = ec2_error(400, "InvalidVpcID.NotFound", "The vpc ID 'vpc-<1>' does not exist", "rid-3");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<Response><Errors><Error><Code>InvalidVpcID.NotFound</Code>"
            "<Message>The vpc ID &apos;vpc-&lt;1&gt;&apos; does not exist</Message></Error></Errors>"
            "<RequestID>rid-3</RequestID></Response>");
}

TEST(Xml, Iso8601) {
  using namespace std::chrono;
  auto t = system_clock::from_time_t(1641470400) + milliseconds(7);  // 2022-01-06T12:00:00.007Z
  EXPECT_EQ(iso8601(t), "2022-01-06T12:00:00.007Z");
  EXPECT_EQ(iso8601(system_clock::from_time_t(0)), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(iso8601(system_clock::from_time_t(0) - milliseconds(1)), "1969-12-31T23:59:59.999Z");
}

TEST(RestJson, ErrorShape) {
  auto r = json_error(404, "ResourceNotFoundException", "No cluster found for name: x.", "rid-4");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.header("x-amzn-ErrorType"), "ResourceNotFoundException");
  EXPECT_EQ(r.header("x-amzn-RequestId"), "rid-4");
  EXPECT_EQ(r.header("content-type"), "application/json");
  EXPECT_EQ(json::parse(r.body), json({{"message", "No cluster found for name: x."}}));
  auto bad = json_error(400, "InvalidParameterException", "name \xff\xfe invalid", "rid");
  EXPECT_TRUE(json::accept(bad.body));  // invalid UTF-8 replaced, never thrown
}

TEST(RequestId, IsRandomUuidV4) {
  std::regex shape("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    std::string id = new_request_id();
    ASSERT_TRUE(std::regex_match(id, shape)) << id;
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 1000u);
}

// botocore's own parsers read our error documents back as the code, message and request id.
json botocore_parse(const std::string& protocol, const http::Response& r) {
  json headers = json::object();
  for (const auto& [k, v] : r.headers) headers[k] = v;
  char path[] = "/tmp/v6k_aws_resp_XXXXXX";
  int fd = mkstemp(path);
  EXPECT_GE(fd, 0);
  close(fd);
  std::ofstream(path) << json({{"status", r.status}, {"headers", headers}, {"body", r.body}}).dump();
  auto out = testing::run_peer("parse " + protocol + " " + path);
  unlink(path);
  EXPECT_TRUE(out.has_value());
  return out ? json::parse(*out) : json();
}

TEST(BotocoreParsesOurErrors, AllThreeProtocols) {
  if (!testing::botocore_available()) GTEST_SKIP() << "Debian awscli (botocore) not installed";
  json ec2 = botocore_parse("ec2", ec2_error(400, "InvalidVpcID.NotFound", "no <vpc> & 'x'", "rid-5"));
  EXPECT_EQ(ec2["Error"]["Code"], "InvalidVpcID.NotFound");
  EXPECT_EQ(ec2["Error"]["Message"], "no <vpc> & 'x'");
  EXPECT_EQ(ec2["ResponseMetadata"]["RequestId"], "rid-5");

  AuthFailure f{AuthError::kSignatureDoesNotMatch, "The request signature we calculated ..."};
  json sts = botocore_parse("sts", auth_error_response(f, Protocol::kAwsQuery, "rid-6"));
  EXPECT_EQ(sts["Error"]["Code"], "SignatureDoesNotMatch");
  EXPECT_EQ(sts["Error"]["Type"], "Sender");
  EXPECT_EQ(sts["ResponseMetadata"]["RequestId"], "rid-6");
  EXPECT_EQ(sts["ResponseMetadata"]["HTTPStatusCode"], 403);

  json ec2auth = botocore_parse("ec2", auth_error_response(f, Protocol::kEc2Query, "rid-7"));
  EXPECT_EQ(ec2auth["Error"]["Code"], "AuthFailure");
  EXPECT_EQ(ec2auth["Error"]["Message"], "AWS was not able to validate the provided access credentials");
  EXPECT_EQ(ec2auth["ResponseMetadata"]["HTTPStatusCode"], 401);

  json eks = botocore_parse("eks", auth_error_response(f, Protocol::kRestJson, "rid-8"));
  EXPECT_EQ(eks["Error"]["Code"], "InvalidSignatureException");
  EXPECT_EQ(eks["Error"]["Message"], "The request signature we calculated ...");
  EXPECT_EQ(eks["ResponseMetadata"]["RequestId"], "rid-8");

  json nf = botocore_parse("eks", json_error(404, "ResourceNotFoundException", "No cluster found for name: x.", "r"));
  EXPECT_EQ(nf["Error"]["Code"], "ResourceNotFoundException");
  EXPECT_EQ(nf["Error"]["Message"], "No cluster found for name: x.");
}

}  // namespace
}  // namespace v6k::aws
