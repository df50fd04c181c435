#include "kube/scheduler/algorithm.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <map>

#include "kube/scheduler/fixtures.h"

namespace v6k::kube::scheduler {
namespace {

using namespace testing;

json labeled(json node, const std::string& key, const std::string& value) {
  node["metadata"]["labels"][key] = value;
  return node;
}

json tainted(json node, const std::string& key, const std::string& value, const std::string& effect) {
  json t = {{"key", key}, {"effect", effect}};
  if (!value.empty()) t["value"] = value;
  node["spec"]["taints"].push_back(t);
  return node;
}

json cordoned(json node) {
  node["spec"]["unschedulable"] = true;
  return node;
}

json with_selector(json pod, const std::string& key, const std::string& value) {
  pod["spec"]["nodeSelector"][key] = value;
  return pod;
}

json seed_affinity(json pod) {
  pod["spec"]["affinity"] = {
      {"nodeAffinity",
       {{"requiredDuringSchedulingIgnoredDuringExecution",
         {{"nodeSelectorTerms",
           {{{"matchExpressions",
              {{{"key", "kubernetes.io/arch"}, {"operator", "In"}, {"values", {"amd64", "arm64"}}}}}}}}}}}}};
  return pod;
}

ClusterSnapshot snapshot_of(std::initializer_list<json> nodes, std::initializer_list<json> pods = {}) {
  ClusterSnapshot s;
  for (const json& n : nodes) EXPECT_TRUE(s.upsert_node(n));
  for (const json& p : pods) EXPECT_TRUE(s.add_pod(p));
  return s;
}

TEST(ScheduleMessage, NoNodes) {
  ClusterSnapshot s;
  ScheduleDecision d = schedule_pod(make_pod("p"), s);
  EXPECT_FALSE(d.node);
  EXPECT_EQ(d.message, "no nodes available to schedule pods");
  EXPECT_TRUE(d.failures.empty());
}

TEST(ScheduleMessage, ExactUpstreamTexts) {
  struct Case {
    const char* name;
    ClusterSnapshot snap;
    json pod;
    std::string message;
  };
  json never = make_pod("p", "8", "");
  never["spec"]["preemptionPolicy"] = "Never";
  Case cases[] = {
      {"selector everywhere",
       snapshot_of({make_node("a"), make_node("b"), make_node("c")}),
       with_selector(make_pod("p"), "disk", "ssd"),
       "0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector. preemption: 0/3 nodes are "
       "available: 3 Preemption is not helpful for scheduling."},
      {"seed arch affinity on s390x nodes",
       snapshot_of({labeled(make_node("a"), "kubernetes.io/arch", "s390x"),
                    labeled(make_node("b"), "kubernetes.io/arch", "s390x")}),
       seed_affinity(make_pod("p")),
       "0/2 nodes are available: 2 node(s) didn't match Pod's node affinity/selector. preemption: 0/2 nodes are "
       "available: 2 Preemption is not helpful for scheduling."},
      {"mixed reasons sorted as text",
       snapshot_of({tainted(make_node("a"), "node-role.kubernetes.io/control-plane", "", "NoSchedule"),
                    cordoned(make_node("b")), make_node("c", "1", "8Gi"), make_node("d", "1", "8Gi")},
                   {bound(make_pod("x", "800m", ""), "c"), bound(make_pod("y", "800m", ""), "d")}),
       make_pod("p", "500m", ""),
       "0/4 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, "
       "1 node(s) were unschedulable, 2 Insufficient cpu. preemption: 0/4 nodes are available: 2 No preemption "
       "victims found for incoming pod, 2 Preemption is not helpful for scheduling."},
      {"cpu and memory both beyond every node",
       snapshot_of({make_node("a", "2", "1Gi"), make_node("b", "2", "1Gi")}),
       make_pod("p", "3", "2Gi"),
       "0/2 nodes are available: 2 Insufficient cpu, 2 Insufficient memory. preemption: 0/2 nodes are available: "
       "2 Preemption is not helpful for scheduling."},
      {"too many pods",
       snapshot_of({make_node("a", "4", "8Gi", "1"), make_node("b", "4", "8Gi", "1")},
                   {bound(make_pod("x"), "a"), bound(make_pod("y"), "b")}),
       make_pod("p"),
       "0/2 nodes are available: 2 Too many pods. preemption: 0/2 nodes are available: 2 No preemption victims "
       "found for incoming pod."},
      {"preemptionPolicy Never",
       snapshot_of({make_node("a", "4")}),
       never,
       "0/1 nodes are available: 1 Insufficient cpu. preemption: not eligible due to preemptionPolicy=Never."},
      {"taint value in braces",
       snapshot_of({tainted(make_node("a"), "dedicated", "gpu", "NoExecute")}),
       make_pod("p"),
       "0/1 nodes are available: 1 node(s) had untolerated taint {dedicated: gpu}. preemption: 0/1 nodes are "
       "available: 1 Preemption is not helpful for scheduling."},
  };
  for (Case& c : cases) {
    SCOPED_TRACE(c.name);
    ScheduleDecision d = schedule_pod(c.pod, c.snap);
    EXPECT_FALSE(d.node);
    EXPECT_EQ(d.message, c.message);
    EXPECT_FALSE(d.preemption);
  }
}

TEST(ScheduleMessage, CountsSortAsTextNotNumbers) {
  ClusterSnapshot s;
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(s.upsert_node(make_node("plain-" + std::to_string(i))));
  ASSERT_TRUE(s.upsert_node(labeled(make_node("ssd-1", "1", "1Gi"), "disk", "ssd")));
  ASSERT_TRUE(s.upsert_node(labeled(make_node("ssd-2", "1", "1Gi"), "disk", "ssd")));
  ScheduleDecision d = schedule_pod(with_selector(make_pod("p", "2", ""), "disk", "ssd"), s);
  EXPECT_EQ(d.message,
            "0/12 nodes are available: 10 node(s) didn't match Pod's node affinity/selector, 2 Insufficient cpu. "
            "preemption: 0/12 nodes are available: 12 Preemption is not helpful for scheduling.");
  ASSERT_EQ(d.failures.size(), 12u);
  EXPECT_EQ(d.failures[0].node, "plain-0");
  EXPECT_TRUE(d.failures[0].unresolvable);
  EXPECT_EQ(d.failures[11].node, "ssd-2");
  EXPECT_EQ(d.failures[11].reasons, std::vector<std::string>{"Insufficient cpu"});
}

TEST(ScheduleMessage, PerNodeFailures) {
  ClusterSnapshot s = snapshot_of({cordoned(make_node("a")), make_node("b", "1", "1Gi")});
  ScheduleDecision d = schedule_pod(make_pod("p", "2", "2Gi"), s);
  ASSERT_EQ(d.failures.size(), 2u);
  EXPECT_EQ(d.failures[0].node, "a");
  EXPECT_EQ(d.failures[0].reasons, std::vector<std::string>{"node(s) were unschedulable"});
  EXPECT_EQ(d.failures[1].node, "b");
  EXPECT_EQ(d.failures[1].reasons, (std::vector<std::string>{"Insufficient cpu", "Insufficient memory"}));
  EXPECT_TRUE(d.failures[1].unresolvable);
}

// Schedules `n` pods (named prefix-i, owned by `owner`) one by one, assuming each.
std::map<std::string, int> place_all(ClusterSnapshot& s, int n, const std::string& owner, json base) {
  std::map<std::string, int> per_node;
  for (int i = 0; i < n; ++i) {
    json p = owned_by(base, owner);
    p["metadata"]["name"] = owner + "-" + std::to_string(i);
    ScheduleDecision d = schedule_pod(p, s);
    EXPECT_TRUE(d.node) << d.message;
    if (!d.node) break;
    EXPECT_TRUE(s.assume(p, *d.node));
    ++per_node[*d.node];
  }
  return per_node;
}

TEST(Spreading, ThreeReplicasOnThreeNodes) {
  ClusterSnapshot s = snapshot_of({make_node("a"), make_node("b"), make_node("c")});
  auto per_node = place_all(s, 3, "rs1", make_pod("x", "100m", "64Mi"));
  EXPECT_EQ(per_node, (std::map<std::string, int>{{"a", 1}, {"b", 1}, {"c", 1}}));
}

TEST(Spreading, FourReplicasOnTwoNodes) {
  ClusterSnapshot s = snapshot_of({make_node("a"), make_node("b")});
  auto per_node = place_all(s, 4, "rs1", make_pod("x"));  // best-effort pods spread too
  EXPECT_EQ(per_node, (std::map<std::string, int>{{"a", 2}, {"b", 2}}));
}

TEST(Spreading, SeedDeploymentLandsOnMatchingArchOnly) {
  ClusterSnapshot s = snapshot_of({labeled(make_node("n1"), "kubernetes.io/arch", "amd64"),
                                   labeled(make_node("n2"), "kubernetes.io/arch", "arm64"),
                                   labeled(make_node("n3"), "kubernetes.io/arch", "s390x"),
                                   labeled(make_node("n4"), "kubernetes.io/arch", "amd64")});
  auto per_node = place_all(s, 3, "rs1", seed_affinity(make_pod("x", "250m", "64Mi")));
  EXPECT_EQ(per_node, (std::map<std::string, int>{{"n1", 1}, {"n2", 1}, {"n4", 1}}));
}

TEST(Spreading, OwnersSpreadIndependently) {
  // Another owner's pods on "a" do not push rs2 away more than resources do.
  ClusterSnapshot s = snapshot_of({make_node("a"), make_node("b")});
  place_all(s, 2, "rs1", make_pod("x"));
  auto per_node = place_all(s, 2, "rs2", make_pod("x"));
  EXPECT_EQ(per_node, (std::map<std::string, int>{{"a", 1}, {"b", 1}}));
}

TEST(Spreading, OutweighsFreeCapacity) {
  // "big" has far more free capacity (LeastAllocated prefers it) but already runs two
  // replicas; PodTopologySpread (weight 2) sends the third to the small empty node.
  ClusterSnapshot s = snapshot_of({make_node("big", "64", "256Gi"), make_node("small", "4", "8Gi")},
                                  {owned_by(bound(make_pod("r0"), "big"), "rs1"),
                                   owned_by(bound(make_pod("r1"), "big"), "rs1")});
  EXPECT_EQ(schedule_pod(owned_by(make_pod("r2", "100m", "64Mi"), "rs1"), s).node, "small");
  // A pod of another owner goes by capacity.
  EXPECT_EQ(schedule_pod(owned_by(make_pod("o", "100m", "64Mi"), "rs2"), s).node, "big");
}

TEST(Spreading, AcrossZonesWhenNodesAreLabeled) {
  const std::string zone = "topology.kubernetes.io/zone";
  ClusterSnapshot s = snapshot_of(
      {labeled(make_node("a"), zone, "z1"), labeled(make_node("b"), zone, "z1"), labeled(make_node("c"), zone, "z2")},
      {owned_by(bound(make_pod("r0"), "a"), "rs1")});
  // b and c both run no replica; c is in the zone without one.
  EXPECT_EQ(schedule_pod(owned_by(make_pod("r1"), "rs1"), s).node, "c");
}

TEST(Scoring, PrefersLessAllocatedNode) {
  ClusterSnapshot s = snapshot_of({make_node("a"), make_node("b")}, {bound(make_pod("big", "3", "6Gi"), "a")});
  EXPECT_EQ(schedule_pod(make_pod("p", "100m", "64Mi"), s).node, "b");
}

TEST(Scoring, AvoidsPreferNoScheduleTaints) {
  ClusterSnapshot s = snapshot_of({tainted(make_node("a"), "soft", "x", "PreferNoSchedule"), make_node("b")});
  EXPECT_EQ(schedule_pod(make_pod("p"), s).node, "b");
  json tolerant = make_pod("p");
  tolerant["spec"]["tolerations"] = {{{"key", "soft"}, {"operator", "Exists"}}};
  // Tolerated: equal again, first in name order wins.
  EXPECT_EQ(schedule_pod(tolerant, s).node, "a");
}

TEST(Scoring, FollowsPreferredAffinity) {
  ClusterSnapshot s = snapshot_of({make_node("a"), labeled(make_node("b"), "zone", "z1")});
  json p = make_pod("p");
  p["spec"]["affinity"] = {
      {"nodeAffinity",
       {{"preferredDuringSchedulingIgnoredDuringExecution",
         {{{"weight", 50},
           {"preference", {{"matchExpressions", {{{"key", "zone"}, {"operator", "In"}, {"values", {"z1"}}}}}}}}}}}}};
  EXPECT_EQ(schedule_pod(p, s).node, "b");
}

TEST(Scoring, TiesRotateAfterLastAssumedNode) {
  ClusterSnapshot s = snapshot_of({make_node("a"), make_node("b"), make_node("c")});
  EXPECT_EQ(schedule_pod(make_pod("p"), s).node, "a");
  // Assume a pod of another owner on "b" with no requests: it weighs on b's spread of
  // that owner only, so for a fresh owner a, b, c stay tied except for b's non-zero usage.
  json other = owned_by(make_pod("o"), "zzz");
  other["spec"]["containers"][0]["resources"] = {{"requests", {{"cpu", "0"}, {"memory", "0"}}}};
  ASSERT_TRUE(s.assume(other, "b"));
  EXPECT_EQ(schedule_pod(make_pod("p"), s).node, "c");
}

TEST(Scheduling, NeedsScheduling) {
  EXPECT_TRUE(needs_scheduling(make_pod("p")));
  EXPECT_FALSE(needs_scheduling(bound(make_pod("p"), "n1")));
  json other = make_pod("p");
  other["spec"]["schedulerName"] = "my-scheduler";
  EXPECT_FALSE(needs_scheduling(other));
  json gated = make_pod("p");
  gated["spec"]["schedulingGates"] = {{{"name", "wait"}}};
  EXPECT_FALSE(needs_scheduling(gated));
  json deleting = make_pod("p");
  deleting["metadata"]["deletionTimestamp"] = "2024-01-01T00:00:00Z";
  EXPECT_FALSE(needs_scheduling(deleting));
}

// The benchmark shape: 1,000 pending pods over 50 nodes, each scheduled and assumed.
// Peer: the budget of 100 us per pod (10,000 pods/s), and the target of 500 pods/s.
TEST(SchedulerBenchmark, ThousandPodsOverFiftyNodes) {
  ClusterSnapshot s;
  for (int i = 0; i < 50; ++i) {
    char name[16];
    std::snprintf(name, sizeof name, "node-%02d", i);
    ASSERT_TRUE(s.upsert_node(labeled(make_node(name, "4", "16Gi"), "kubernetes.io/arch", "amd64")));
  }
  std::vector<json> pods;
  for (int i = 0; i < 1000; ++i) {
    json p = owned_by(seed_affinity(make_pod("web-" + std::to_string(i), "100m", "128Mi")),
                      "rs-" + std::to_string(i % 10));
    pods.push_back(std::move(p));
  }
  std::map<std::string, int> per_node;
  using Clock = std::chrono::steady_clock;
  Clock::duration in_schedule{}, in_assume{};
  for (const json& p : pods) {
    auto t0 = Clock::now();
    ScheduleDecision d = schedule_pod(p, s);
    auto t1 = Clock::now();
    ASSERT_TRUE(d.node) << d.message;
    ASSERT_TRUE(s.assume(p, *d.node));
    in_schedule += t1 - t0;
    in_assume += Clock::now() - t1;
    ++per_node[*d.node];
  }
  double us = std::chrono::duration<double, std::micro>(in_schedule).count() / 1000;
  double assume_us = std::chrono::duration<double, std::micro>(in_assume).count() / 1000;
  std::printf("[ bench    ] schedule_pod over 50 nodes: %.2f us/pod (+ assume %.2f us); %.1fx under the 100 us "
              "budget; %.0f pods/s = %.0fx the issue's 500 pods/s target\n",
              us, assume_us, 100.0 / us, 1e6 / (us + assume_us), (1e6 / (us + assume_us)) / 500.0);
  EXPECT_EQ(per_node.size(), 50u);
  for (const auto& [node, n] : per_node) EXPECT_EQ(n, 20) << node;  // perfectly even
  EXPECT_LT(us, 2000.0);  // sanity only (sanitizer builds are slower); see the printed figure
}

}  // namespace
}  // namespace v6k::kube::scheduler
