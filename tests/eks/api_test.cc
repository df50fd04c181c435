// The EKS API through the real /usr/bin/aws against an in-process region (FrontDoor +
// EksApi + a FakeBackend): the seed's create-cluster / create-nodegroup, the state
// machine, waiters, the IPv6 subnet failure, delete ordering and a daemon restart.
#include <gtest/gtest.h>

#include <regex>

#include "addr/ip.h"
#include "common/base64.h"
#include "harness.h"
#include "seed_vpc.h"

namespace v6k::eks::testing {
namespace {

const std::string kClusterRole = "arn:aws:iam::123456789012:role/EKSClusterRole";
const std::string kNodeRole = "arn:aws:iam::123456789012:role/EKSNodeRole";

std::string seed_cluster_json(const std::string& name, const std::string& s1, const std::string& s2) {
  // The seed's command, as the blog writes it (version 1.21, public + private endpoint, ipv6).
  return "{\"name\": \"" + name + "\", \"version\": \"1.21\", \"roleArn\": \"" + kClusterRole +
         "\", \"resourcesVpcConfig\": {\"subnetIds\": [\"" + s1 + "\", \"" + s2 +
         "\"], \"endpointPublicAccess\": true, \"endpointPrivateAccess\": true}, "
         "\"kubernetesNetworkConfig\": {\"ipFamily\": \"ipv6\"}}";
}

class EksApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!have_aws_cli()) GTEST_SKIP() << "/usr/bin/aws (Debian awscli) is not installed";
    r_ = std::make_unique<Region>();
    vpc_ = make_seed_vpc(*r_);
  }
  std::unique_ptr<Region> r_;
  SeedVpc vpc_;
};

