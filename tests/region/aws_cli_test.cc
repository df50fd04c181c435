// The real aws CLI (Debian's awscli v2, /usr/bin/aws) against `v6k serve`: the seed's VPC
// setup step by step, bad input rejected with AWS's error codes and nothing changed, bad
// signatures refused, and the state surviving a kill -9 of the daemon.
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <nlohmann/json.hpp>

#include "support/region_daemon.h"

namespace {

using nlohmann::json;
using v6k::testing::ExecResult;
using v6k::testing::RegionDaemon;

class AwsCli : public ::testing::Test {
 protected:
  void SetUp() override {
    if (auto why = RegionDaemon::unavailable()) GTEST_SKIP() << *why;
    d_ = std::make_unique<RegionDaemon>();
  }
  ExecResult aws(const std::vector<std::string>& args, const std::map<std::string, std::string>& env = {}) {
    return d_->aws(args, env);
  }
  json aws_json(const std::vector<std::string>& args) { return d_->aws_json(args); }
  std::unique_ptr<RegionDaemon> d_;
};

TEST_F(AwsCli, SeedVpcSetupAndErrors) {
  json who = aws_json({"sts", "get-caller-identity"});
  EXPECT_EQ(who["Account"], "123456789012");

  json zones = aws_json({"ec2", "describe-availability-zones"});
  ASSERT_EQ(zones["AvailabilityZones"].size(), 3u);
  EXPECT_EQ(zones["AvailabilityZones"][0]["ZoneName"], "us-west-2a");
  EXPECT_EQ(zones["AvailabilityZones"][0]["ZoneId"], "usw2-az1");

  json vpc = aws_json({"ec2", "create-vpc", "--cidr-block", "10.0.0.0/16", "--amazon-provided-ipv6-cidr-block",
                       "--tag-specifications", "ResourceType=vpc,Tags=[{Key=Name,Value=aws-news-blog}]"});
  std::string vpc_id = vpc["Vpc"]["VpcId"];
  EXPECT_EQ(vpc_id.rfind("vpc-", 0), 0u);
  EXPECT_EQ(vpc["Vpc"]["CidrBlock"], "10.0.0.0/16");
  std::string v6 = vpc["Vpc"]["Ipv6CidrBlockAssociationSet"][0]["Ipv6CidrBlock"];
  ASSERT_EQ(v6.substr(v6.size() - 3), "/56") << v6;
  EXPECT_EQ(v6.rfind("2001:db8:", 0), 0u) << v6;
  EXPECT_EQ(vpc["Vpc"]["Tags"][0]["Value"], "aws-news-blog");

  // The two /64s the seed uses: the first two of the VPC's /56.
  std::string base = v6.substr(0, v6.find("::"));  // e.g. 2001:db8:0:100
  std::string net_a = base + "::/64";
  std::string net_b = base.substr(0, base.size() - 1) + "1::/64";
  json a = aws_json({"ec2", "create-subnet", "--vpc-id", vpc_id, "--cidr-block", "10.0.0.0/24", "--ipv6-cidr-block",
                     net_a, "--availability-zone", "us-west-2a"});
  json b = aws_json({"ec2", "create-subnet", "--vpc-id", vpc_id, "--cidr-block", "10.0.1.0/24", "--ipv6-cidr-block",
                     net_b, "--availability-zone", "us-west-2b"});
  std::string sa = a["Subnet"]["SubnetId"], sb = b["Subnet"]["SubnetId"];
  EXPECT_EQ(a["Subnet"]["Ipv6CidrBlockAssociationSet"][0]["Ipv6CidrBlock"], net_a);
  EXPECT_EQ(a["Subnet"]["AvailableIpAddressCount"], 251);
  for (const auto& s : {sa, sb}) {
    ExecResult m = aws({"ec2", "modify-subnet-attribute", "--subnet-id", s, "--assign-ipv6-address-on-creation"});
    EXPECT_EQ(m.exit_code, 0) << m.err;
  }
  json subnets = aws_json({"ec2", "describe-subnets", "--filters", "Name=vpc-id,Values=" + vpc_id});
  ASSERT_EQ(subnets["Subnets"].size(), 2u);
  for (const auto& s : subnets["Subnets"]) EXPECT_EQ(s["AssignIpv6AddressOnCreation"], true);

  // Bad input: AWS's codes, exit 254, and nothing changes.
  struct Bad {
    std::vector<std::string> args;
    std::string code;
  };
  std::vector<Bad> bad = {
      {{"ec2", "create-subnet", "--vpc-id", vpc_id, "--cidr-block", "10.0.0.128/25"}, "InvalidSubnet.Conflict"},
      {{"ec2", "create-subnet", "--vpc-id", vpc_id, "--cidr-block", "10.1.0.0/24"}, "InvalidSubnet.Range"},
      {{"ec2", "create-subnet", "--vpc-id", vpc_id, "--cidr-block", "10.0.9.0/24", "--ipv6-cidr-block",
        "2001:db8:ffff::/64"}, "InvalidSubnet.Range"},
      {{"ec2", "create-subnet", "--vpc-id", vpc_id, "--cidr-block", "10.0.9.0/24", "--availability-zone", "us-west-2z"},
       "InvalidParameterValue"},
      {{"ec2", "create-subnet", "--vpc-id", "vpc-0000000000000000a", "--cidr-block", "10.0.9.0/24"}, "InvalidVpcID.NotFound"},
      {{"ec2", "create-vpc", "--cidr-block", "10.0.0.0/8"}, "InvalidVpc.Range"},
      {{"ec2", "create-vpc", "--cidr-block", "10.0.0.0/33"}, "InvalidParameterValue"},
      {{"ec2", "describe-vpcs", "--vpc-ids", "vpc-0000000000000000a"}, "InvalidVpcID.NotFound"},
      {{"ec2", "delete-vpc", "--vpc-id", vpc_id}, "DependencyViolation"},
      {{"ec2", "delete-subnet", "--subnet-id", "subnet-0000000000000000a"}, "InvalidSubnetID.NotFound"},
      {{"ec2", "describe-vpcs", "--filters", "Name=bogus,Values=x"}, "InvalidParameterValue"},
  };
  for (const auto& c : bad) {
    ExecResult r = aws(c.args);
    EXPECT_EQ(r.exit_code, 254) << c.args[1] << " " << r.err;
    EXPECT_NE(r.err.find(c.code), std::string::npos) << c.args[1] << ": " << r.err;
  }
  EXPECT_EQ(aws_json({"ec2", "describe-vpcs"})["Vpcs"].size(), 1u);
  EXPECT_EQ(aws_json({"ec2", "describe-subnets"})["Subnets"].size(), 2u);

  // Wrong secret and unknown key are refused.
  ExecResult forged = aws({"ec2", "describe-vpcs"}, {{"AWS_SECRET_ACCESS_KEY", "wrong-secret-wrong-secret-wrong-secret00"}});
  EXPECT_EQ(forged.exit_code, 254);
  EXPECT_NE(forged.err.find("AuthFailure"), std::string::npos) << forged.err;  // EC2 says AuthFailure (401)
  ExecResult forged_sts = aws({"sts", "get-caller-identity"}, {{"AWS_SECRET_ACCESS_KEY", "wrong-secret-wrong-secret-wrong-secret00"}});
  EXPECT_EQ(forged_sts.exit_code, 254);
  EXPECT_NE(forged_sts.err.find("SignatureDoesNotMatch"), std::string::npos) << forged_sts.err;
  ExecResult unknown = aws({"ec2", "describe-vpcs"}, {{"AWS_ACCESS_KEY_ID", "AKIAUNKNOWNUNKNOWN00"}});
  EXPECT_EQ(unknown.exit_code, 254);
  EXPECT_NE(unknown.err.find("AuthFailure"), std::string::npos) << unknown.err;

  // kill -9 and restart: everything committed is back.
  d_->kill9();
  d_->start();
  json after = aws_json({"ec2", "describe-vpcs", "--vpc-ids", vpc_id});
  ASSERT_EQ(after["Vpcs"].size(), 1u);
  EXPECT_EQ(after["Vpcs"][0]["Ipv6CidrBlockAssociationSet"][0]["Ipv6CidrBlock"], v6);

  for (const auto& s : {sa, sb}) EXPECT_EQ(aws({"ec2", "delete-subnet", "--subnet-id", s}).exit_code, 0);
  EXPECT_EQ(aws({"ec2", "delete-vpc", "--vpc-id", vpc_id}).exit_code, 0);
  EXPECT_EQ(aws_json({"ec2", "describe-vpcs"})["Vpcs"].size(), 0u);
}

}  // namespace
