// The ipamd role against a real region (`v6k serve`, the real aws CLI to set it up): the
// node learns its instance and gets a /80 delegated to its ENI, inside its subnet; a
// restarted agent reuses that /80 instead of asking for another. An IPv4 node instead
// fills its warm pool of secondary IPv4s until its small subnet runs out, and gives the
// free ones beyond its warm target back when pods go.
#include <gtest/gtest.h>

#include "addr/ip.h"
#include "node/agent/bootstrap.h"
#include "cni/plugin.h"
#include "node/agent/ipv4_pool.h"
#include "node/agent/ipv4_release.h"
#include "support/temp_dir.h"
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

// An instance alone in a /28 of a 10.0.0.0/16 VPC (11 usable addresses, its own is one).
class Ipv4NodeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (auto why = RegionDaemon::unavailable()) GTEST_SKIP() << *why;
    d_ = std::make_unique<RegionDaemon>();
    const std::string vpc_id = d_->aws_json({"ec2", "create-vpc", "--cidr-block", "10.0.0.0/16"})["Vpc"]["VpcId"];
    subnet_ = d_->aws_json({"ec2", "create-subnet", "--vpc-id", vpc_id, "--cidr-block", "10.0.2.0/28",
                            "--availability-zone", "us-west-2a"})["Subnet"]["SubnetId"];
    json run = d_->aws_json({"ec2", "run-instances", "--image-id", "ami-0123456789abcdef0", "--instance-type",
                             "m5.large", "--subnet-id", subnet_});
    instance_ = run["Instances"][0]["InstanceId"];
    auto access = aws::load_region_access(d_->state_dir());
    ASSERT_TRUE(access) << access.error().message();
    ec2_ = std::make_unique<aws::Ec2Client>(aws::Ec2ClientOptions::from(*access));
  }
  int available() {
    return d_->aws_json({"ec2", "describe-subnets", "--subnet-ids", subnet_})["Subnets"][0]["AvailableIpAddressCount"]
        .get<int>();
  }

  std::unique_ptr<RegionDaemon> d_;
  std::string subnet_, instance_;
  std::unique_ptr<aws::Ec2Client> ec2_;
};

// An IPv4 cluster's node: no /80; its pods' addresses are secondary IPv4s of its ENI,
// assigned by the warm pool through EC2 until the /28 subnet has none left.
TEST_F(Ipv4NodeTest, WarmPoolRunsTheSubnetOut) {
  aws::Ec2Client& ec2 = *ec2_;
  auto id = bootstrap_node({.ec2 = &ec2, .instance_id = instance_, .ipv6_cluster = false});
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
  EXPECT_EQ(available(), 0);

  // A restarted agent finds them all on its ENI and asks for none.
  auto again = bootstrap_node({.ec2 = &ec2, .instance_id = instance_, .ipv6_cluster = false});
  ASSERT_TRUE(again) << again.error().message();
  EXPECT_EQ(again->pod_ipv4s, pool.addresses());
  Ipv4Pool restarted({.ec2 = &ec2, .eni_id = again->eni_id, .assigned = again->pod_ipv4s, .warm = 4, .max = 10});
  EXPECT_TRUE(restarted.fill());
  auto capped = restarted.grow(10);
  ASSERT_FALSE(capped);
  EXPECT_NE(capped.error().message().find("the node already has 10 pod addresses, its maximum"), std::string::npos)
      << capped.error().message();
}

