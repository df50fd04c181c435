// Every CreateNodegroup validation through the real aws CLI (exact code and message), and
// the defaults a valid one gets: AMI type by architecture, labels, taints.
#include <gtest/gtest.h>

#include "harness.h"
#include "seed_vpc.h"

namespace v6k::eks::testing {
namespace {

const std::string kRole = "arn:aws:iam::123456789012:role/EKSClusterRole";
const std::string kNodeRole = "arn:aws:iam::123456789012:role/EKSNodeRole";

struct Case {
  std::string what;
  std::vector<std::string> args;
  std::string code;
  std::string message;
};

TEST(EksValidation, CreateNodegroupErrors) {
  if (!have_aws_cli()) GTEST_SKIP() << "/usr/bin/aws (Debian awscli) is not installed";
  Region r;
  SeedVpc v = make_seed_vpc(r);
  std::string v4_vpc = r.aws_json({"ec2", "create-vpc", "--cidr-block", "192.168.0.0/16"})["Vpc"]["VpcId"];
  std::string v4a = r.aws_json({"ec2", "create-subnet", "--vpc-id", v4_vpc, "--cidr-block", "192.168.0.0/24",
                                "--availability-zone", "us-west-2a"})["Subnet"]["SubnetId"];
  r.aws_json({"eks", "create-cluster", "--name", "ok", "--role-arn", kRole, "--resources-vpc-config",
              "subnetIds=" + v.subnet1 + "," + v.subnet2});
  r.wait_status({"eks", "describe-cluster", "--name", "ok"}, "cluster", "ACTIVE");
  auto ng = [&](std::string name, std::vector<std::string> extra) {
    std::vector<std::string> a = {"eks", "create-nodegroup", "--cluster-name", "ok", "--nodegroup-name", name,
                                  "--node-role", kNodeRole, "--subnets", v.subnet1};
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  };
  json arm = r.aws_json(ng("arm", {"--instance-types", "t4g.medium", "--labels", "team=blog",
                                   "--taints", "key=dedicated,value=blog,effect=NO_SCHEDULE"}))["nodegroup"];
  EXPECT_EQ(arm["amiType"], "AL2_ARM_64");
  EXPECT_EQ(arm["labels"], json({{"team", "blog"}}));
  EXPECT_EQ(arm["taints"], json::array({{{"key", "dedicated"}, {"value", "blog"}, {"effect", "NO_SCHEDULE"}}}));
  std::vector<Case> ng_cases = {
      {"duplicate", ng("arm", {}), "ResourceInUseException", "NodeGroup already exists with name arm and cluster name ok"},
      {"taint effect", ng("t", {"--taints", "key=k,effect=NEVER"}), "InvalidParameterException",
       "1 validation error detected: Value 'NEVER' at 'taints.effect' failed to satisfy constraint: Member must "
       "satisfy enum value set: [NO_SCHEDULE, NO_EXECUTE, PREFER_NO_SCHEDULE]"},
      {"scaling", ng("s", {"--scaling-config", "minSize=1,maxSize=2,desiredSize=5"}), "InvalidParameterException",
       "Desired capacity 5 can't be greater than maximum capacity 2"},
      {"key pair", ng("k", {"--remote-access", "ec2SshKey=nokey"}), "InvalidParameterException",
       "The key pair 'nokey' does not exist"},
      {"other VPC", {"eks", "create-nodegroup", "--cluster-name", "ok", "--nodegroup-name", "o", "--node-role",
                     kNodeRole, "--subnets", v4a},
       "InvalidParameterException", "Subnet " + v4a + " is not in the cluster's VPC " + v.vpc_id},
      {"node role", ng("r", {"--node-role", "nope"}), "InvalidParameterException", "Error in role params"},
      {"version", ng("v", {"--kubernetes-version", "1.21"}), "InvalidParameterException",
       "Requested Nodegroup version 1.21 is invalid. Allowed values: 1.31"},
      {"describe missing", {"eks", "describe-nodegroup", "--cluster-name", "ok", "--nodegroup-name", "nope"},
       "ResourceNotFoundException", "No node group found for name: nope."},
  };
  for (const auto& c : ng_cases) {
    CliError e = r.aws_error(c.args);
    EXPECT_EQ(e.code, c.code) << c.what;
    EXPECT_EQ(e.message, c.message) << c.what;
  }
  EXPECT_EQ(r.aws_json({"eks", "list-nodegroups", "--cluster-name", "ok"})["nodegroups"], json({"arm"}));
}

}  // namespace
}  // namespace v6k::eks::testing
