// The scheduler's control loop against a real API server: binding through pods/binding
// with Scheduled events, FailedScheduling events and the PodScheduled condition for pods
// that fit nowhere, retries when the cluster changes, taints, resources, stop/restart.
#include <map>
#include <set>

#include "loop_fixtures.h"

namespace v6k::kube::scheduler::testing {
namespace {

json with_owner(json pod, const std::string& uid) {
  pod["metadata"]["ownerReferences"] = json::array({{{"apiVersion", "apps/v1"}, {"kind", "ReplicaSet"},
                                                     {"name", "my-deployment-7d9f8c6b5"}, {"uid", uid},
                                                     {"controller", true}}});
  return pod;
}

json with_cpu(json pod, const std::string& cpu) {
  pod["spec"]["containers"][0]["resources"] = {{"requests", {{"cpu", cpu}}}};
  return pod;
}

TEST_F(SchedulerLoopTest, SeedAffinitySpreadsOneOwnersPodsAndRecordsScheduled) {
  add_nodes();
  std::vector<std::string> names = {"my-deployment-1", "my-deployment-2", "my-deployment-3"};
  for (const auto& n : names) create_pod(with_owner(seed_pod(kNs, n), "5d3e0c6a-rs"));
  json other = seed_pod(kNs, "not-ours");
  other["spec"]["schedulerName"] = "my-scheduler";
  create_pod(other);
  start();
  ASSERT_TRUE(eventually([&] { return all_bound(names); }));
  std::set<std::string> nodes;
  for (const auto& n : names) nodes.insert(node_of(n));
  EXPECT_EQ(nodes, (std::set<std::string>{"node-a", "node-b", "node-c"}));
  for (const auto& n : names) {
    EXPECT_EQ(pod_scheduled_condition(n).value("status", ""), "True") << n;
    ASSERT_TRUE(eventually([&] { return events_of(n, "Scheduled").size() == 1; })) << n;
    json e = events_of(n, "Scheduled")[0];
    EXPECT_EQ(e.value("type", ""), "Normal");
    EXPECT_EQ(e.value("message", ""), "Successfully assigned sched/" + n + " to " + node_of(n));
    EXPECT_EQ(e.value("reportingComponent", ""), "default-scheduler");
    EXPECT_EQ(e.value(json::json_pointer("/source/component"), ""), "default-scheduler");
    EXPECT_EQ(e.value(json::json_pointer("/involvedObject/kind"), ""), "Pod");
  }
  // Another scheduler's pod is left alone.
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(node_of("not-ours"), "");
  EXPECT_TRUE(events_of("not-ours", "FailedScheduling").empty());
  ASSERT_TRUE(eventually([&] { return sched->stats().bound == 3; }));
  auto st = sched->stats();
  EXPECT_EQ(st.unschedulable, 0u);
}

TEST_F(SchedulerLoopTest, UnmatchedSelectorStaysPendingUntilANodeMatches) {
  add_nodes();
  json p = seed_pod(kNs, "wants-ssd");
  p["spec"]["nodeSelector"] = {{"disktype", "ssd"}};
  create_pod(p);
  start();
  const std::string msg =
      "0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector. preemption: 0/3 nodes are "
      "available: 3 Preemption is not helpful for scheduling.";
  ASSERT_TRUE(eventually([&] { return events_of("wants-ssd", "FailedScheduling").size() == 1; }));
  json e = events_of("wants-ssd", "FailedScheduling")[0];
  EXPECT_EQ(e.value("type", ""), "Warning");
  EXPECT_EQ(e.value("message", ""), msg);
  ASSERT_TRUE(eventually([&] { return pod_scheduled_condition("wants-ssd").value("reason", "") == "Unschedulable"; }));
  json c = pod_scheduled_condition("wants-ssd");
  EXPECT_EQ(c.value("status", ""), "False");
  EXPECT_EQ(c.value("message", ""), msg);
  EXPECT_EQ(pod("wants-ssd").value(json::json_pointer("/status/phase"), ""), "Pending");
  ASSERT_TRUE(eventually([&] { return sched->parked_pods() == 1; }));
  // Our own status patch does not wake the parked pod: one attempt only.
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(sched->stats().unschedulable, 1u);
  auto ev = k.kubectl({"get", "events", "-n", kNs});
  EXPECT_EQ(ev.exit_code, 0) << ev.err;
  EXPECT_NE(ev.out.find("FailedScheduling"), std::string::npos) << ev.out;
  EXPECT_NE(ev.out.find(msg), std::string::npos) << ev.out;
  EXPECT_NE(ev.out.find("pod/wants-ssd"), std::string::npos) << ev.out;

  // A matching label on node-b: the node update retries the parked pod (well before 30 s).
  auto t0 = std::chrono::steady_clock::now();
  auto l = k.kubectl({"label", "node", "node-b", "disktype=ssd"});
  ASSERT_EQ(l.exit_code, 0) << l.err;
  ASSERT_TRUE(eventually([&] { return node_of("wants-ssd") == "node-b"; }, 5s));
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s);
  EXPECT_EQ(pod_scheduled_condition("wants-ssd").value("status", ""), "True");
  ASSERT_TRUE(eventually([&] { return events_of("wants-ssd", "Scheduled").size() == 1; }));
}

TEST_F(SchedulerLoopTest, NoScheduleTaintIsAvoidedUnlessTolerated) {
  add_nodes();
  auto t = client->patch("/api/v1/nodes/node-c", PatchType::kMerge,
                         {{"spec", {{"taints", json::array({{{"key", "dedicated"}, {"value", "infra"},
                                                             {"effect", "NoSchedule"}}})}}}});
  ASSERT_TRUE(t) << t.error().text();
  std::vector<std::string> names;
  for (int i = 0; i < 6; ++i) {
    names.push_back("web-" + std::to_string(i));
    create_pod(with_owner(seed_pod(kNs, names.back()), "web-rs"));
  }
  json tol = seed_pod(kNs, "infra-agent");
  tol["spec"]["nodeSelector"] = {{"kubernetes.io/hostname", "node-c"}};
  tol["spec"]["tolerations"] = json::array({{{"key", "dedicated"}, {"operator", "Equal"}, {"value", "infra"},
                                            {"effect", "NoSchedule"}}});
  create_pod(tol);
  json lone = seed_pod(kNs, "wants-c");
  lone["spec"]["nodeSelector"] = {{"kubernetes.io/hostname", "node-c"}};
  create_pod(lone);
  start();
  ASSERT_TRUE(eventually([&] { return all_bound(names) && !node_of("infra-agent").empty(); }));
  std::map<std::string, int> per_node;
  for (const auto& n : names) per_node[node_of(n)]++;
  EXPECT_EQ(per_node, (std::map<std::string, int>{{"node-a", 3}, {"node-b", 3}}));
  EXPECT_EQ(node_of("infra-agent"), "node-c");
  ASSERT_TRUE(eventually([&] { return !events_of("wants-c", "FailedScheduling").empty(); }));
  EXPECT_EQ(events_of("wants-c", "FailedScheduling")[0].value("message", ""),
            "0/3 nodes are available: 1 node(s) had untolerated taint {dedicated: infra}, 2 node(s) didn't match "
            "Pod's node affinity/selector. preemption: 0/3 nodes are available: 3 Preemption is not helpful for "
            "scheduling.");
}

TEST_F(SchedulerLoopTest, InsufficientCpuUntilABoundPodGoes) {
  add_nodes("2");
  std::vector<std::string> names = {"big-0", "big-1", "big-2"};
  for (const auto& n : names) create_pod(with_cpu(seed_pod(kNs, n), "1500m"));
  create_pod(with_cpu(seed_pod(kNs, "huge"), "3"));
  start();
  ASSERT_TRUE(eventually([&] { return all_bound(names); }));
  create_pod(with_cpu(seed_pod(kNs, "big-3"), "1500m"));
  ASSERT_TRUE(eventually([&] { return !events_of("big-3", "FailedScheduling").empty(); }));
  EXPECT_EQ(events_of("big-3", "FailedScheduling")[0].value("message", ""),
            "0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 No preemption "
            "victims found for incoming pod.");
  ASSERT_TRUE(eventually([&] { return !events_of("huge", "FailedScheduling").empty(); }));
  // More than any node's allocatable: no eviction could help (upstream's Unresolvable fit).
  EXPECT_EQ(events_of("huge", "FailedScheduling")[0].value("message", ""),
            "0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 Preemption is not "
            "helpful for scheduling.");
  ASSERT_TRUE(eventually([&] { return sched->parked_pods() == 2; }));
  // Act as the kubelet: big-1 goes (graceful delete, then the confirmation).
  const std::string freed = node_of("big-1");
  const std::string path = std::string("/api/v1/namespaces/") + kNs + "/pods/big-1";
  ASSERT_TRUE(client->remove(path));
  auto gone = client->remove(path, {{"gracePeriodSeconds", 0}});
  ASSERT_TRUE(gone || gone.error().not_found()) << gone.error().text();
  ASSERT_TRUE(eventually([&] { return node_of("big-3") == freed; }, 5s));
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(node_of("huge"), "");
}

TEST_F(SchedulerLoopTest, StopIsPromptAndARestartPicksUpPendingPods) {
  add_nodes();
  json p = seed_pod(kNs, "parked");
  p["spec"]["nodeSelector"] = {{"disktype", "ssd"}};
  create_pod(p);
  start();
  ASSERT_TRUE(eventually([&] { return sched->parked_pods() == 1; }));
  auto t0 = std::chrono::steady_clock::now();
  sched->stop();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 1s);
  sched.reset();
  // While no scheduler runs: new pods and the label the parked one waits for.
  create_pod(seed_pod(kNs, "later-1"));
  create_pod(seed_pod(kNs, "later-2"));
  ASSERT_EQ(k.kubectl({"label", "node", "node-a", "disktype=ssd"}).exit_code, 0);
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(node_of("later-1"), "");
  start();
  ASSERT_TRUE(eventually([&] { return all_bound({"later-1", "later-2", "parked"}); }));
  EXPECT_EQ(node_of("parked"), "node-a");
}

