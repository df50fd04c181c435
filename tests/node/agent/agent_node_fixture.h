// One emulated node for the agent's pod tests: a KubeCluster (API server), a node netns
// named <prefix>node, the real v6k-cni with a /80, a runtime and a PodManager for
// "node-1", all removed in TearDown (sandboxes first: their shims outlive the agent).
//
//   class MyTest : public AgentNodeTest {
//    protected:
//     MyTest() : AgentNodeTest("v6kt-mine-", "2001:db8:0:1:c::/80") {}
//   };
//   TEST_F(MyTest, X) { client_->create(...); get("web"); }
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "netlink/netns.h"
#include "node/agent/cni.h"
#include "node/agent/pods.h"
#include "support/kube_cluster.h"
#include "support/netns_cleanup.h"
#include "support/proc.h"
#include "support/temp_dir.h"

namespace v6k::node {

class AgentNodeTest : public ::testing::Test {
 protected:
  AgentNodeTest(const std::string& stem, std::string pod_prefix)
      : pod_prefix_(std::move(pod_prefix)),
        pod_root_("/run/" + stem + std::to_string(::getpid())),
        stem_(stem) {}

  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root (namespaces, containers)";
    ASSERT_TRUE(k_.ok()) << k_.error();
    prefix_ = stem_ + std::to_string(::getpid()) + "-";
    auto node = netlink::NetNs::create(prefix_ + "node");
    ASSERT_TRUE(node) << node.error().message();
    auto c = kube::Client::create({.host = "::1", .port = k_.port(), .ca_pem = k_.ca_pem(),
                                   .token = testing::KubeCluster::kAdminToken});
    ASSERT_TRUE(c);
    client_ = *c;
    cni_ = std::make_unique<CniNetwork>(CniOptions{
        .plugin = testing::built("cmd/v6k-cni"),
        .node_netns = "/var/run/netns/" + prefix_ + "node",
        .conflist = node_conflist({.pod_prefix = pod_prefix_, .data_dir = dir_.path() + "/ipam", .cooldown_seconds = 0})});
    auto rt = runtime::Runtime::open({.root = dir_.path() + "/runtime", .cgroup_group = ""});
    ASSERT_TRUE(rt) << rt.error().message();
    rt_ = std::make_unique<runtime::Runtime>(std::move(*rt));
    start_agent();
  }

  void TearDown() override {
    if (prefix_.empty()) return;  // skipped: nothing was made (an empty prefix matches every netns)
    if (pm_) pm_->stop();
    pm_.reset();
    if (rt_)
      if (auto sbs = rt_->list_sandboxes(); sbs)
        for (const auto& sb : *sbs) rt_->remove_sandbox(sb.id, std::chrono::milliseconds(0));
    testing::remove_namespaces_with_prefix(prefix_);
    std::error_code ec;
    std::filesystem::remove_all(pod_root_, ec);
  }

  // The PodManager's options; a test may adjust them (cluster_dns, back-off, ...).
  virtual PodManagerOptions agent_options() {
    return {.client = client_, .node_name = "node-1", .host_ip = "2001:db8:0:1::17", .netns_prefix = prefix_,
            .cni = cni_.get(), .runtime = rt_.get(), .log_root = dir_.path() + "/logs",
            .restart_backoff = std::chrono::milliseconds(500), .pod_root = pod_root_};
  }

  void start_agent() {
    auto pm = PodManager::start(agent_options());
    ASSERT_TRUE(pm) << pm.error().message();
    pm_ = std::move(*pm);
  }

  nlohmann::json get(const std::string& name) {
    auto r = client_->get("/api/v1/namespaces/default/pods/" + name);
    return r ? *r : nlohmann::json();
  }

  testing::KubeCluster k_;
  testing::TempDir dir_{"v6k-agent-node"};
  const std::string pod_prefix_;
  const std::string pod_root_;
  const std::string stem_;
  std::string prefix_;
  std::shared_ptr<kube::Client> client_;
  std::unique_ptr<CniNetwork> cni_;
  std::unique_ptr<runtime::Runtime> rt_;
  std::unique_ptr<PodManager> pm_;
};

}  // namespace v6k::node
