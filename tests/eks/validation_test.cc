// Every CreateCluster validation through the real aws CLI: the exact error code and
// message, and nothing created by a refused call (nodegroup_validation_test.cc: node groups).
#include <gtest/gtest.h>

#include "harness.h"
#include "seed_vpc.h"

namespace v6k::eks::testing {
namespace {

const std::string kRole = "arn:aws:iam::123456789012:role/EKSClusterRole";
const std::string kNodeRole = "arn:aws:iam::123456789012:role/EKSNodeRole";  // for the no-cluster case

struct Case {
  std::string what;
  std::vector<std::string> args;
  std::string code;
  std::string message;
};

TEST(EksValidation, CreateClusterErrors) {
  if (!have_aws_cli()) GTEST_SKIP() << "/usr/bin/aws (Debian awscli) is not installed";
  Region r;
  SeedVpc v = make_seed_vpc(r);
  auto subnet = [&](const std::string& vpc, const char* cidr, const char* zone) {
    return r.aws_json({"ec2", "create-subnet", "--vpc-id", vpc, "--cidr-block", cidr, "--availability-zone",
                       zone})["Subnet"]["SubnetId"].get<std::string>();
  };
  std::string same_zone = subnet(v.vpc_id, "10.0.3.0/24", "us-west-2a");  // no IPv6 either
  std::string v4_vpc = r.aws_json({"ec2", "create-vpc", "--cidr-block", "192.168.0.0/16"})["Vpc"]["VpcId"];
  std::string v4a = subnet(v4_vpc, "192.168.0.0/24", "us-west-2a");
  std::string v4b = subnet(v4_vpc, "192.168.1.0/24", "us-west-2b");
  auto count_groups = [&] { return r.aws_json({"ec2", "describe-security-groups"})["SecurityGroups"].size(); };
  size_t groups_before = count_groups();

  auto cluster = [&](std::string name, std::string subnets, std::vector<std::string> extra = {}) {
    std::vector<std::string> a = {"eks", "create-cluster", "--name=" + name, "--role-arn", kRole,
                                  "--resources-vpc-config", "subnetIds=" + subnets};
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  };
  std::string two = v.subnet1 + "," + v.subnet2;
  std::string v4two = v4a + "," + v4b;
  std::string pattern = "1 validation error detected: Value '-bad' at 'name' failed to satisfy constraint: Member "
                        "must satisfy regular expression pattern: ^[0-9A-Za-z][A-Za-z0-9\\-_]*";
  std::vector<Case> cases = {
      {"name pattern", cluster("-bad", two), "InvalidParameterException", pattern},
      {"name length", cluster(std::string(101, 'a'), two), "InvalidParameterException",
       "1 validation error detected: Value '" + std::string(101, 'a') +
           "' at 'name' failed to satisfy constraint: Member must have length less than or equal to 100"},
      {"version", cluster("c", two, {"--kubernetes-version", "1.20"}), "InvalidParameterException",
       "unsupported Kubernetes version 1.20"},
      {"role", {"eks", "create-cluster", "--name", "c", "--role-arn", "EKSClusterRole", "--resources-vpc-config",
                "subnetIds=" + two}, "InvalidParameterException", "Error in role params"},
      {"one subnet", cluster("c", v.subnet1), "InvalidParameterException",
       "Subnets specified must be in at least two different AZs"},
      {"one zone", cluster("c", v.subnet1 + "," + same_zone), "InvalidParameterException",
       "Subnets specified must be in at least two different AZs"},
      {"unknown subnet", cluster("c", v.subnet1 + ",subnet-0123456789abcdef0"), "InvalidParameterException",
       "The subnet ID 'subnet-0123456789abcdef0' does not exist"},
      {"two VPCs", cluster("c", v.subnet1 + "," + v4b), "InvalidParameterException",
       "Subnets specified must belong to the same VPC"},
      {"unknown group", cluster("c", two + ",securityGroupIds=sg-0123456789abcdef0"), "InvalidParameterException",
       "The security group 'sg-0123456789abcdef0' does not exist"},
      {"ip family", cluster("c", two, {"--kubernetes-network-config", "ipFamily=ipv5"}), "InvalidParameterException",
       "1 validation error detected: Value 'ipv5' at 'kubernetesNetworkConfig.ipFamily' failed to satisfy "
       "constraint: Member must satisfy enum value set: [ipv4, ipv6]"},
      {"ipv6 + v4 cidr", cluster("c", two, {"--kubernetes-network-config", "ipFamily=ipv6,serviceIpv4Cidr=10.100.0.0/16"}),
       "InvalidParameterException", "serviceIpv4Cidr can not be specified when ipFamily is ipv6"},
      {"ipv6 VPC", cluster("c", v4two, {"--kubernetes-network-config", "ipFamily=ipv6"}), "InvalidParameterException",
       "The VPC " + v4_vpc + " has no IPv6 CIDR block; an ipv6 cluster needs one"},
      {"ipv6 subnet", cluster("c", v.subnet2 + "," + same_zone, {"--kubernetes-network-config", "ipFamily=ipv6"}),
       "InvalidParameterException",
       "The subnet " + same_zone + " has no IPv6 CIDR block; an ipv6 cluster needs IPv6 on every subnet"},
      {"public cidr", cluster("c", two, {"--kubernetes-network-config", "serviceIpv4Cidr=8.8.0.0/16"}),
       "InvalidParameterException",
       "The serviceIpv4Cidr 8.8.0.0/16 must be within one of the private ranges 10.0.0.0/8, 172.16.0.0/12 or "
       "192.168.0.0/16."},
      {"cidr size", cluster("c", two, {"--kubernetes-network-config", "serviceIpv4Cidr=10.0.0.0/8"}),
       "InvalidParameterException", "The serviceIpv4Cidr 10.0.0.0/8 must be between /12 and /24."},
      {"cidr overlap", cluster("c", two, {"--kubernetes-network-config", "serviceIpv4Cidr=10.0.5.0/24"}),
       "InvalidParameterException",
       "The serviceIpv4Cidr 10.0.5.0/24 overlaps the VPC's CIDR block 10.0.0.0/16."},
      {"describe missing", {"eks", "describe-cluster", "--name", "nope"}, "ResourceNotFoundException",
       "No cluster found for name: nope."},
      {"delete missing", {"eks", "delete-cluster", "--name", "nope"}, "ResourceNotFoundException",
       "No cluster found for name: nope."},
      {"nodegroup, no cluster", {"eks", "create-nodegroup", "--cluster-name", "nope", "--nodegroup-name", "n",
                                 "--node-role", kNodeRole, "--subnets", v.subnet1},
       "ResourceNotFoundException", "No cluster found for name: nope."},
  };
  for (const auto& c : cases) {
    CliError e = r.aws_error(c.args);
    EXPECT_EQ(e.exit_code, 254) << c.what;
    EXPECT_EQ(e.code, c.code) << c.what;
    EXPECT_EQ(e.message, c.message) << c.what;
  }
  EXPECT_EQ(r.aws_json({"eks", "list-clusters"})["clusters"], json::array());
  EXPECT_EQ(count_groups(), groups_before);  // no cluster security group left behind

  // The default service CIDR follows the VPC: 10.100.0.0/16 outside 10.0.0.0/8.
  json v4c = r.aws_json(cluster("v4", v4two))["cluster"];
  EXPECT_EQ(v4c["kubernetesNetworkConfig"]["serviceIpv4Cidr"], "10.100.0.0/16");

}

}  // namespace
}  // namespace v6k::eks::testing