TEST_F(EksApiTest, SeedWalkthroughLifecycle) {
  Region& r = *r_;
  json who = r.aws_json({"sts", "get-caller-identity"});
  EXPECT_EQ(who["Arn"], r.admin_arn());
  EXPECT_EQ(who["Account"], "123456789012");

  json created = r.aws_json({"eks", "create-cluster", "--cli-input-json",
                             seed_cluster_json("AWSNewsBlog", vpc_.subnet1, vpc_.subnet2)});
  json c = created["cluster"];
  EXPECT_EQ(c["name"], "AWSNewsBlog");
  EXPECT_EQ(c["arn"], "arn:aws:eks:us-west-2:123456789012:cluster/AWSNewsBlog");
  EXPECT_EQ(c["version"], "1.21");
  EXPECT_EQ(c["status"], "CREATING");
  EXPECT_EQ(c["platformVersion"], "eks.4");
  EXPECT_EQ(c["certificateAuthority"], json::object());
  EXPECT_EQ(c["tags"], json::object());
  EXPECT_FALSE(c.contains("endpoint"));
  EXPECT_TRUE(c["createdAt"].is_string());  // the CLI prints the epoch seconds as ISO 8601
  EXPECT_EQ(c["roleArn"], kClusterRole);
  EXPECT_EQ(c["resourcesVpcConfig"]["vpcId"], vpc_.vpc_id);
  EXPECT_EQ(c["resourcesVpcConfig"]["subnetIds"], json({vpc_.subnet1, vpc_.subnet2}));
  EXPECT_EQ(c["resourcesVpcConfig"]["endpointPrivateAccess"], true);
  EXPECT_EQ(c["resourcesVpcConfig"]["publicAccessCidrs"], json({"0.0.0.0/0"}));
  EXPECT_EQ(c["kubernetesNetworkConfig"]["ipFamily"], "ipv6");
  EXPECT_FALSE(c["kubernetesNetworkConfig"].contains("serviceIpv4Cidr"));
  std::string svc = c["kubernetesNetworkConfig"]["serviceIpv6Cidr"];
  auto svc_prefix = addr::Ipv6Prefix::parse(svc);
  ASSERT_TRUE(svc_prefix.has_value()) << svc;
  EXPECT_EQ(svc_prefix->length(), 108);
  EXPECT_TRUE(addr::Ipv6Prefix::parse("fd00::/8")->contains(*svc_prefix)) << svc;
  EXPECT_TRUE(std::regex_match(c["identity"]["oidc"]["issuer"].get<std::string>(),
                               std::regex("https://oidc\\.eks\\.us-west-2\\.amazonaws\\.com/id/[0-9A-F]{32}")))
      << c["identity"];

  // The cluster security group, created in the EC2 model.
  std::string sg = c["resourcesVpcConfig"]["clusterSecurityGroupId"];
  json groups = r.aws_json({"ec2", "describe-security-groups", "--group-ids", sg});
  json g = groups["SecurityGroups"][0];
  EXPECT_TRUE(std::regex_match(g["GroupName"].get<std::string>(), std::regex("eks-cluster-sg-AWSNewsBlog-[0-9]{10}")))
      << g["GroupName"];
  EXPECT_EQ(g["VpcId"], vpc_.vpc_id);
  EXPECT_EQ(g["IpPermissions"][0]["UserIdGroupPairs"][0]["GroupId"], sg);  // all traffic from itself
  EXPECT_EQ(g["IpPermissions"][0]["IpProtocol"], "-1");
  bool tagged = false;
  for (const auto& t : g["Tags"]) tagged |= t["Key"] == "aws:eks:cluster-name" && t["Value"] == "AWSNewsBlog";
  EXPECT_TRUE(tagged) << g["Tags"];

  json active = r.wait_status({"eks", "describe-cluster", "--name", "AWSNewsBlog"}, "cluster", "ACTIVE");
  EXPECT_EQ(active["cluster"]["endpoint"], "https://127.0.0.1:6443");
  EXPECT_EQ(base64_decode(active["cluster"]["certificateAuthority"]["data"].get<std::string>()).value_or(""),
            "-----BEGIN CERTIFICATE-----\nFAKE AWSNewsBlog\n-----END CERTIFICATE-----\n");
  EXPECT_EQ(r.aws({"eks", "wait", "cluster-active", "--name", "AWSNewsBlog"}).exit_code, 0);
  ClusterSpec spec = r.backend->get(&FakeBackend::last_cluster);
  EXPECT_EQ(spec.ip_family, "ipv6");
  EXPECT_EQ(spec.service_cidr, svc);
  EXPECT_EQ(spec.creator_arn, r.admin_arn());
  EXPECT_EQ(spec.cluster_security_group_id, sg);
  EXPECT_EQ(spec.vpc_id, vpc_.vpc_id);
  EXPECT_EQ(spec.version, "1.21");

  // The seed's create-nodegroup.
  json ng = r.aws_json({"eks", "create-nodegroup", "--cluster-name", "AWSNewsBlog", "--nodegroup-name",
                        "AWSNewsBlog-nodegroup", "--node-role", kNodeRole, "--subnets", vpc_.subnet1, vpc_.subnet2,
                        "--remote-access", "ec2SshKey=" + vpc_.key_name})["nodegroup"];
  EXPECT_EQ(ng["status"], "CREATING");
  EXPECT_EQ(ng["clusterName"], "AWSNewsBlog");
  EXPECT_EQ(ng["version"], "1.21");
  EXPECT_EQ(ng["releaseVersion"], "1.21.4-20211101");
  EXPECT_EQ(ng["capacityType"], "ON_DEMAND");
  EXPECT_EQ(ng["scalingConfig"], json({{"minSize", 1}, {"maxSize", 2}, {"desiredSize", 2}}));
  EXPECT_EQ(ng["instanceTypes"], json({"t3.medium"}));
  EXPECT_EQ(ng["amiType"], "AL2_x86_64");
  EXPECT_EQ(ng["diskSize"], 20);
  EXPECT_EQ(ng["remoteAccess"], json({{"ec2SshKey", vpc_.key_name}}));
  std::smatch m;
  std::string arn = ng["nodegroupArn"];
  ASSERT_TRUE(std::regex_match(arn, m, std::regex("arn:aws:eks:us-west-2:123456789012:nodegroup/AWSNewsBlog/"
                                                  "AWSNewsBlog-nodegroup/([0-9a-f-]{36})")))
      << arn;
  EXPECT_EQ(ng["resources"]["autoScalingGroups"], json::array({{{"name", "eks-AWSNewsBlog-nodegroup-" + m[1].str()}}}));
  EXPECT_EQ(ng["resources"]["remoteAccessSecurityGroup"].get<std::string>().rfind("sg-", 0), 0u);
  json ng_active = r.wait_status({"eks", "describe-nodegroup", "--cluster-name", "AWSNewsBlog", "--nodegroup-name",
                                  "AWSNewsBlog-nodegroup"}, "nodegroup", "ACTIVE");
  EXPECT_EQ(ng_active["nodegroup"]["health"]["issues"], json::array());
  EXPECT_EQ(r.aws({"eks", "wait", "nodegroup-active", "--cluster-name", "AWSNewsBlog", "--nodegroup-name",
                   "AWSNewsBlog-nodegroup"}).exit_code, 0);
  NodegroupSpec ngs = r.backend->get(&FakeBackend::last_nodegroup);
  EXPECT_EQ(ngs.ssh_key, vpc_.key_name);
  EXPECT_EQ(ngs.desired, 2);
  EXPECT_EQ(ngs.asg_name, "eks-AWSNewsBlog-nodegroup-" + m[1].str());
  EXPECT_EQ(ngs.cluster.name, "AWSNewsBlog");

  // An IPv6 cluster's node group in a subnet that does not auto-assign IPv6.
  json bad = r.aws_json({"eks", "create-nodegroup", "--cluster-name", "AWSNewsBlog", "--nodegroup-name", "no-v6",
                         "--node-role", kNodeRole, "--subnets", vpc_.no_auto6});
  EXPECT_EQ(bad["nodegroup"]["status"], "CREATING");
  json failed = r.wait_status({"eks", "describe-nodegroup", "--cluster-name", "AWSNewsBlog", "--nodegroup-name",
                               "no-v6"}, "nodegroup", "CREATE_FAILED");
  json issue = failed["nodegroup"]["health"]["issues"][0];
  EXPECT_EQ(issue["code"], "Ec2SubnetMissingIpv6Assignment");
  EXPECT_EQ(issue["resourceIds"], json({vpc_.no_auto6}));
  EXPECT_EQ(issue["message"], "One or more Amazon EC2 Subnets of [" + vpc_.no_auto6 +
                                  "] for node group no-v6 does not automatically assign IPv6 addresses to instances "
                                  "launched into it. Nodes of an IPv6 cluster need IPv6 addresses, so you need to "
                                  "enable auto-assign IPv6 address (assignIpv6AddressOnCreation) for the subnet.");
  CliError waited = r.aws_error({"eks", "wait", "nodegroup-active", "--cluster-name", "AWSNewsBlog",
                                 "--nodegroup-name", "no-v6"});
  EXPECT_NE(waited.exit_code, 0);

  json list = r.aws_json({"eks", "list-nodegroups", "--cluster-name", "AWSNewsBlog"});
  EXPECT_EQ(list["nodegroups"], json({"AWSNewsBlog-nodegroup", "no-v6"}));

  CliError refused = r.aws_error({"eks", "delete-cluster", "--name", "AWSNewsBlog"});
  EXPECT_EQ(refused.code, "ResourceInUseException");
  EXPECT_EQ(refused.message, "Cluster has nodegroups attached") << refused.raw;

  // A daemon restart: the new EksApi resumes the ACTIVE cluster and node group.
  size_t clusters_before = r.backend->get(&FakeBackend::started_clusters).size();
  size_t groups_before = r.backend->get(&FakeBackend::started_nodegroups).size();
  r.restart();
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (r.backend->get(&FakeBackend::started_nodegroups).size() == groups_before &&
         std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  auto clusters_after = r.backend->get(&FakeBackend::started_clusters);
  auto groups_after = r.backend->get(&FakeBackend::started_nodegroups);
  ASSERT_EQ(clusters_after.size(), clusters_before + 1);
  EXPECT_EQ(clusters_after.back(), "AWSNewsBlog");
  ASSERT_EQ(groups_after.size(), groups_before + 1);  // the failed group is not resumed
  EXPECT_EQ(groups_after.back(), "AWSNewsBlog-nodegroup");
  EXPECT_EQ(r.aws_json({"eks", "describe-cluster", "--name", "AWSNewsBlog"})["cluster"]["status"], "ACTIVE");

  // Deletes: node groups first (DELETING, then gone), then the cluster and its group.
  for (const char* name : {"AWSNewsBlog-nodegroup", "no-v6"}) {
    json del = r.aws_json({"eks", "delete-nodegroup", "--cluster-name", "AWSNewsBlog", "--nodegroup-name", name});
    EXPECT_EQ(del["nodegroup"]["status"], "DELETING");
  }
  CliError gone = r.wait_gone({"eks", "describe-nodegroup", "--cluster-name", "AWSNewsBlog", "--nodegroup-name",
                               "AWSNewsBlog-nodegroup"});
  EXPECT_EQ(gone.message, "No node group found for name: AWSNewsBlog-nodegroup.");
  auto deleted = r.backend->get(&FakeBackend::deleted_nodegroups);
  EXPECT_NE(std::find(deleted.begin(), deleted.end(), "AWSNewsBlog-nodegroup"), deleted.end());
  // no-v6 goes too (its deletion may still be in flight); wait before deleting the cluster.
  r.wait_gone({"eks", "describe-nodegroup", "--cluster-name", "AWSNewsBlog", "--nodegroup-name", "no-v6"});

  json del = r.aws_json({"eks", "delete-cluster", "--name", "AWSNewsBlog"});
  EXPECT_EQ(del["cluster"]["status"], "DELETING");
  CliError none = r.wait_gone({"eks", "describe-cluster", "--name", "AWSNewsBlog"});
  EXPECT_EQ(none.message, "No cluster found for name: AWSNewsBlog.");
  auto stopped = r.backend->get(&FakeBackend::stopped_clusters);
  EXPECT_EQ(stopped, std::vector<std::string>{"AWSNewsBlog:delete"});
  EXPECT_EQ(r.aws_error({"ec2", "describe-security-groups", "--group-ids", sg}).code, "InvalidGroup.NotFound");
}

TEST_F(EksApiTest, Ipv4ListingIdempotencyAndFailure) {
  Region& r = *r_;
  auto create = [&](const std::string& name, std::vector<std::string> extra) {
    std::vector<std::string> args = {"eks", "create-cluster", "--name", name, "--role-arn", kClusterRole,
                                     "--resources-vpc-config", "subnetIds=" + vpc_.subnet1 + "," + vpc_.subnet2};
    args.insert(args.end(), extra.begin(), extra.end());
    return r.aws_json(args)["cluster"];
  };
  json a = create("alpha", {"--client-request-token", "tok-1"});
  EXPECT_EQ(a["kubernetesNetworkConfig"], json({{"ipFamily", "ipv4"}, {"serviceIpv4Cidr", "172.20.0.0/16"}}));
  EXPECT_EQ(a["version"], "1.31");
  json again = create("alpha", {"--client-request-token", "tok-1"});
  EXPECT_EQ(again["createdAt"], a["createdAt"]);
  EXPECT_EQ(again["identity"], a["identity"]);
  CliError dup = r.aws_error({"eks", "create-cluster", "--name", "alpha", "--role-arn", kClusterRole,
                              "--resources-vpc-config", "subnetIds=" + vpc_.subnet1 + "," + vpc_.subnet2});
  EXPECT_EQ(dup.code, "ResourceInUseException");
  EXPECT_EQ(dup.message, "Cluster already exists with name: alpha");

  json b = create("bravo", {"--kubernetes-network-config", "serviceIpv4Cidr=10.200.0.0/16"});
  EXPECT_EQ(b["kubernetesNetworkConfig"]["serviceIpv4Cidr"], "10.200.0.0/16");
  {
    std::lock_guard lock(r.backend->mu);
    r.backend->fail_clusters.insert("charlie");  // before the worker sees it
  }
  create("charlie", {"--kubernetes-version", "1.25"});

  EXPECT_EQ(r.aws_json({"eks", "list-clusters"})["clusters"], json({"alpha", "bravo", "charlie"}));
  // --page-size 1: three ListClusters calls with maxResults=1, following nextToken.
  EXPECT_EQ(r.aws_json({"eks", "list-clusters", "--page-size", "1"})["clusters"], json({"alpha", "bravo", "charlie"}));
  json first = r.aws_json({"eks", "list-clusters", "--max-items", "2"});
  EXPECT_EQ(first["clusters"], json({"alpha", "bravo"}));
  ASSERT_TRUE(first.contains("NextToken"));
  json rest = r.aws_json({"eks", "list-clusters", "--max-items", "2", "--starting-token", first["NextToken"]});
  EXPECT_EQ(rest["clusters"], json({"charlie"}));
  EXPECT_FALSE(rest.contains("NextToken"));

  json failed = r.wait_status({"eks", "describe-cluster", "--name", "charlie"}, "cluster", "FAILED");
  EXPECT_EQ(failed["cluster"]["health"]["issues"][0]["code"], "InternalFailure");
  EXPECT_EQ(failed["cluster"]["health"]["issues"][0]["message"], "control plane for charlie did not come up");
  auto w = r.aws({"eks", "wait", "cluster-active", "--name", "charlie"});
  EXPECT_EQ(w.exit_code, 255);
  EXPECT_NE(w.err.find("Waiter ClusterActive failed: Waiter encountered a terminal failure state"), std::string::npos)
      << w.err;
  // A node group needs an ACTIVE cluster.
  r.wait_status({"eks", "describe-cluster", "--name", "alpha"}, "cluster", "ACTIVE");
  CliError not_active = r.aws_error({"eks", "create-nodegroup", "--cluster-name", "charlie", "--nodegroup-name", "n",
                                     "--node-role", kNodeRole, "--subnets", vpc_.subnet1});
  EXPECT_EQ(not_active.code, "InvalidRequestException");
  EXPECT_EQ(not_active.message, "Cluster 'charlie' is not in ACTIVE status");
  // A FAILED cluster can be deleted.
  EXPECT_EQ(r.aws_json({"eks", "delete-cluster", "--name", "charlie"})["cluster"]["status"], "DELETING");
  r.wait_gone({"eks", "describe-cluster", "--name", "charlie"});
  EXPECT_EQ(r.aws_json({"eks", "list-clusters"})["clusters"], json({"alpha", "bravo"}));
}

}  // namespace
}  // namespace v6k::eks::testing
