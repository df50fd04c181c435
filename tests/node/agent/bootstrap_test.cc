// The ipamd role against a real region (`v6k serve`, the real aws CLI to set it up): the
// node learns its instance and gets a /80 delegated to its ENI, inside its subnet; a
// restarted agent reuses that /80 instead of asking for another. An IPv4 node instead
// fills its warm pool of secondary IPv4s until its small subnet runs out.
#include <gtest/gtest.h>

#include "addr/ip.h"
#include "node/agent/bootstrap.h"
#include "node/agent/ipv4_pool.h"
#include "support/region_daemon.h"

namespace v6k::node {
namespace {

using nlohmann::json;
using testing::RegionDaemon;

TEST(NodeBootstrap, InstanceFactsAndAReusedSlash80) {
  if (auto why = RegionDaemon::unavailable()) GTEST_SKIP() << *why;
  RegionDaemon d;
  json vpc = d.aws_json({"ec2", "create-vpc", "--cidr-block", "10.0.0.0/16", "--amazon-provided-ipv6-cidr-block"})["Vpc"];
  const std::string vpc_id = vpc["VpcId"];
  const std::string v56 =
      d.aws_json({"ec2", "describe-vpcs", "--vpc-ids", vpc_id})["Vpcs"][0]["Ipv6CidrBlockAssociationSet"][0]["Ipv6CidrBlock"];
  auto p56 = addr::Ipv6Prefix::parse(v56);
  ASSERT_TRUE(p56);
  const std::string v64 = p56->subprefix(64, 1).value().to_string();
  const std::string subnet = d.aws_json({"ec2", "create-subnet", "--vpc-id", vpc_id, "--cidr-block", "10.0.1.0/24",
                                         "--availability-zone", "us-west-2a", "--ipv6-cidr-block", v64})["Subnet"]["SubnetId"];
  d.aws_json({"ec2", "modify-subnet-attribute", "--subnet-id", subnet, "--assign-ipv6-address-on-creation"});
  json run = d.aws_json({"ec2", "run-instances", "--image-id", "ami-0123456789abcdef0", "--instance-type", "m5.large",
                         "--subnet-id", subnet, "--associate-public-ip-address"});
  const std::string instance = run["Instances"][0]["InstanceId"];

  auto access = aws::load_region_access(d.state_dir());
  ASSERT_TRUE(access) << access.error().message();
  aws::Ec2Client ec2(aws::Ec2ClientOptions::from(*access));
  auto id = bootstrap_node({.ec2 = &ec2, .instance_id = instance, .nodegroup = "ng-1"});
  ASSERT_TRUE(id) << id.error().message();
  EXPECT_EQ(id->node_name, "ip-10-0-1-4.us-west-2.compute.internal");
  EXPECT_EQ(id->instance_type, "m5.large");
  EXPECT_EQ(id->cpu, 2);
  EXPECT_EQ(id->memory_bytes, 8ll << 30);
  EXPECT_EQ(id->zone, "us-west-2a");
  EXPECT_EQ(id->internal_ipv4, "10.0.1.4");
  EXPECT_FALSE(id->external_ipv4.empty());
  EXPECT_EQ(kube_arch(id->architecture), "amd64");
  auto node6 = addr::Ipv6Address::parse(id->internal_ipv6);
  auto subnet64 = addr::Ipv6Prefix::parse(v64);
  auto pod80 = addr::Ipv6Prefix::parse(id->pod_prefix);
  ASSERT_TRUE(node6 && subnet64 && pod80) << id->internal_ipv6 << " " << id->pod_prefix;
  EXPECT_EQ(pod80->length(), 80);
  EXPECT_TRUE(subnet64->contains(*node6));
  EXPECT_TRUE(subnet64->contains(pod80->address()));
  EXPECT_FALSE(pod80->contains(*node6));
  EXPECT_FALSE(id->kernel_version.empty());

  // The CLI sees the delegation on the ENI.
  json eni = d.aws_json({"ec2", "describe-instances", "--instance-ids", instance})["Reservations"][0]["Instances"][0]
                 ["NetworkInterfaces"][0];
  EXPECT_EQ(eni["Ipv6Prefixes"][0]["Ipv6Prefix"], id->pod_prefix);

  // A restarted agent keeps its /80.
  auto again = bootstrap_node({.ec2 = &ec2, .instance_id = instance});
  ASSERT_TRUE(again) << again.error().message();
  EXPECT_EQ(again->pod_prefix, id->pod_prefix);
  json eni2 = d.aws_json({"ec2", "describe-instances", "--instance-ids", instance})["Reservations"][0]["Instances"][0]
                  ["NetworkInterfaces"][0];
  EXPECT_EQ(eni2["Ipv6Prefixes"].size(), 1u);

  auto missing = bootstrap_node({.ec2 = &ec2, .instance_id = "i-0000000000000dead"});
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message().find("InvalidInstanceID.NotFound"), std::string::npos) << missing.error().message();
}

}  // namespace
}  // namespace v6k::node

