// The namespace, node lifecycle and pod GC controllers against a real API server, with
// the test playing kubelet: `kubectl delete namespace` returns once the controller has
// emptied and finalized it; a node whose Lease stops being renewed turns NotReady with
// the unreachable taints (and recovers); pods of a deleted node are force-deleted.
#include <gtest/gtest.h>

#include <atomic>
#include <sstream>
#include <thread>

#include "kube/client/events.h"
#include "kube/controllers/lifecycle/lifecycle.h"
#include "kube/controllers/network/controller_fixture.h"

namespace v6k::kube {
namespace {

using test::ControllerFixture;
using test::eventually;

// Plays the kubelet of every node: confirms the deletion of terminating pods in `ns`.
class FakeKubelet {
 public:
  FakeKubelet(Client& c, std::string ns) : c_(c), ns_(std::move(ns)), thread_([this] { run(); }) {}
  ~FakeKubelet() {
    stop_ = true;
    thread_.join();
  }

 private:
  void run() {
    while (!stop_) {
      if (auto l = c_.list(resource_path(kPods, ns_)))
        for (const auto& p : (*l)["items"])
          if (p["metadata"].contains("deletionTimestamp"))
            c_.remove(resource_path(kPods, ns_, p["metadata"]["name"].get<std::string>()), {{"gracePeriodSeconds", 0}});
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  Client& c_;
  std::string ns_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

TEST(NamespaceController, DeletesContentThenNamespace) {
  ControllerFixture f;
  ASSERT_TRUE(f.ok()) << f.error();
  f.add(make_namespace_controller(f.ctx()));
  f.add(make_garbage_collector(f.ctx()));
  ASSERT_TRUE(f.start());
  f.create_namespace("doomed");
  f.create(resource_path(kConfigMapsRef, "doomed"), {{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"metadata", {{"name", "cfg"}}}});
  f.create(resource_path(kServices, "doomed"),
           {{"apiVersion", "v1"}, {"kind", "Service"}, {"metadata", {{"name", "svc"}}},
            {"spec", {{"clusterIP", "None"}, {"selector", {{"app", "x"}}}, {"ports", {{{"port", 80}}}}}}});
  f.create(resource_path(kPods, "doomed"), test::pod("loose", {{"app", "x"}}));
  f.create(resource_path(kPods, "doomed"), test::pod("bound", {{"app", "x"}}, "node-1"));
  f.create(resource_path(kLeases, "doomed"), {{"apiVersion", "coordination.k8s.io/v1"}, {"kind", "Lease"},
                                              {"metadata", {{"name", "l"}}}, {"spec", json::object()}});
  EventRecorder ev(f.ctx().client, "test");
  ev.record(f.get(resource_path(kPods, "doomed", "bound")), "Normal", "Scheduled", "x", "Pod", "v1");
  ev.flush();
  ASSERT_EQ(f.count(resource_path(kEvents, "doomed")), 1u);

  FakeKubelet kubelet(f.client(), "doomed");
  auto begin = std::chrono::steady_clock::now();
  auto out = f.cluster().kubectl({"delete", "namespace", "doomed", "--timeout=30s"});
  auto took = std::chrono::steady_clock::now() - begin;
  EXPECT_EQ(out.out, "namespace \"doomed\" deleted\n") << out.err;
  EXPECT_LT(took, std::chrono::seconds(15));
  EXPECT_TRUE(f.get("/api/v1/namespaces/doomed").is_null());
  for (const auto& r : {kPods, kServices, kConfigMapsRef, kEvents, kLeases})
    EXPECT_EQ(f.count(resource_path(r, "doomed")), 0u) << r.resource;
  // Other namespaces untouched.
  EXPECT_FALSE(f.get("/api/v1/namespaces/default").is_null());
}

json node(const std::string& name) {
  return {{"apiVersion", "v1"}, {"kind", "Node"}, {"metadata", {{"name", name}}}};
}

// What a kubelet posts: Ready True with a fresh heartbeat.
void post_ready(ControllerFixture& f, const std::string& name) {
  std::string now = now_rfc3339();
  json cond = {{"type", "Ready"}, {"status", "True"}, {"reason", "KubeletReady"}, {"message", "kubelet is posting ready status"},
               {"lastHeartbeatTime", now}, {"lastTransitionTime", now}};
  auto r = f.client().patch(resource_path(kNodes, "", name) + "/status", PatchType::kMerge,
                            {{"status", {{"conditions", {cond}}}}});
  ASSERT_TRUE(r) << r.error().text();
}

void renew_lease(Client& c, const std::string& name) {
  c.patch(resource_path(kLeases, "kube-node-lease", name), PatchType::kMerge,
          {{"spec", {{"renewTime", now_rfc3339_micro()}}}});
}

std::string kubectl_node_status(ControllerFixture& f, const std::string& name) {
  auto out = f.cluster().kubectl({"get", "nodes", name, "--no-headers"});
  std::istringstream in(out.out);
  std::string n, status;
  in >> n >> status;
  return status;
}

std::string taints(ControllerFixture& f, const std::string& name) {
  json n = f.get(resource_path(kNodes, "", name));
  std::string out;
  if (!n.is_object()) return "no node";
  for (const auto& t : n.value("spec", json::object()).value("taints", json::array()))
    out += (out.empty() ? "" : " ") + t.value("key", "") + ":" + t.value("effect", "");
  return out;
}

TEST(NodeLifecycleController, LeaseExpiryMakesNodeNotReadyAndRenewalRecovers) {
  ControllerOptions opt;
  opt.node_monitor_grace = std::chrono::seconds(2);
  opt.node_monitor_period = std::chrono::milliseconds(200);
  ControllerFixture f(opt);
  ASSERT_TRUE(f.ok()) << f.error();
  f.add(make_node_lifecycle_controller(f.ctx()));
  f.create("/api/v1/nodes", node("node-1"));
  post_ready(f, "node-1");
  f.create(resource_path(kLeases, "kube-node-lease"),
           {{"apiVersion", "coordination.k8s.io/v1"}, {"kind", "Lease"}, {"metadata", {{"name", "node-1"}}},
            {"spec", {{"holderIdentity", "node-1"}, {"leaseDurationSeconds", 40}, {"renewTime", now_rfc3339_micro()}}}});
  f.create(resource_path(kPods, "default"), test::pod("on-node", {{"app", "x"}}, "node-1"));
  ASSERT_TRUE(f.client().patch(resource_path(kPods, "default", "on-node") + "/status", PatchType::kMerge,
                               {{"status", test::running_status("fd10::1", true)}}));
  ASSERT_TRUE(f.start());

  // Renewed every 300 ms for 3 s (longer than the grace): stays Ready.
  for (int i = 0; i < 10; ++i) {
    renew_lease(f.client(), "node-1");
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
  }
  EXPECT_EQ(kubectl_node_status(f, "node-1"), "Ready");
  EXPECT_EQ(taints(f, "node-1"), "");

  // The kubelet goes silent.
  EXPECT_TRUE(eventually([&] { return kubectl_node_status(f, "node-1") == "NotReady"; }, std::chrono::seconds(8)));
  EXPECT_TRUE(eventually([&] {
    return taints(f, "node-1") == "node.kubernetes.io/unreachable:NoSchedule node.kubernetes.io/unreachable:NoExecute";
  })) << taints(f, "node-1");
  json n = f.get("/api/v1/nodes/node-1");
  for (const auto& c : n["status"]["conditions"])
    if (c["type"] == "Ready") {
      EXPECT_EQ(c["status"], "Unknown");
      EXPECT_EQ(c["reason"], "NodeStatusUnknown");
      EXPECT_EQ(c["message"], "Kubelet stopped posting node status.");
    }
  f.events().flush();
  EXPECT_TRUE(eventually([&] {
    auto l = f.client().list(resource_path(kEvents, "default"));
    if (!l) return false;
    for (const auto& e : (*l)["items"])
      if (e.value("reason", "") == "NodeNotReady" && e.value("message", "") == "Node node-1 status is now: NodeNotReady" &&
          e["involvedObject"].value("kind", "") == "Node")
        return true;
    return false;
  }));
  // Its pods are no longer Ready.
  EXPECT_TRUE(eventually([&] {
    json p = f.get(resource_path(kPods, "default", "on-node"));
    for (const auto& c : p["status"]["conditions"])
      if (c["type"] == "Ready") return c["status"] == "False";
    return false;
  }));

  // The kubelet is back: lease renewed, Ready posted; the taints go.
  renew_lease(f.client(), "node-1");
  post_ready(f, "node-1");
  EXPECT_TRUE(eventually([&] { return taints(f, "node-1").empty(); })) << taints(f, "node-1");
  EXPECT_EQ(kubectl_node_status(f, "node-1"), "Ready");
}

TEST(PodGcController, ForceDeletesPodsOfMissingNodes) {
  ControllerOptions opt;
  opt.node_monitor_period = std::chrono::milliseconds(200);
  ControllerFixture f(opt);
  ASSERT_TRUE(f.ok()) << f.error();
  f.add(make_pod_gc_controller(f.ctx()));
  f.create("/api/v1/nodes", node("node-a"));
  const std::string pods = resource_path(kPods, "default");
  f.create(pods, test::pod("on-a", {{"app", "x"}}, "node-a"));
  f.create(pods, test::pod("on-gone", {{"app", "x"}}, "node-gone"));
  f.create(pods, test::pod("unbound", {{"app", "x"}}));
  ASSERT_TRUE(f.start());
  EXPECT_TRUE(eventually([&] { return f.get(pods + "/on-gone").is_null(); }, std::chrono::seconds(5)));
  EXPECT_FALSE(f.get(pods + "/on-a").is_null());
  EXPECT_FALSE(f.get(pods + "/unbound").is_null());

  ASSERT_TRUE(f.client().remove("/api/v1/nodes/node-a"));
  EXPECT_TRUE(eventually([&] { return f.get(pods + "/on-a").is_null(); }, std::chrono::seconds(5)));
  EXPECT_FALSE(f.get(pods + "/unbound").is_null());
}

}  // namespace
}  // namespace v6k::kube
