// The region end to end, as the issue states it: the real aws CLI builds the seed's VPC
// (IPv6 /56, two subnets in two zones auto-assigning IPv6, an internet gateway with IPv4 and
// IPv6 default routes, a security group, two instances), and then traffic really flows —
// or does not — between the namespaces the fabric made for them:
//   - instance <-> instance over IPv6 only once the security group allows it;
//   - an instance reaches the IPv4-only internet service through its public IPv4 (1:1 NAT);
//   - the IPv4-only laptop cannot reach an instance's IPv6;
//   - kill -9 of the daemon and a restart keep every instance (same namespace) reachable;
//   - kill -9 amid RunInstances calls: after the restart the store and the kernel agree
//     (stray namespaces removed, lost ones rebuilt, no ENI without its instance);
//   - `v6k down` leaves no namespace (the RegionDaemon destructor checks).
#include <dirent.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <chrono>
#include <set>
#include <thread>

#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>

#include "support/probe.h"
#include "support/region_daemon.h"

namespace {

using nlohmann::json;
using v6k::testing::RegionDaemon;
using v6k::testing::run_in_netns;
using v6k::testing::tcp_probe;

ino_t inode_of(const std::string& netns) {
  struct stat st {};
  if (::stat(("/run/netns/" + netns).c_str(), &st) != 0) return 0;
  return st.st_ino;
}

class VpcFabric : public ::testing::Test {
 protected:
  void SetUp() override {
    if (auto why = RegionDaemon::unavailable()) GTEST_SKIP() << *why;
    d_ = std::make_unique<RegionDaemon>();
  }
  json aws(const std::vector<std::string>& args) { return d_->aws_json(args); }
  std::unique_ptr<RegionDaemon> d_;
};

TEST_F(VpcFabric, SeedVpcWithInstancesSecurityGroupsAndInternet) {
  // Seed step 1: the VPC and two auto-assigning subnets.
  json vpc = aws({"ec2", "create-vpc", "--cidr-block", "10.0.0.0/16", "--amazon-provided-ipv6-cidr-block"});
  std::string vpc_id = vpc["Vpc"]["VpcId"];
  std::string v6 = vpc["Vpc"]["Ipv6CidrBlockAssociationSet"][0]["Ipv6CidrBlock"];
  std::string base = v6.substr(0, v6.find("::"));
  std::string net_a = base + "::/64", net_b = base.substr(0, base.size() - 1) + "1::/64";
  std::string sa = aws({"ec2", "create-subnet", "--vpc-id", vpc_id, "--cidr-block", "10.0.0.0/24",
                        "--ipv6-cidr-block", net_a, "--availability-zone", "us-west-2a"})["Subnet"]["SubnetId"];
  std::string sb = aws({"ec2", "create-subnet", "--vpc-id", vpc_id, "--cidr-block", "10.0.1.0/24",
                        "--ipv6-cidr-block", net_b, "--availability-zone", "us-west-2b"})["Subnet"]["SubnetId"];
  for (const auto& s : {sa, sb}) {
    aws({"ec2", "modify-subnet-attribute", "--subnet-id", s, "--assign-ipv6-address-on-creation"});
    aws({"ec2", "modify-subnet-attribute", "--subnet-id", s, "--map-public-ip-on-launch"});
  }

  // An internet gateway and default routes for both families in the main route table.
  std::string igw = aws({"ec2", "create-internet-gateway"})["InternetGateway"]["InternetGatewayId"];
  aws({"ec2", "attach-internet-gateway", "--internet-gateway-id", igw, "--vpc-id", vpc_id});
  json tables = aws({"ec2", "describe-route-tables", "--filters", "Name=vpc-id,Values=" + vpc_id});
  ASSERT_EQ(tables["RouteTables"].size(), 1u);
  std::string rtb = tables["RouteTables"][0]["RouteTableId"];
  aws({"ec2", "create-route", "--route-table-id", rtb, "--destination-cidr-block", "0.0.0.0/0", "--gateway-id", igw});
  aws({"ec2", "create-route", "--route-table-id", rtb, "--destination-ipv6-cidr-block", "::/0", "--gateway-id", igw});

  // A security group that starts with no ingress at all.
  std::string sg = aws({"ec2", "create-security-group", "--group-name", "web", "--description", "web servers",
                        "--vpc-id", vpc_id})["GroupId"];
  // As in AWS, a new group's only egress rule is IPv4 0.0.0.0/0; open IPv6 egress too.
  aws({"ec2", "authorize-security-group-egress", "--group-id", sg, "--ip-permissions",
       "IpProtocol=-1,Ipv6Ranges=[{CidrIpv6=::/0}]"});

  // Two instances, one per subnet.
  std::vector<std::string> ids, v6s, publics;
  for (const auto& s : {sa, sb}) {
    json r = aws({"ec2", "run-instances", "--image-id", "ami-0123456789abcdef0", "--instance-type", "t3.micro",
                  "--subnet-id", s, "--security-group-ids", sg, "--count", "1"});
    ASSERT_EQ(r["Instances"].size(), 1u);
    ids.push_back(r["Instances"][0]["InstanceId"]);
  }
  json described = aws({"ec2", "describe-instances", "--instance-ids", ids[0], ids[1]});
  for (const auto& res : described["Reservations"])
    for (const auto& inst : res["Instances"]) {
      size_t i = inst["InstanceId"] == ids[0] ? 0 : 1;
      if (v6s.size() < 2) v6s.resize(2), publics.resize(2);
      v6s[i] = inst["NetworkInterfaces"][0]["Ipv6Addresses"][0]["Ipv6Address"];
      publics[i] = inst.value("PublicIpAddress", "");
    }
  ASSERT_EQ(v6s.size(), 2u);
  EXPECT_EQ(publics[0].rfind("198.51.100.", 0), 0u) << publics[0];

  // Seed step 5, verbatim: one IPv6 address per running instance.
  std::string text = d_->aws_text({"ec2", "describe-instances", "--query",
                                   "Reservations[].Instances[? State.Name == 'running' ][].NetworkInterfaces[].Ipv6Addresses"});
  std::istringstream lines(text);
  std::vector<std::string> printed;
  for (std::string l; std::getline(lines, l);)
    if (!l.empty()) printed.push_back(l);
  ASSERT_EQ(printed.size(), 2u) << text;
  for (const auto& a : v6s) EXPECT_NE(text.find(a), std::string::npos) << text;

  // The instances exist as namespaces, with their addresses on eth0.
  const std::string ns0 = d_->netns(ids[0]), ns1 = d_->netns(ids[1]);
  auto shown = d_->v6k({"ssh", ids[0], "--", "ip", "-6", "addr", "show", "dev", "eth0"});
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  EXPECT_NE(shown.out.find(v6s[0] + "/128"), std::string::npos) << shown.out;
  // Like ssh, 255 when there is nothing to connect to; a path is never a host name.
  EXPECT_EQ(d_->v6k({"ssh", "i-0000000000000000a", "--", "true"}).exit_code, 255);
  EXPECT_EQ(d_->v6k({"ssh", "../../proc/1/ns/net", "--", "true"}).exit_code, 255);

  // Instance to instance over IPv6: the group allows no ingress yet...
  auto blocked = tcp_probe(ns0, ns1, v6s[1], 8080, 1000);
  EXPECT_FALSE(blocked.ok) << "reached " << v6s[1] << " before any ingress rule";
  // ... and does as soon as the call returns.
  aws({"ec2", "authorize-security-group-ingress", "--group-id", sg, "--ip-permissions",
       "IpProtocol=tcp,FromPort=8080,ToPort=8080,Ipv6Ranges=[{CidrIpv6=::/0}]"});
  auto allowed = tcp_probe(ns0, ns1, v6s[1], 8080, 2000);
  ASSERT_TRUE(allowed.ok) << allowed.error;
  EXPECT_EQ(allowed.server_saw, v6s[0]);  // native IPv6: no NAT anywhere
  // IPv4 on the same port is still refused: the rule is for ::/0 only.
  json inst1 = aws({"ec2", "describe-instances", "--instance-ids", ids[1]});
  std::string v4_1 = inst1["Reservations"][0]["Instances"][0]["PrivateIpAddress"];
  EXPECT_FALSE(tcp_probe(ns0, ns1, v4_1, 8080, 1000).ok);

  // The instance reaches the IPv4-only internet service through its public IPv4.
  auto curl = d_->v6k({"ssh", ids[0], "--", "curl", "-s", "-m", "5", "http://203.0.113.80/"});
  ASSERT_EQ(curl.exit_code, 0) << curl.err;
  EXPECT_EQ(curl.out, "svc4 (203.0.113.80) says hello to " + publics[0] + "\n");
  // And the dual-stack service over IPv6, seeing the instance's own address.
  auto curl6 = d_->v6k({"ssh", ids[0], "--", "curl", "-s", "-m", "5", "-g", "http://[2001:db8:ffff::80]/"});
  ASSERT_EQ(curl6.exit_code, 0) << curl6.err;
  EXPECT_NE(curl6.out.find("says hello to " + v6s[0]), std::string::npos) << curl6.out;

  // The IPv4-only laptop cannot reach an instance over IPv6 (seed step 9).
  auto laptop = d_->v6k({"ssh", "laptop", "--", "curl", "-s", "-m", "3", "-g", "-6", "http://[" + v6s[1] + "]:8080/"});
  EXPECT_NE(laptop.exit_code, 0);
  EXPECT_FALSE(tcp_probe(d_->netns("laptop"), ns1, v6s[1], 8080, 1000).ok);

  // kill -9, restart: the same namespaces (not recreated), still reachable.
  const ino_t before0 = inode_of(ns0), before1 = inode_of(ns1);
  ASSERT_NE(before0, 0u);
  d_->kill9();
  d_->start();
  EXPECT_EQ(inode_of(ns0), before0);
  EXPECT_EQ(inode_of(ns1), before1);
  auto again = tcp_probe(ns0, ns1, v6s[1], 8080, 2000);
  EXPECT_TRUE(again.ok) << again.error;
  EXPECT_EQ(aws({"ec2", "describe-instances", "--instance-ids", ids[0]})["Reservations"].size(), 1u);

  // Terminating an instance removes its namespace.
  aws({"ec2", "terminate-instances", "--instance-ids", ids[1]});
  EXPECT_EQ(inode_of(ns1), 0u);
  EXPECT_NE(inode_of(ns0), 0u);
}

// The ids of the instances whose namespaces exist now, read from /run/netns.
std::set<std::string> instance_namespaces(const std::string& prefix) {
  std::set<std::string> out;
  if (DIR* dir = ::opendir("/run/netns")) {
    while (dirent* e = ::readdir(dir)) {
      std::string n = e->d_name;
      if (n.rfind(prefix + "i-", 0) == 0) out.insert(n.substr(prefix.size()));
    }
    ::closedir(dir);
  }
  return out;
}

// kill -9 while RunInstances calls are in flight: after the restart every instance the
// store holds is running in its own namespace with its address, every ENI belongs to a
// stored instance, and no instance namespace exists that the store does not name.
TEST_F(VpcFabric, KillNineMidRequestsLeavesNothingHalfDone) {
  json vpc = aws({"ec2", "create-vpc", "--cidr-block", "10.0.0.0/16", "--amazon-provided-ipv6-cidr-block"});
  std::string vpc_id = vpc["Vpc"]["VpcId"];
  std::string v6 = vpc["Vpc"]["Ipv6CidrBlockAssociationSet"][0]["Ipv6CidrBlock"];
  std::string subnet = aws({"ec2", "create-subnet", "--vpc-id", vpc_id, "--cidr-block", "10.0.0.0/24",
                            "--ipv6-cidr-block", v6.substr(0, v6.find("::")) + "::/64"})["Subnet"]["SubnetId"];
  aws({"ec2", "modify-subnet-attribute", "--subnet-id", subnet, "--assign-ipv6-address-on-creation"});

  // Six clients launching 3 instances each, in a loop, while the daemon dies under them.
  std::vector<pid_t> clients;
  for (int i = 0; i < 6; ++i) {
    pid_t pid = -1;
    std::vector<std::string> argv = {"/bin/sh", "-c",
                                     "for n in 1 2 3 4 5; do /usr/bin/aws --endpoint-url http://localhost:" +
                                         std::to_string(d_->port()) +
                                         " ec2 run-instances --image-id ami-0123456789abcdef0 --count 3 --subnet-id " +
                                         subnet + " >/dev/null 2>&1 || exit 0; done"};
    run_in_netns("", argv, d_->aws_env(), "", &pid, false);
    clients.push_back(pid);
  }
  // Wait until some instances exist, then kill the daemon mid-stream.
  for (int i = 0; i < 400; ++i) {
    auto r = d_->aws({"ec2", "describe-instances", "--query", "length(Reservations[])", "--output", "text"});
    if (r.exit_code == 0 && std::atoi(r.out.c_str()) >= 3) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  d_->kill9();
  for (pid_t p : clients) ::waitpid(p, nullptr, 0);
  // While it is down, the kernel drifts from the store the way a crash between commit and
  // realisation leaves it: a namespace the store never committed, and one instance's
  // namespace gone. The restart must converge both ways.
  ASSERT_EQ(v6k::testing::run_command({"/usr/sbin/ip", "netns", "add", d_->netns("i-0000000000000000f")}, {}, "")
                .exit_code,
            0);
  auto existing = instance_namespaces(d_->ns_prefix());
  existing.erase("i-0000000000000000f");
  ASSERT_FALSE(existing.empty());
  ASSERT_EQ(v6k::testing::run_command({"/usr/sbin/ip", "netns", "delete", d_->netns(*existing.begin())}, {}, "")
                .exit_code,
            0);
  d_->start();

  json inst = aws({"ec2", "describe-instances", "--filters", "Name=instance-state-name,Values=running"});
  std::set<std::string> running;
  for (const auto& r : inst["Reservations"])
    for (const auto& i : r["Instances"]) {
      std::string id = i["InstanceId"];
      running.insert(id);
      ASSERT_FALSE(i["NetworkInterfaces"].empty()) << id;
      std::string addr = i["NetworkInterfaces"][0]["Ipv6Addresses"][0]["Ipv6Address"];
      auto shown = d_->v6k({"ssh", id, "--", "ip", "-6", "addr", "show", "dev", "eth0"});
      EXPECT_EQ(shown.exit_code, 0) << id << ": " << shown.err;
      EXPECT_NE(shown.out.find(addr + "/128"), std::string::npos) << id << ": " << shown.out;
    }
  EXPECT_GE(running.size(), 3u);
  json enis = aws({"ec2", "describe-network-interfaces"});
  EXPECT_EQ(enis["NetworkInterfaces"].size(), running.size());
  for (const auto& e : enis["NetworkInterfaces"]) EXPECT_TRUE(running.count(e["Attachment"]["InstanceId"]));
  EXPECT_EQ(instance_namespaces(d_->ns_prefix()), running);
}

}  // namespace