// Pods went: with no ADD in flight, the free addresses beyond the warm target leave the
// conflist and go back to the subnet; addresses a pod holds or that are cooling down stay.
TEST_F(Ipv4NodeTest, GivesItsSurplusBackToTheSubnet) {
  RegionDaemon& d = *d_;
  aws::Ec2Client& ec2 = *ec2_;
  auto id = bootstrap_node({.ec2 = &ec2, .instance_id = instance_, .ipv6_cluster = false});
  ASSERT_TRUE(id) << id.error().message();
  auto eni_secondaries = [&] {
    json eni = d.aws_json({"ec2", "describe-network-interfaces", "--network-interface-ids", id->eni_id});
    std::vector<std::string> out;
    for (const auto& p : eni["NetworkInterfaces"][0]["PrivateIpAddresses"])
      if (!p["Primary"].get<bool>()) out.push_back(p["PrivateIpAddress"]);
    return out;
  };

  Ipv4Pool pool({.ec2 = &ec2, .eni_id = id->eni_id, .assigned = {}, .warm = 2, .max = 110});
  ASSERT_TRUE(pool.fill());
  ASSERT_EQ(pool.grow(2).value().size(), 4u);
  ASSERT_EQ(pool.grow(4).value().size(), 6u);
  ASSERT_EQ(pool.grow(6).value().size(), 8u);
  const std::vector<std::string> assigned = pool.addresses();
  EXPECT_EQ(available(), 2);  // 11 usable - the primary - 8

  testing::TempDir dir("v6k-release");
  int published = 0;
  auto publish = [&] {
    ++published;
    return node_conflist({.ipv4_pods = true, .pod_ipv4s = pool.addresses(), .vpc_ipv4_cidrs = {"10.0.0.0/16"},
                          .node_ipv4 = id->internal_ipv4, .data_dir = dir.path()});
  };
  CniNetwork cni({.plugin = "/nonexistent/v6k-cni", .conflist = publish()});
  // Pods as v6k-cni records them: three hold the first three addresses, a fourth was deleted
  // (its address cools down for 30 s).
  json plugin = cni.conflist()["plugins"][0];
  plugin["cniVersion"] = "1.1.0";
  plugin["name"] = "v6k";
  auto conf = cni::parse_netconf(plugin.dump(), cni::Command::kAdd);
  ASSERT_TRUE(conf) << conf.error().msg;
  auto store = cni::open_store(*conf);
  ASSERT_TRUE(store) << store.error().message();
  for (const char* pod : {"a", "b", "c", "d"})
    ASSERT_TRUE(store->allocate({.key = {std::string("uid-") + pod, "eth0"}, .pod_name = pod}));
  ASSERT_TRUE(store->release({"uid-d", "eth0"}).value());

  // 8 assigned, 3 held, 1 cooling: 4 free, 2 beyond the warm target — the last assigned.
  auto gone = release_ipv4_surplus(pool, cni, publish);
  ASSERT_TRUE(gone) << gone.error().message();
  EXPECT_EQ(*gone, (std::vector<std::string>{assigned[7], assigned[6]}));
  EXPECT_EQ(pool.addresses(), std::vector<std::string>(assigned.begin(), assigned.begin() + 6));
  EXPECT_EQ(cni.conflist()["plugins"][0]["ipv4Addresses"], json(pool.addresses()));
  EXPECT_EQ(published, 2);
  EXPECT_EQ(available(), 4);
  EXPECT_EQ(eni_secondaries(), pool.addresses());

  auto none = release_ipv4_surplus(pool, cni, publish);
  ASSERT_TRUE(none) << none.error().message();
  EXPECT_TRUE(none->empty()) << "at the warm target";
  EXPECT_EQ(published, 2) << "nothing to publish";

  // A pod went away: its address is free once out of cool-down, and then it can go too.
  ASSERT_TRUE(store->release({"uid-c", "eth0"}).value());
  EXPECT_TRUE(release_ipv4_surplus(pool, cni, publish)->empty()) << "cooling";

  // EC2 refuses (here: an ENI that is not there): the two free addresses rejoin the pool and
  // the list.
  Ipv4Pool stale({.ec2 = &ec2, .eni_id = "eni-0000000000000dead", .assigned = pool.addresses(), .warm = 0});
  auto refused = release_ipv4_surplus(stale, cni, [&] {
    ++published;
    return node_conflist({.ipv4_pods = true, .pod_ipv4s = stale.addresses(), .data_dir = dir.path()});
  });
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message().find("failed to release 2 IP addresses: UnassignPrivateIpAddresses: "
                                           "InvalidNetworkInterfaceID.NotFound"),
            std::string::npos)
      << refused.error().message();
  EXPECT_EQ(stale.addresses().size(), 6u);
  EXPECT_EQ(cni.conflist()["plugins"][0]["ipv4Addresses"].size(), 6u);
  EXPECT_EQ(published, 4) << "the shorter list, then the whole one again";
  EXPECT_EQ(available(), 4);
}

}  // namespace
}  // namespace v6k::node
