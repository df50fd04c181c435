// Whole rollouts, simulated: plan the Deployment, apply, let the ReplicaSet planner create
// and delete pods, let the "kubelet" make them ready, repeat; check the invariants a user
// relies on at every step and that kubectl rollout status would finish.
#include <gtest/gtest.h>

#include "kube/controllers/workloads/fixtures.h"
#include "kube/controllers/workloads/hash.h"

namespace v6k::kube::workloads {
namespace {

using testing::FakeCluster;
using testing::pod_template;

void change_template(FakeCluster& c, json tmpl) {
  c.deploy["spec"]["template"] = std::move(tmpl);
  c.deploy["metadata"]["generation"] = c.deploy["metadata"]["generation"].get<int64_t>() + 1;
}

struct Bounds {
  int64_t max_pods;
  int64_t min_available;
};

// Drives the cluster until the rollout completes; checks `bounds` after every API-visible
// step; returns the number of rounds taken (fails the test past `max_rounds`).
int converge(FakeCluster& c, const Bounds& bounds, int max_rounds = 40,
             const std::function<void(FakeCluster&)>& check = nullptr) {
  auto verify = [&](const char* step, int round) {
    int64_t active = 0;
    for (const json& p : c.pods) active += pod_active(p) ? 1 : 0;
    EXPECT_LE(active, bounds.max_pods) << step << " round " << round;
    EXPECT_GE(c.available_pods(), bounds.min_available) << step << " round " << round;
    if (check) check(c);
  };
  for (int round = 0; round < max_rounds; ++round) {
    c.clock += 1;
    c.sync_deployment();
    verify("deployment", round);
    c.sync_replicasets();  // create / delete pods
    verify("replicasets", round);
    c.sync_replicasets();  // report the new pods in status
    c.clock += 1;
    c.make_pods_ready();
    verify("kubelet", round);
    c.sync_replicasets();  // report readiness
    if (c.rollout_complete()) {
      c.sync_deployment();  // final status: Progressing NewReplicaSetAvailable
      return round;
    }
  }
  ADD_FAILURE() << "rollout did not converge: " << c.deploy["status"].dump();
  return max_rounds;
}

void expect_settled(FakeCluster& c, std::string_view image, int64_t replicas) {
  EXPECT_TRUE(c.rollout_complete()) << c.deploy["status"].dump();
  EXPECT_EQ(c.count_pods_with_image(image), replicas);
  EXPECT_EQ(static_cast<int64_t>(c.pods.size()), replicas);
  const json* avail = testing::condition(c.deploy, "Available");
  ASSERT_NE(avail, nullptr);
  EXPECT_EQ((*avail)["status"], "True");
  EXPECT_EQ((*avail)["message"], "Deployment has minimum availability.");
  const json* prog = testing::condition(c.deploy, "Progressing");
  ASSERT_NE(prog, nullptr);
  EXPECT_EQ((*prog)["reason"], "NewReplicaSetAvailable");
  EXPECT_EQ((*prog)["status"], "True");
  // Settled means settled: another sync changes nothing.
  DeploymentPlan idle =
      plan_deployment(c.deploy, testing::ptrs(c.rss), testing::ptrs(c.pods), c.now());
  EXPECT_FALSE(idle.create_replicaset);
  EXPECT_TRUE(idle.update_replicasets.empty());
  EXPECT_FALSE(idle.status) << idle.status->dump();
  EXPECT_FALSE(idle.annotation_updates);
  for (json& rs : c.rss) {
    ReplicaSetPlan p = plan_replicaset(rs, testing::ptrs(c.pods), c.now());
    EXPECT_TRUE(p.create.empty() && p.delete_pods.empty() && !p.status) << rs["metadata"]["name"];
  }
}

FakeCluster fresh(int64_t replicas, json strategy) {
  FakeCluster c;
  c.deploy = testing::make_deploy(replicas, pod_template("nginx:1"));
  if (!strategy.is_null()) c.deploy["spec"]["strategy"] = std::move(strategy);
  converge(c, {replicas + 100, 0});
  expect_settled(c, "nginx:1", replicas);
  return c;
}

TEST(Rollout, FirstRolloutThenImageChangeSurgeOneUnavailableZero) {
  FakeCluster c = fresh(
      3, {{"type", "RollingUpdate"}, {"rollingUpdate", {{"maxSurge", 1}, {"maxUnavailable", 0}}}});
  EXPECT_EQ(c.deploy["metadata"]["annotations"]["deployment.kubernetes.io/revision"], "1");
  const std::string first_rs = c.rss[0]["metadata"]["name"];

  change_template(c, pod_template("nginx:2"));
  int rounds = converge(c, {4, 3});
  EXPECT_GE(rounds, 3);  // one pod at a time
  expect_settled(c, "nginx:2", 3);
  EXPECT_EQ(c.deploy["metadata"]["annotations"]["deployment.kubernetes.io/revision"], "2");
  ASSERT_EQ(c.rss.size(), 2u);
  EXPECT_EQ(c.find_rs(first_rs)->at("spec")["replicas"], 0);
  const json* prog = testing::condition(c.deploy, "Progressing");
  const std::string new_rs = c.created_order.back();
  EXPECT_EQ((*prog)["message"], "ReplicaSet \"" + new_rs + "\" has successfully progressed.");
}

// The Deployment controller sees its own scale-down of an old set before the ReplicaSet
// controller has deleted the pod (the informer's update outruns the other controller). The
// new set must not grow into that gap: maxSurge bounds real pods, not just the sum of specs.
TEST(Rollout, ResyncBeforeReplicaSetsActKeepsSurgeBound) {
  FakeCluster c = fresh(
      3, {{"type", "RollingUpdate"}, {"rollingUpdate", {{"maxSurge", 1}, {"maxUnavailable", 0}}}});
  change_template(c, pod_template("nginx:2"));
  for (int round = 0; round < 40 && !c.rollout_complete(); ++round) {
    c.clock += 1;
    c.sync_deployment();
    c.sync_deployment();  // again, on the ReplicaSet update it just wrote
    // The newest set's controller runs first, then the older ones'.
    for (auto it = c.rss.rbegin(); it != c.rss.rend(); ++it) {
      c.sync_replicaset(*it);
      int64_t active = 0;
      for (const json& p : c.pods) active += pod_active(p) ? 1 : 0;
      EXPECT_LE(active, 4) << "round " << round;
    }
    c.clock += 1;
    c.make_pods_ready();
    c.sync_replicasets();
  }
  c.sync_deployment();
  expect_settled(c, "nginx:2", 3);
}

TEST(Rollout, DefaultStrategyOnTenReplicas) {
  FakeCluster c = fresh(10, nullptr);
  change_template(c, pod_template("nginx:2"));
  // maxSurge 25% of 10 rounds up to 3, maxUnavailable rounds down to 2.
  bool saw_full_surge = false;
  converge(c, {13, 8}, 40, [&](FakeCluster& cl) {
    int64_t active = 0;
    for (const json& p : cl.pods) active += pod_active(p) ? 1 : 0;
    saw_full_surge |= active == 13;
  });
  EXPECT_TRUE(saw_full_surge);
  expect_settled(c, "nginx:2", 10);
}

TEST(Rollout, RecreateStopsOldPodsBeforeStartingNew) {
  FakeCluster c = fresh(3, {{"type", "Recreate"}});
  change_template(c, pod_template("nginx:2"));
  converge(c, {3, 0}, 40, [](FakeCluster& cl) {
    bool old_left = cl.count_pods_with_image("nginx:1") > 0;
    EXPECT_FALSE(old_left && cl.count_pods_with_image("nginx:2") > 0)
        << "old and new pods together";
  });
  expect_settled(c, "nginx:2", 3);
}

TEST(Rollout, RecreateWaitsForTerminatingPods) {
  FakeCluster c = fresh(2, {{"type", "Recreate"}});
  change_template(c, pod_template("nginx:2"));
  c.sync_deployment();  // old scaled to 0
  // The pods are terminating (deletionTimestamp) rather than gone.
  for (json& p : c.pods) p["metadata"]["deletionTimestamp"] = c.now();
  c.sync_replicasets();  // status replicas -> 0
  DeploymentPlan p = c.sync_deployment();
  EXPECT_FALSE(p.create_replicaset) << "must wait for terminating pods";
  c.pods.clear();
  p = c.sync_deployment();
  ASSERT_TRUE(p.create_replicaset);
  EXPECT_EQ((*p.create_replicaset)["spec"]["replicas"], 2);
}

TEST(Rollout, RollbackReusesOldReplicaSetWithNewRevision) {
  FakeCluster c = fresh(
      3, {{"type", "RollingUpdate"}, {"rollingUpdate", {{"maxSurge", 1}, {"maxUnavailable", 0}}}});
  const std::string v1 = c.rss[0]["metadata"]["name"];
  change_template(c, pod_template("nginx:2"));
  converge(c, {4, 3});
  expect_settled(c, "nginx:2", 3);

  // kubectl rollout undo: the template goes back to revision 1's (without the hash label).
  change_template(c, pod_template("nginx:1"));
  DeploymentPlan p =
      plan_deployment(c.deploy, testing::ptrs(c.rss), testing::ptrs(c.pods), c.now());
  EXPECT_FALSE(p.create_replicaset);
  ASSERT_FALSE(p.update_replicasets.empty());
  EXPECT_EQ(p.update_replicasets[0].name, v1);
  EXPECT_EQ(
      p.update_replicasets[0].patch["metadata"]["annotations"]["deployment.kubernetes.io/revision"],
      "3");
  EXPECT_EQ(p.update_replicasets[0]
                .patch["metadata"]["annotations"]["deployment.kubernetes.io/revision-history"],
            "1");
  EXPECT_EQ(p.annotation_updates, json({{"deployment.kubernetes.io/revision", "3"}}));

  converge(c, {4, 3});
  expect_settled(c, "nginx:1", 3);
  EXPECT_EQ(c.rss.size(), 2u);
  EXPECT_EQ(c.find_rs(v1)->at("spec")["replicas"], 3);
}

TEST(Rollout, HistoryLimitDeletesOldestAfterCompletion) {
  FakeCluster c = fresh(
      1, {{"type", "RollingUpdate"}, {"rollingUpdate", {{"maxSurge", 1}, {"maxUnavailable", 0}}}});
  c.deploy["spec"]["revisionHistoryLimit"] = 1;
  for (int v = 2; v <= 4; ++v) {
    change_template(c, pod_template("nginx:" + std::to_string(v)));
    converge(c, {2, 1});
    c.sync_deployment();  // cleanup runs once the rollout is complete
  }
  expect_settled(c, "nginx:4", 1);
  ASSERT_EQ(c.rss.size(), 2u);  // the current one plus one old revision
  std::vector<std::string> revisions;
  for (const json& rs : c.rss)
    revisions.push_back(rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"]);
  std::sort(revisions.begin(), revisions.end());
  EXPECT_EQ(revisions, (std::vector<std::string>{"3", "4"}));
}

TEST(Rollout, StuckRolloutTimesOutThenUndoRecovers) {
  FakeCluster c = fresh(
      3, {{"type", "RollingUpdate"}, {"rollingUpdate", {{"maxSurge", 1}, {"maxUnavailable", 0}}}});
  c.deploy["spec"]["progressDeadlineSeconds"] = 120;
  change_template(c, pod_template("nginx:broken"));
  std::optional<int64_t> requeue;
  for (int round = 0; round < 8; ++round) {
    c.clock += 30;
    DeploymentPlan p = c.sync_deployment();
    if (p.requeue_after_seconds) requeue = p.requeue_after_seconds;
    c.sync_replicasets();
    c.sync_replicasets();
    for (json& pod : c.pods) {  // the kubelet never readies the broken image
      if (pod["spec"]["containers"][0]["image"] != "nginx:broken" && !pod_ready(pod))
        testing::set_ready(pod, c.clock);
    }
    c.sync_replicasets();
    EXPECT_LE(c.pods.size(), 4u);
    EXPECT_EQ(c.available_pods(), 3);
  }
  ASSERT_TRUE(requeue);
  const json* prog = testing::condition(c.deploy, "Progressing");
  ASSERT_NE(prog, nullptr);
  EXPECT_EQ((*prog)["status"], "False");
  EXPECT_EQ((*prog)["reason"], "ProgressDeadlineExceeded");
  EXPECT_EQ((*prog)["message"],
            "ReplicaSet \"" + c.created_order.back() + "\" has timed out progressing.");
  EXPECT_EQ((*testing::condition(c.deploy, "Available"))["status"], "True");
  EXPECT_EQ(c.count_pods_with_image("nginx:broken"), 1);

  change_template(c, pod_template("nginx:1"));  // kubectl rollout undo
  converge(c, {4, 3});
  expect_settled(c, "nginx:1", 3);
  EXPECT_EQ(c.deploy["metadata"]["annotations"]["deployment.kubernetes.io/revision"], "3");
}

TEST(Rollout, ScaleUpAndDownSettle) {
  FakeCluster c = fresh(2, nullptr);
  c.deploy["spec"]["replicas"] = 5;
  c.deploy["metadata"]["generation"] = 2;
  converge(c, {5, 2});
  expect_settled(c, "nginx:1", 5);
  c.deploy["spec"]["replicas"] = 1;
  c.deploy["metadata"]["generation"] = 3;
  converge(c, {5, 1});
  expect_settled(c, "nginx:1", 1);
  EXPECT_EQ(c.rss.size(), 1u);
}

TEST(Rollout, MinReadySecondsDelaysAvailability) {
  FakeCluster c;
  c.deploy = testing::make_deploy(2, pod_template("nginx:1"));
  c.deploy["spec"]["minReadySeconds"] = 10;
  for (int i = 0; i < 3; ++i) {
    c.sync_deployment();
    c.sync_replicasets();
    c.sync_replicasets();
  }
  c.make_pods_ready();
  c.sync_replicasets();
  c.sync_deployment();
  EXPECT_FALSE(c.rollout_complete());
  c.clock += 11;
  c.sync_replicasets();
  c.sync_deployment();
  EXPECT_TRUE(c.rollout_complete()) << c.deploy["status"].dump();
}

}  // namespace
}  // namespace v6k::kube::workloads
