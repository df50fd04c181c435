// An IPv4 EKS cluster end to end, the contrast the seed draws: pods take secondary private
// IPv4s from their node's subnet (the VPC CNI's default mode), so a small subnet runs out.
// Real `v6k serve`, real /usr/bin/aws and kubectl: an IPv4-only VPC with two /28 subnets
// (11 usable addresses each), an ipFamily=ipv4 cluster, a node group of two in the first
// subnet; 12 nginx replicas -> 9 Running with distinct addresses from the subnet (11 minus
// the nodes' own two), the subnet at 0 available addresses, the other three stuck in
// ContainerCreating with FailedCreatePodSandBox events carrying EC2's
// InsufficientFreeAddressesInSubnet; pod -> pod across the nodes (the VPC routes each
// secondary address to its ENI) and pod -> Service by name over IPv4; a daemon restart
// keeps every pod and address; scaled down to one pod, the nodes give what they hold beyond
// their warm target back to the subnet once the addresses are out of cool-down (30 s).
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <set>

#include "addr/ip.h"
#include "eks_fixture.h"
#include "support/eventually.h"

namespace v6k::e2e {
namespace {

int available_addresses(RegionDaemon& d, const std::string& subnet) {
  json s = d.aws_json({"ec2", "describe-subnets", "--subnet-ids", subnet});
  return s["Subnets"][0].value("AvailableIpAddressCount", -1);
}

TEST(EksIpv4, PodsTakeSubnetAddressesUntilTheSubnetRunsOut) {
  if (auto why = RegionDaemon::unavailable()) GTEST_SKIP() << *why;
  if (::access("/usr/bin/kubectl", X_OK) != 0) GTEST_SKIP() << "no /usr/bin/kubectl";
  RegionDaemon d;
  EksRegion r(d);
  r.make_ipv4_vpc("10.0.0.0/28", "10.0.0.16/28");
  EXPECT_EQ(available_addresses(d, r.subnet1_), 11) << "a /28 minus AWS's five reserved addresses";

  r.create_cluster("v4", "ipv4");
  json cluster = d.aws_json({"eks", "describe-cluster", "--name", "v4"});
  EXPECT_EQ(cluster["cluster"]["kubernetesNetworkConfig"]["ipFamily"], "ipv4");
  const std::string service_cidr = cluster["cluster"]["kubernetesNetworkConfig"].value("serviceIpv4Cidr", "");
  ASSERT_FALSE(service_cidr.empty()) << cluster.dump();
  r.create_nodegroup("v4", "v4-ng", 2, /*one_subnet=*/true);

  std::string kc = r.kubeconfig("v4");
  json nodes = r.kubectl_json(kc, {"get", "nodes"});
  ASSERT_EQ(nodes["items"].size(), 2u) << nodes.dump();
  auto subnet = addr::Ipv4Prefix::parse("10.0.0.0/28").value();
  std::set<std::string> node_ips;
  for (const auto& n : nodes["items"])
    for (const auto& a : n["status"]["addresses"])
      if (a["type"] == "InternalIP") {
        auto node_ip = addr::Ipv4Address::parse(a["address"].get<std::string>());
        ASSERT_TRUE(node_ip) << "an IPv4 cluster's node has an IPv4 InternalIP, got " << a.dump();
        EXPECT_TRUE(subnet.contains(*node_ip));
        node_ips.insert(a["address"]);
      }
  EXPECT_EQ(node_ips.size(), 2u);

  ASSERT_EQ(r.kubectl(kc, {"create", "namespace", "shop"}).exit_code, 0);
  std::string manifest = d.state_dir() + "/v4.yml";
  { std::ofstream(manifest) << deployment("shop", 12); }
  ExecResult applied = r.kubectl(kc, {"apply", "-f", manifest});
  ASSERT_EQ(applied.exit_code, 0) << applied.err;
  ASSERT_TRUE(wait_running(r, kc, "shop", 9)) << running_pods(r, kc, "shop").size() << " Running";
  auto pods = running_pods(r, kc, "shop");
  std::set<std::string> ips;
  for (const auto& p : pods) {
    auto ip = addr::Ipv4Address::parse(p.ip);
    ASSERT_TRUE(ip) << p.name << " has " << p.ip;
    EXPECT_TRUE(subnet.contains(*ip)) << p.ip << " is not from the node's subnet";
    EXPECT_FALSE(node_ips.contains(p.ip));
    ips.insert(p.ip);
  }
  EXPECT_EQ(ips.size(), 9u) << "nine pods, nine addresses";
  EXPECT_EQ(available_addresses(d, r.subnet1_), 0) << "the subnet is out of addresses";

  // The other two stay in ContainerCreating and say why.
  bool told = false;
  std::string last;
  for (int i = 0; i < 150 && !told; ++i) {
    json events = r.kubectl_json(kc, {"get", "events", "-n", "shop", "--field-selector",
                                      "reason=FailedCreatePodSandBox"});
    for (const auto& e : events.value("items", json::array())) {
      last = e.value("message", "");
      if (last.find("failed to assign an IP address to container") != std::string::npos &&
          last.find("InsufficientFreeAddressesInSubnet") != std::string::npos)
        told = true;
    }
    if (!told) std::this_thread::sleep_for(200ms);
  }
  EXPECT_TRUE(told) << "last event: " << last;
  std::printf("FailedCreatePodSandBox: %s\n", last.c_str());
  EXPECT_EQ(running_pods(r, kc, "shop").size(), 9u);
  ExecResult wide = r.kubectl(kc, {"get", "pods", "-n", "shop"});
  size_t creating = 0;
  for (size_t at = 0; (at = wide.out.find("ContainerCreating", at)) != std::string::npos; ++at) ++creating;
  EXPECT_EQ(creating, 3u) << wide.out;

  // IPv4 pod -> pod (no NAT inside the VPC) and pod -> Service by name.
  auto curl = [&](const std::string& pod, const std::string& url) {
    return r.kubectl(kc, {"exec", "-n", "shop", pod, "--", "curl", "-sS", "--max-time", "5", url});
  };
  auto other = std::find_if(pods.begin(), pods.end(), [&](const Pod& p) { return p.node != pods[0].node; });
  ASSERT_NE(other, pods.end()) << "pods on both nodes";
  ExecResult direct = curl(pods[0].name, "http://" + other->ip + "/");
  EXPECT_NE(direct.out.find("Welcome to nginx!"), std::string::npos) << direct.out << direct.err;
  ExecResult by_name = curl(pods[0].name, "http://web/");
  EXPECT_NE(by_name.out.find("Welcome to nginx!"), std::string::npos) << by_name.out << by_name.err;
  json svc = r.kubectl_json(kc, {"get", "service", "web", "-n", "shop"});
  auto cluster_ip = addr::Ipv4Address::parse(svc["spec"].value("clusterIP", ""));
  ASSERT_TRUE(cluster_ip) << svc.dump();
  EXPECT_TRUE(addr::Ipv4Prefix::parse(service_cidr)->contains(*cluster_ip));

  // The daemon killed and restarted: the agent keeps its ENI's addresses (no new ones are
  // asked for), and the same pods serve with the same addresses.
  d.kill9();
  d.start();
  ASSERT_TRUE(r.wait_status({"eks", "describe-nodegroup", "--cluster-name", "v4", "--nodegroup-name", "v4-ng"},
                            "nodegroup", "ACTIVE", 60s));
  ASSERT_TRUE(wait_running(r, kc, "shop", 9));
  std::map<std::string, std::string> before, after;
  for (const auto& p : pods) before[p.name] = p.ip;
  for (const auto& p : running_pods(r, kc, "shop")) after[p.name] = p.ip;
  EXPECT_EQ(after, before);
  bool serving = false;
  for (int i = 0; i < 50 && !serving; ++i) {
    serving = curl(pods[0].name, "http://" + other->ip + "/").out.find("Welcome to nginx!") != std::string::npos;
    if (!serving) std::this_thread::sleep_for(200ms);
  }
  EXPECT_TRUE(serving);

  // Scaled back to what the subnet holds: the stuck pods go first, every pod runs.
  ASSERT_EQ(r.kubectl(kc, {"scale", "deployment", "web", "-n", "shop", "--replicas=8"}).exit_code, 0);
  bool settled = false;
  for (int i = 0; i < 150 && !settled; ++i) {
    settled = r.kubectl_json(kc, {"get", "pods", "-n", "shop"})["items"].size() == 8 &&
              running_pods(r, kc, "shop").size() == 8;
    if (!settled) std::this_thread::sleep_for(200ms);
  }
  EXPECT_TRUE(settled);

  // Scaled down to one pod: once their 30 s cool-down is over, each node keeps its warm
  // target (3 free) and gives the rest back, so the subnet has addresses again.
  auto secondaries = [&] {  // by node name
    std::map<std::string, size_t> out;
    json enis = d.aws_json({"ec2", "describe-network-interfaces", "--filters", "Name=subnet-id,Values=" + r.subnet1_});
    for (const auto& e : enis["NetworkInterfaces"]) {
      std::string ip = e["PrivateIpAddress"];
      std::replace(ip.begin(), ip.end(), '.', '-');
      out["ip-" + ip + ".us-west-2.compute.internal"] = e["PrivateIpAddresses"].size() - 1;
    }
    return out;
  };
  const std::map<std::string, size_t> held = secondaries();
  ASSERT_EQ(held.size(), 2u);
  ASSERT_EQ(r.kubectl(kc, {"scale", "deployment", "web", "-n", "shop", "--replicas=1"}).exit_code, 0);
  ASSERT_TRUE(testing::eventually([&] { return r.kubectl_json(kc, {"get", "pods", "-n", "shop"})["items"].size() == 1; }, 30s, 300ms));
  const std::string last_node = running_pods(r, kc, "shop").at(0).node;
  // Each node ends with at most its pods + 3 (it never asks for more while it has 3 free).
  std::map<std::string, size_t> want;
  int back = 0;
  for (const auto& [node, n] : held) {
    want[node] = std::min<size_t>(n, (node == last_node ? 1 : 0) + 3);
    back += static_cast<int>(n - want[node]);
  }
  ASSERT_GE(back, 2) << "9 addresses on the nodes, at most 7 stay";
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_TRUE(testing::eventually([&] { return available_addresses(d, r.subnet1_) == back; }, 90s, 500ms));
  EXPECT_EQ(secondaries(), want);
  std::printf("%d addresses back in the subnet after %.1f s\n", back,
              std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
}

}  // namespace
}  // namespace v6k::e2e
