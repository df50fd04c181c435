// Node registration and heartbeats against a real API server, read back with kubectl:
// the Node's labels, addresses, nodeInfo and conditions, a renewed Lease, adoption after a
// restart, and a health change shown at once.
#include <gtest/gtest.h>

#include <thread>

#include "node/agent/heartbeat.h"
#include "support/kube_cluster.h"

namespace v6k::node {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::KubeCluster;

NodeIdentity identity() {
  NodeIdentity id;
  id.instance_id = "i-0a1b2c3d4e5f60718";
  id.node_name = "ip-10-0-1-23.us-west-2.compute.internal";
  id.instance_type = "m5.large";
  id.architecture = "x86_64";
  id.region = "us-west-2";
  id.zone = "us-west-2a";
  id.internal_ipv6 = "2001:db8:0:1::17";
  id.internal_ipv4 = "10.0.1.23";
  id.external_ipv4 = "198.51.100.7";
  id.pod_prefix = "2001:db8:0:1:a::/80";
  id.nodegroup = "ng-1";
  id.kernel_version = "6.1.0-test";
  id.os_image = "Debian GNU/Linux 12 (bookworm)";
  return id;
}

std::shared_ptr<kube::Client> client_for(const KubeCluster& k) {
  auto c = kube::Client::create({.host = "::1", .port = k.port(), .ca_pem = k.ca_pem(), .token = KubeCluster::kAdminToken});
  EXPECT_TRUE(c);
  return *c;
}

TEST(NodeObject, LabelsAndStatusAsTheKubeletWritesThem) {
  NodeIdentity id = identity();
  json n = make_node(id);
  EXPECT_EQ(n["metadata"]["name"], id.node_name);
  EXPECT_EQ(n["spec"]["providerID"], "aws:///us-west-2a/i-0a1b2c3d4e5f60718");
  const json& l = n["metadata"]["labels"];
  EXPECT_EQ(l["kubernetes.io/arch"], "amd64");
  EXPECT_EQ(l["beta.kubernetes.io/arch"], "amd64");
  EXPECT_EQ(l["node.kubernetes.io/instance-type"], "m5.large");
  EXPECT_EQ(l["topology.kubernetes.io/zone"], "us-west-2a");
  EXPECT_EQ(l["eks.amazonaws.com/nodegroup"], "ng-1");
  EXPECT_EQ(kube_arch("arm64"), "arm64");
  EXPECT_EQ(kube_arch("x86_64"), "amd64");

  json st = node_status(id, "2026-11-27T10:00:00Z", {});
  EXPECT_EQ(st["addresses"][0], (json{{"type", "InternalIP"}, {"address", "2001:db8:0:1::17"}}));
  EXPECT_EQ(st["addresses"][1], (json{{"type", "ExternalIP"}, {"address", "198.51.100.7"}}));
  EXPECT_EQ(st["capacity"]["pods"], "110");
  EXPECT_EQ(st["allocatable"]["cpu"], "1920m");
  EXPECT_EQ(st["nodeInfo"]["containerRuntimeVersion"], "v6k://0.1.0");
  EXPECT_EQ(st["conditions"][3]["type"], "Ready");
  EXPECT_EQ(st["conditions"][3]["status"], "True");
  EXPECT_EQ(st["conditions"][3]["reason"], "KubeletReady");

  // A later report keeps lastTransitionTime while the status stays, and moves it on change.
  json again = node_status(id, "2026-11-27T10:05:00Z", {}, st["conditions"]);
  EXPECT_EQ(again["conditions"][3]["lastTransitionTime"], "2026-11-27T10:00:00Z");
  EXPECT_EQ(again["conditions"][3]["lastHeartbeatTime"], "2026-11-27T10:05:00Z");
  json down = node_status(id, "2026-11-27T10:06:00Z", {.ready = false, .not_ready_message = "network not ready"},
                          again["conditions"]);
  EXPECT_EQ(down["conditions"][3]["status"], "False");
  EXPECT_EQ(down["conditions"][3]["lastTransitionTime"], "2026-11-27T10:06:00Z");
  EXPECT_EQ(down["conditions"][0]["lastTransitionTime"], "2026-11-27T10:00:00Z");

  NodeIdentity v4 = id;
  v4.ipv6_cluster = false;
  EXPECT_EQ(node_status(v4, "2026-11-27T10:00:00Z", {})["addresses"][0]["address"], "10.0.1.23");
}

TEST(NodeHeartbeat, RegistersRenewsAdoptsAndReports) {
  KubeCluster k;
  ASSERT_TRUE(k.ok()) << k.error();
  auto c = client_for(k);
  std::atomic<bool> ready{true};
  HeartbeatOptions o{.client = c, .id = identity(), .health = [&] {
                       return ready ? NodeHealth{} : NodeHealth{.ready = false, .not_ready_message = "cni plugin not initialized"};
                     },
                     .lease_renew = 100ms, .status_report = 10s};
  auto hb = NodeHeartbeat::start(o);
  ASSERT_TRUE(hb) << hb.error().message();

  auto wide = k.kubectl({"get", "nodes", "-o", "wide", "--no-headers"});
  std::string line = wide.out;
  EXPECT_NE(line.find("ip-10-0-1-23.us-west-2.compute.internal   Ready"), std::string::npos) << line;
  EXPECT_NE(line.find("2001:db8:0:1::17"), std::string::npos) << line;
  EXPECT_NE(line.find("198.51.100.7"), std::string::npos) << line;
  EXPECT_NE(line.find("Debian GNU/Linux 12 (bookworm)"), std::string::npos) << line;
  EXPECT_NE(line.find("v6k://0.1.0"), std::string::npos) << line;

  const std::string lease_path =
      "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/ip-10-0-1-23.us-west-2.compute.internal";
  auto l1 = c->get(lease_path);
  ASSERT_TRUE(l1) << l1.error().text();
  EXPECT_EQ((*l1)["spec"]["holderIdentity"], "ip-10-0-1-23.us-west-2.compute.internal");
  EXPECT_EQ((*l1)["metadata"]["ownerReferences"][0]["kind"], "Node");
  std::this_thread::sleep_for(350ms);
  auto l2 = c->get(lease_path);
  ASSERT_TRUE(l2);
  EXPECT_NE((*l1)["spec"]["renewTime"], (*l2)["spec"]["renewTime"]) << "the lease was not renewed";
  EXPECT_GE((*hb)->renewals(), 3u);

  ready = false;
  (*hb)->report_now();
  bool not_ready = false;
  for (int i = 0; i < 100 && !not_ready; ++i) {
    not_ready = k.kubectl({"get", "nodes", "--no-headers"}).out.find("NotReady") != std::string::npos;
    if (!not_ready) std::this_thread::sleep_for(20ms);
  }
  EXPECT_TRUE(not_ready);
  auto uid = (*c->get("/api/v1/nodes/ip-10-0-1-23.us-west-2.compute.internal"))["metadata"]["uid"];
  (*hb)->stop();

  // An agent restart adopts the registered node.
  ready = true;
  auto hb2 = NodeHeartbeat::start(o);
  ASSERT_TRUE(hb2) << hb2.error().message();
  auto n = c->get("/api/v1/nodes/ip-10-0-1-23.us-west-2.compute.internal");
  ASSERT_TRUE(n);
  EXPECT_EQ((*n)["metadata"]["uid"], uid);
  EXPECT_EQ((*n)["status"]["conditions"][3]["status"], "True");
}

}  // namespace
}  // namespace v6k::node