TEST_F(SchedulerLoopTest, PodsDeletedWhileQueuedAreDropped) {
  // No nodes: everything is parked; delete one; add a node: only the survivor is bound.
  create_pod(seed_pod(kNs, "keep"));
  create_pod(seed_pod(kNs, "drop"));
  start();
  ASSERT_TRUE(eventually([&] { return sched->parked_pods() == 2; }));
  ASSERT_TRUE(eventually([&] { return !events_of("keep", "FailedScheduling").empty(); }));
  EXPECT_EQ(events_of("keep", "FailedScheduling")[0].value("message", ""), "no nodes available to schedule pods");
  ASSERT_TRUE(client->remove(std::string("/api/v1/namespaces/") + kNs + "/pods/drop"));
  ASSERT_TRUE(eventually([&] { return sched->parked_pods() == 1; }));
  add_node("node-a");
  ASSERT_TRUE(eventually([&] { return node_of("keep") == "node-a"; }));
  // The bound event can overtake the binding's own response: wait for the count.
  EXPECT_TRUE(eventually([&] { return sched->stats().bound == 1; }));
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(sched->stats().bound, 1u);
  EXPECT_EQ(sched->parked_pods() + sched->active_pods(), 0u);
}

TEST(SchedulerStart, RejectsBadOptions) {
  auto s = Scheduler::start({});
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message().find("no API client"), std::string::npos) << s.error().message();
}

}  // namespace
}  // namespace v6k::kube::scheduler::testing
