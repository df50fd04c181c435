#include <gtest/gtest.h>

#include "kube/scheduler/algorithm.h"
#include "kube/scheduler/fixtures.h"

namespace v6k::kube::scheduler {
namespace {

using namespace testing;

json with_priority(json pod, int priority, const std::string& start = "") {
  pod["spec"]["priority"] = priority;
  if (!start.empty()) pod["status"]["startTime"] = start;
  return pod;
}

TEST(Preemption, EvictsFewestLowerPriorityPods) {
  ClusterSnapshot s;
  ASSERT_TRUE(s.upsert_node(make_node("a", "2", "8Gi")));
  ASSERT_TRUE(s.add_pod(bound(with_priority(make_pod("low-1", "500m", ""), 0, "2024-01-01T00:00:01Z"), "a")));
  ASSERT_TRUE(s.add_pod(bound(with_priority(make_pod("low-2", "500m", ""), 0, "2024-01-01T00:00:02Z"), "a")));
  ASSERT_TRUE(s.add_pod(bound(with_priority(make_pod("mid", "1", ""), 50), "a")));
  // Needs 1 core; none free. Removing all three lower pods makes room; then they are given
  // back most important first: "mid" fits again and fills the node, both low pods must go.
  ScheduleDecision d = schedule_pod(with_priority(make_pod("high", "1", ""), 100), s);
  EXPECT_FALSE(d.node);
  ASSERT_TRUE(d.preemption);
  EXPECT_EQ(d.preemption->node, "a");
  EXPECT_EQ(d.preemption->victims, (std::vector<std::string>{"default/low-1", "default/low-2"}));
  EXPECT_EQ(d.message, "0/1 nodes are available: 1 Insufficient cpu.");
}

TEST(Preemption, ReprievesWhatStillFits) {
  ClusterSnapshot s;
  ASSERT_TRUE(s.upsert_node(make_node("a", "2", "8Gi")));
  ASSERT_TRUE(s.add_pod(bound(with_priority(make_pod("old", "1", ""), 0, "2024-01-01T00:00:01Z"), "a")));
  ASSERT_TRUE(s.add_pod(bound(with_priority(make_pod("new", "1", ""), 0, "2024-01-01T00:00:09Z"), "a")));
  ScheduleDecision d = schedule_pod(with_priority(make_pod("high", "1", ""), 10), s);
  ASSERT_TRUE(d.preemption);
  // Same priority: the earlier-started pod is more important and is given back first.
  EXPECT_EQ(d.preemption->victims, std::vector<std::string>{"default/new"});
}

TEST(Preemption, PicksNodeWithLowestPriorityVictims) {
  ClusterSnapshot s;
  ASSERT_TRUE(s.upsert_node(make_node("a", "1", "8Gi")));
  ASSERT_TRUE(s.upsert_node(make_node("b", "1", "8Gi")));
  ASSERT_TRUE(s.add_pod(bound(with_priority(make_pod("pa", "1", ""), 5), "a")));
  ASSERT_TRUE(s.add_pod(bound(with_priority(make_pod("pb", "1", ""), 1), "b")));
  ScheduleDecision d = schedule_pod(with_priority(make_pod("high", "1", ""), 10), s);
  ASSERT_TRUE(d.preemption);
  EXPECT_EQ(d.preemption->node, "b");
  EXPECT_EQ(d.preemption->victims, std::vector<std::string>{"default/pb"});
  EXPECT_EQ(d.message, "0/2 nodes are available: 2 Insufficient cpu.");
}

TEST(Preemption, ExplainsWhenEvictionWouldNotHelp) {
  ClusterSnapshot s;
  ASSERT_TRUE(s.upsert_node(make_node("a", "2", "8Gi")));
  ASSERT_TRUE(s.upsert_node(make_node("b", "2", "8Gi")));
  ASSERT_TRUE(s.upsert_node(make_node("c", "2", "8Gi")));
  json c_taint = make_node("c", "2", "8Gi");
  c_taint["spec"]["taints"] = {{{"key", "k"}, {"effect", "NoSchedule"}}};
  ASSERT_TRUE(s.upsert_node(c_taint));
  // a: a low pod of 500m plus an equal-priority pod of 1500m: evicting the low one is not enough.
  ASSERT_TRUE(s.add_pod(bound(with_priority(make_pod("low", "500m", ""), 0), "a")));
  ASSERT_TRUE(s.add_pod(bound(with_priority(make_pod("peer", "1500m", ""), 10), "a")));
  // b: only an equal-priority pod.
  ASSERT_TRUE(s.add_pod(bound(with_priority(make_pod("peer-b", "1500m", ""), 10), "b")));
  ScheduleDecision d = schedule_pod(with_priority(make_pod("p", "1", ""), 10), s);
  EXPECT_FALSE(d.preemption);
  EXPECT_EQ(d.message,
            "0/3 nodes are available: 1 node(s) had untolerated taint {k: }, 2 Insufficient cpu. preemption: 0/3 "
            "nodes are available: 1 Insufficient cpu, 1 No preemption victims found for incoming pod, 1 Preemption "
            "is not helpful for scheduling.");
}

TEST(Preemption, PortConflictsCanBeResolved) {
  ClusterSnapshot s;
  ASSERT_TRUE(s.upsert_node(make_node("a")));
  json holder = bound(with_priority(make_pod("holder"), 0), "a");
  holder["spec"]["containers"][0]["ports"] = {{{"containerPort", 80}, {"hostPort", 80}}};
  ASSERT_TRUE(s.add_pod(holder));
  json want = with_priority(make_pod("p"), 5);
  want["spec"]["containers"][0]["ports"] = {{{"containerPort", 80}, {"hostPort", 80}}};
  ScheduleDecision d = schedule_pod(want, s);
  ASSERT_TRUE(d.preemption);
  EXPECT_EQ(d.preemption->victims, std::vector<std::string>{"default/holder"});
  EXPECT_EQ(d.message, "0/1 nodes are available: 1 node(s) didn't have free ports for the requested pod ports.");
}

}  // namespace
}  // namespace v6k::kube::scheduler
