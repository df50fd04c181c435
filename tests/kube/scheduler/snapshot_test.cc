#include "kube/scheduler/snapshot.h"

#include <gtest/gtest.h>

#include "kube/scheduler/fixtures.h"

namespace v6k::kube::scheduler {
namespace {

using namespace testing;

TEST(ReadPod, InitContainersAndSidecarsLikeResourcePodRequests) {
  struct Case {
    const char* name;
    json spec;
    Resources want;
  };
  auto c = [](const char* cpu, const char* mem) {
    json r = json::object();
    if (cpu) r["cpu"] = cpu;
    if (mem) r["memory"] = mem;
    return json{{"name", "c"}, {"resources", {{"requests", r}}}};
  };
  auto sidecar = [&](const char* cpu, const char* mem) {
    json s = c(cpu, mem);
    s["restartPolicy"] = "Always";
    return s;
  };
  const Case cases[] = {
      {"containers sum", {{"containers", {c("100m", "64Mi"), c("200m", "64Mi")}}}, {300, 128LL << 20}},
      {"init bigger cpu only",
       {{"containers", {c("100m", "64Mi")}}, {"initContainers", {c("1", "32Mi"), c("500m", "16Mi")}}},
       {1000, 64LL << 20}},
      {"init max not sum",
       {{"containers", {c("100m", "1Mi")}}, {"initContainers", {c("300m", "1Mi"), c("400m", "1Mi")}}},
       {400, 1LL << 20}},
      {"sidecar adds to containers and to later inits",
       {{"containers", {c("100m", "10Mi")}},
        {"initContainers", {sidecar("200m", "10Mi"), c("250m", "10Mi")}}},
       // containers+sidecar = 300m/20Mi; init phase = 250m+200m = 450m / 20Mi.
       {450, 20LL << 20}},
      {"overhead added", {{"containers", {c("100m", "10Mi")}}, {"overhead", {{"cpu", "50m"}, {"memory", "5Mi"}}}},
       {150, 15LL << 20}},
      {"no requests", {{"containers", {json{{"name", "c"}}}}}, {0, 0}},
  };
  for (const Case& tc : cases) {
    SCOPED_TRACE(tc.name);
    json pod = {{"metadata", {{"name", "p"}}}, {"spec", tc.spec}};
    PodFacts p = read_pod(pod);
    EXPECT_EQ(p.requests.milli_cpu, tc.want.milli_cpu);
    EXPECT_EQ(p.requests.memory, tc.want.memory);
  }
}

TEST(ReadPod, NonZeroRequestsDefaultOnlyWhenUnset) {
  json pod = make_pod("p");
  pod["spec"]["containers"].push_back({{"name", "b"}, {"resources", {{"requests", {{"cpu", "0"}}}}}});
  PodFacts p = read_pod(pod);
  EXPECT_EQ(p.requests, (Resources{0, 0}));
  // First container: both unset -> 100m/200Mi; second: cpu explicitly 0, memory unset.
  EXPECT_EQ(p.non_zero, (Resources{100, 400LL << 20}));
}

TEST(ReadPod, OwnerKeyHostPortsTolerationsPriority) {
  json pod = owned_by(make_pod("p"), "rs-uid");
  pod["spec"]["containers"][0]["ports"] = {{{"containerPort", 80}, {"hostPort", 8080}},
                                           {{"containerPort", 53}, {"hostPort", 53}, {"protocol", "UDP"},
                                            {"hostIP", "10.0.0.1"}},
                                           {{"containerPort", 9090}}};
  pod["spec"]["priority"] = 1000;
  pod["spec"]["tolerations"] = {{{"key", "k"}, {"operator", "Exists"}}};
  PodFacts p = read_pod(pod);
  EXPECT_EQ(p.owner_key, "uid:rs-uid");
  ASSERT_EQ(p.host_ports.size(), 2u);
  EXPECT_EQ(p.host_ports[0], (HostPort{"0.0.0.0", "TCP", 8080}));
  EXPECT_EQ(p.host_ports[1], (HostPort{"10.0.0.1", "UDP", 53}));
  EXPECT_EQ(p.priority, 1000);
  ASSERT_EQ(p.tolerations.size(), 1u);
  // Without a controller: namespace + labels.
  EXPECT_EQ(read_pod(make_pod("a")).owner_key, read_pod(make_pod("b")).owner_key);
  EXPECT_NE(read_pod(make_pod("a")).owner_key, read_pod(make_pod("a", "", "", "other")).owner_key);
}

TEST(ReadNode, AllocatableDefaults) {
  NodeFacts n = read_node(make_node("n1", "3500m", "7Gi", "17"));
  EXPECT_EQ(n.allocatable, (Resources{3500, 7LL << 30}));
  EXPECT_EQ(n.allowed_pods, 17);
  json bare = {{"metadata", {{"name", "n2"}}}};
  NodeFacts b = read_node(bare);
  EXPECT_EQ(b.allocatable, (Resources{0, 0}));
  EXPECT_EQ(b.allowed_pods, 110);
  EXPECT_EQ(b.hostname, "n2");
}

TEST(Snapshot, AccountsBoundPodsAndIgnoresFinishedOnes) {
  ClusterSnapshot s;
  ASSERT_TRUE(s.upsert_node(make_node("n1")));
  ASSERT_TRUE(s.add_pod(bound(make_pod("a", "500m", "1Gi"), "n1")));
  ASSERT_TRUE(s.add_pod(make_pod("pending", "1", "1Gi")));  // not bound: not counted
  json done = bound(make_pod("done", "1", "1Gi"), "n1");
  done["status"]["phase"] = "Succeeded";
  ASSERT_TRUE(s.add_pod(done));
  const NodeInfo* n = s.node("n1");
  ASSERT_NE(n, nullptr);
  EXPECT_EQ(n->requested, (Resources{500, 1LL << 30}));
  EXPECT_EQ(n->pod_count, 1);
  // The same pod updated: replaced, not added.
  ASSERT_TRUE(s.add_pod(bound(make_pod("a", "500m", "1Gi"), "n1")));
  EXPECT_EQ(n->pod_count, 1);
  // A running pod that finishes frees the node.
  json a_done = bound(make_pod("a", "500m", "1Gi"), "n1");
  a_done["status"]["phase"] = "Failed";
  ASSERT_TRUE(s.add_pod(a_done));
  EXPECT_EQ(n->pod_count, 0);
  EXPECT_EQ(n->requested, (Resources{0, 0}));
}

TEST(Snapshot, TerminatingPodsKeepResourcesButNotSpreadCounts) {
  ClusterSnapshot s;
  ASSERT_TRUE(s.upsert_node(make_node("n1")));
  json p = owned_by(bound(make_pod("a", "1", "1Gi"), "n1"), "u1");
  ASSERT_TRUE(s.add_pod(p));
  EXPECT_EQ(s.node("n1")->owner_count("uid:u1"), 1);
  p["metadata"]["deletionTimestamp"] = "2024-01-01T00:00:00Z";
  ASSERT_TRUE(s.add_pod(p));
  EXPECT_EQ(s.node("n1")->requested.milli_cpu, 1000);
  EXPECT_EQ(s.node("n1")->owner_count("uid:u1"), 0);
  s.remove_pod("default/a");
  EXPECT_EQ(s.node("n1")->requested.milli_cpu, 0);
  EXPECT_EQ(s.num_pods(), 0u);
}

TEST(Snapshot, AssumeThenAddDoesNotDoubleCount) {
  ClusterSnapshot s;
  ASSERT_TRUE(s.upsert_node(make_node("n1")));
  json p = make_pod("a", "1", "1Gi");
  ASSERT_TRUE(s.assume(p, "n1"));
  EXPECT_EQ(s.last_assumed_node(), "n1");
  EXPECT_TRUE(s.pod("default/a")->assumed);
  // A late event of the still-pending pod keeps the assumption.
  ASSERT_TRUE(s.add_pod(p));
  EXPECT_EQ(s.node("n1")->pod_count, 1);
  // The bound event confirms it.
  ASSERT_TRUE(s.add_pod(bound(p, "n1")));
  EXPECT_EQ(s.node("n1")->pod_count, 1);
  EXPECT_EQ(s.node("n1")->requested, (Resources{1000, 1LL << 30}));
  EXPECT_FALSE(s.pod("default/a")->assumed);
  // Forgetting a failed bind.
  json q = make_pod("b", "1", "1Gi");
  ASSERT_TRUE(s.assume(q, "n1"));
  EXPECT_EQ(s.node("n1")->pod_count, 2);
  s.remove_pod("default/b");
  EXPECT_EQ(s.node("n1")->pod_count, 1);
}

TEST(Snapshot, PodsBeforeTheirNodeAndNodeRemoval) {
  ClusterSnapshot s;
  ASSERT_TRUE(s.add_pod(bound(make_pod("a", "1", "1Gi"), "late")));
  EXPECT_EQ(s.num_nodes(), 0u);
  ASSERT_NE(s.node("late"), nullptr);
  ASSERT_TRUE(s.upsert_node(make_node("late")));
  EXPECT_EQ(s.num_nodes(), 1u);
  EXPECT_EQ(s.node("late")->requested.milli_cpu, 1000);
  s.remove_node("late");
  EXPECT_EQ(s.num_nodes(), 0u);
  ASSERT_NE(s.node("late"), nullptr);  // its pod is still there
  s.remove_pod("default/a");
  EXPECT_EQ(s.node("late"), nullptr);
  EXPECT_FALSE(s.upsert_node(json{{"metadata", json::object()}}));
  EXPECT_FALSE(s.add_pod(json::array()));
}

TEST(Snapshot, HostPortsRefCounted) {
  ClusterSnapshot s;
  ASSERT_TRUE(s.upsert_node(make_node("n1")));
  json p = bound(make_pod("a"), "n1");
  p["spec"]["containers"][0]["ports"] = {{{"containerPort", 80}, {"hostPort", 80}, {"hostIP", "10.0.0.1"}}};
  ASSERT_TRUE(s.add_pod(p));
  const NodeInfo* n = s.node("n1");
  EXPECT_TRUE(n->port_conflicts({"10.0.0.1", "TCP", 80}));
  EXPECT_TRUE(n->port_conflicts({"0.0.0.0", "TCP", 80}));
  EXPECT_FALSE(n->port_conflicts({"10.0.0.2", "TCP", 80}));
  EXPECT_FALSE(n->port_conflicts({"10.0.0.1", "UDP", 80}));
  s.remove_pod("default/a");
  EXPECT_FALSE(n->port_conflicts({"0.0.0.0", "TCP", 80}));
}

}  // namespace
}  // namespace v6k::kube::scheduler
