// `v6k agent` end to end, as real processes: a region (`v6k serve`, set up with the real
// aws CLI: an IPv6 VPC, a subnet that assigns IPv6, an instance), a control plane
// (`v6k control-plane`) and the agent of that instance. The node registers with its IPv6
// as InternalIP; a Deployment's pods run with addresses from the /80 the agent had
// delegated to the instance's ENI and serve nginx's page inside the instance's namespace;
// a restarted agent keeps them; deleting the Deployment removes them.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <thread>

#include "addr/ip.h"
#include "kube/client/client.h"
#include "netlink/netns.h"
#include "node/runtime/runtime.h"
#include "support/child_process.h"
#include "support/netns_http.h"
#include "support/proc.h"
#include "support/region_daemon.h"
#include "support/temp_dir.h"

namespace v6k::node {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::ChildProcess;
using testing::RegionDaemon;

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

template <class Pred>
bool eventually(Pred p, std::chrono::milliseconds limit = 30s) {
  auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (p()) return true;
    std::this_thread::sleep_for(100ms);
  }
  return p();
}

TEST(AgentEndToEnd, RegionInstanceRunsTheDeploymentsPods) {
  if (auto why = RegionDaemon::unavailable()) GTEST_SKIP() << *why;
  RegionDaemon d;
  testing::TempDir cpdir("v6k-agent-cp");
  const std::string v6k = testing::built("cmd/v6k");

  // The VPC, a subnet that assigns IPv6, one instance.
  json vpc = d.aws_json({"ec2", "create-vpc", "--cidr-block", "10.0.0.0/16", "--amazon-provided-ipv6-cidr-block"})["Vpc"];
  const std::string vpc_id = vpc["VpcId"];
  const std::string v56 =
      d.aws_json({"ec2", "describe-vpcs", "--vpc-ids", vpc_id})["Vpcs"][0]["Ipv6CidrBlockAssociationSet"][0]["Ipv6CidrBlock"];
  const std::string v64 = addr::Ipv6Prefix::parse(v56)->subprefix(64, 1).value().to_string();
  const std::string subnet = d.aws_json({"ec2", "create-subnet", "--vpc-id", vpc_id, "--cidr-block", "10.0.1.0/24",
                                         "--availability-zone", "us-west-2a", "--ipv6-cidr-block", v64})["Subnet"]["SubnetId"];
  d.aws_json({"ec2", "modify-subnet-attribute", "--subnet-id", subnet, "--assign-ipv6-address-on-creation"});
  const std::string instance = d.aws_json({"ec2", "run-instances", "--image-id", "ami-0123456789abcdef0", "--instance-type",
                                           "m5.large", "--subnet-id", subnet})["Instances"][0]["InstanceId"];

  ChildProcess cp({v6k, "control-plane", "--data-dir", cpdir.path(), "--port", "0"}, cpdir.path() + "/cp.log");
  cp.start();
  ASSERT_TRUE(cp.wait_for_log("kubeconfig:", 30s)) << cp.log();
  const std::string kubeconfig = cpdir.path() + "/admin.kubeconfig";
  auto agent_argv = std::vector<std::string>{v6k, "agent", "--state", d.state_dir(), "--node", instance,
                                             "--kubeconfig", kubeconfig};
  auto agent = std::make_unique<ChildProcess>(agent_argv, cpdir.path() + "/agent.log");
  agent->start();
  ASSERT_TRUE(agent->wait_for_log("pods from", 30s)) << agent->log();

  // A client of the cluster, from the kubeconfig the control plane wrote.
  auto kc = json::parse(slurp(kubeconfig));
  std::string server = kc["clusters"][0]["cluster"]["server"];
  std::string token = slurp(cpdir.path() + "/admin.token");
  while (!token.empty() && token.back() == '\n') token.pop_back();
  auto client = kube::Client::create({.host = "::1", .port = static_cast<uint16_t>(std::stoi(server.substr(server.rfind(':') + 1))),
                                      .ca_pem = slurp(cpdir.path() + "/ca.crt"), .token = token});
  ASSERT_TRUE(client);
  auto kubectl = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"/usr/bin/kubectl", "--kubeconfig", kubeconfig, "--cache-dir", cpdir.path() + "/kc"});
    return testing::run_command(args, {{"HOME", cpdir.path()}}, "");
  };

  json ec2 = d.aws_json({"ec2", "describe-instances", "--instance-ids", instance})["Reservations"][0]["Instances"][0];
  const std::string node_name = ec2["PrivateDnsName"];
  const std::string node_ip6 = ec2["NetworkInterfaces"][0]["Ipv6Addresses"][0]["Ipv6Address"];
  const std::string pod80 = ec2["NetworkInterfaces"][0]["Ipv6Prefixes"][0]["Ipv6Prefix"];
  auto prefix = addr::Ipv6Prefix::parse(pod80);
  ASSERT_TRUE(prefix) << ec2.dump();
  EXPECT_EQ(prefix->length(), 80);

  ASSERT_TRUE(eventually([&] { return kubectl({"get", "nodes", "--no-headers"}).out.find(node_name + "   Ready") != std::string::npos; }))
      << kubectl({"get", "nodes"}).out << agent->log();
  auto wide = kubectl({"get", "nodes", "-o", "wide", "--no-headers"}).out;
  EXPECT_NE(wide.find(node_ip6), std::string::npos) << wide;

  ASSERT_EQ(kubectl({"create", "deployment", "web", "--image=public.ecr.aws/z9d2n7e1/nginx:1.19.5", "--replicas=2"}).exit_code, 0);
  auto running = [&] {
    auto pods = (*client)->list("/api/v1/namespaces/default/pods");
    if (!pods || (*pods)["items"].size() != 2) return json::array();
    json ips = json::array();
    for (const auto& p : (*pods)["items"]) {
      if (p["status"].value("phase", "") != "Running" || !p["status"].contains("podIP")) return json::array();
      ips.push_back(p["status"]["podIP"]);
    }
    return ips;
  };
  ASSERT_TRUE(eventually([&] { return running().size() == 2; }, 60s)) << kubectl({"get", "pods", "-o", "wide"}).out << agent->log();
  json ips = running();
  for (const auto& ip : ips) {
    auto a = addr::Ipv6Address::parse(ip.get<std::string>());
    ASSERT_TRUE(a);
    EXPECT_TRUE(prefix->contains(*a)) << ip << " is not in " << pod80;
    EXPECT_TRUE(eventually([&] { return testing::http_get_in(d.netns(instance), ip).find("Welcome to nginx!") != std::string::npos; }, 10s))
        << ip;
  }

  // A restarted agent keeps the pods and their addresses.
  agent->stop(SIGTERM);
  agent = std::make_unique<ChildProcess>(agent_argv, cpdir.path() + "/agent2.log");
  agent->start();
  ASSERT_TRUE(agent->wait_for_log("pods from " + pod80, 30s)) << agent->log();
  std::this_thread::sleep_for(1s);
  json after = running();
  std::sort(ips.begin(), ips.end());
  std::sort(after.begin(), after.end());
  EXPECT_EQ(after, ips);
  for (const auto& ip : ips) EXPECT_NE(testing::http_get_in(d.netns(instance), ip).find("Welcome to nginx!"), std::string::npos) << ip;

  // Deleting the Deployment removes the pods (graceful, confirmed by the agent).
  ASSERT_EQ(kubectl({"delete", "deployment", "web"}).exit_code, 0);
  EXPECT_TRUE(eventually([&] {
    auto pods = (*client)->list("/api/v1/namespaces/default/pods");
    return pods && (*pods)["items"].empty();
  }, 60s)) << kubectl({"get", "pods"}).out << agent->log();
  agent->stop(SIGTERM);
  cp.stop(SIGTERM);
  // Nothing may outlive the test: RegionDaemon's `v6k down --purge` stops whatever the
  // agents of its state dir still run (their runtime state is under /run/v6k).
}

}  // namespace
}  // namespace v6k::node