namespace v6k::node {
namespace {

// An IPv4 cluster's node: no /80; its pods' addresses are secondary IPv4s of its ENI,
// assigned by the warm pool through EC2 until the /28 subnet has none left.
TEST(NodeBootstrap, Ipv4NodeWarmPoolRunsTheSubnetOut) {
  if (auto why = RegionDaemon::unavailable()) GTEST_SKIP() << *why;
  RegionDaemon d;
  const std::string vpc_id = d.aws_json({"ec2", "create-vpc", "--cidr-block", "10.0.0.0/16"})["Vpc"]["VpcId"];
  const std::string subnet = d.aws_json({"ec2", "create-subnet", "--vpc-id", vpc_id, "--cidr-block", "10.0.2.0/28",
                                         "--availability-zone", "us-west-2a"})["Subnet"]["SubnetId"];
  json run = d.aws_json({"ec2", "run-instances", "--image-id", "ami-0123456789abcdef0", "--instance-type", "m5.large",
                         "--subnet-id", subnet});
  const std::string instance = run["Instances"][0]["InstanceId"];
  auto access = aws::load_region_access(d.state_dir());
  ASSERT_TRUE(access) << access.error().message();
  aws::Ec2Client ec2(aws::Ec2ClientOptions::from(*access));

  auto id = bootstrap_node({.ec2 = &ec2, .instance_id = instance, .ipv6_cluster = false});
  ASSERT_TRUE(id) << id.error().message();
  EXPECT_TRUE(id->pod_prefix.empty()) << "no /80 in an IPv4 cluster";
  EXPECT_TRUE(id->pod_ipv4s.empty());
  EXPECT_EQ(id->vpc_ipv4_cidrs, std::vector<std::string>{"10.0.0.0/16"});
  EXPECT_EQ(id->eni_id.rfind("eni-", 0), 0u) << id->eni_id;
  EXPECT_EQ(id->internal_ipv4, "10.0.2.4");

  Ipv4Pool pool({.ec2 = &ec2, .eni_id = id->eni_id, .assigned = id->pod_ipv4s, .warm = 4, .max = 110});
  ASSERT_TRUE(pool.fill());
  auto subnet28 = addr::Ipv4Prefix::parse("10.0.2.0/28").value();
  EXPECT_EQ(pool.addresses().size(), 4u);
  for (const auto& a : pool.addresses()) EXPECT_TRUE(subnet28.contains(addr::Ipv4Address::parse(a).value())) << a;
  // 11 usable - the primary - 4 = 6 left: one refill of 4, then 2 one by one, then none.
  ASSERT_EQ(pool.grow(4).value().size(), 8u);
  EXPECT_EQ(pool.grow(4).value().size(), 8u) << "a refill someone else already did is not repeated";
  ASSERT_EQ(pool.grow(8).value().size(), 10u);
  auto out = pool.grow(10);
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().message(),
            "failed to assign an IP address to container: AssignPrivateIpAddresses: InsufficientFreeAddressesInSubnet: "
            "The specified subnet does not have enough free addresses to satisfy the request. (HTTP 400)");
  json s = d.aws_json({"ec2", "describe-subnets", "--subnet-ids", subnet})["Subnets"][0];
  EXPECT_EQ(s["AvailableIpAddressCount"], 0);

  // A restarted agent finds them all on its ENI and asks for none.
  auto again = bootstrap_node({.ec2 = &ec2, .instance_id = instance, .ipv6_cluster = false});
  ASSERT_TRUE(again) << again.error().message();
  EXPECT_EQ(again->pod_ipv4s, pool.addresses());
  Ipv4Pool restarted({.ec2 = &ec2, .eni_id = again->eni_id, .assigned = again->pod_ipv4s, .warm = 4, .max = 10});
  EXPECT_TRUE(restarted.fill());
  auto capped = restarted.grow(10);
  ASSERT_FALSE(capped);
  EXPECT_NE(capped.error().message().find("the node already has 10 pod addresses, its maximum"), std::string::npos)
      << capped.error().message();
}

}  // namespace
}  // namespace v6k::node
