// Single-sync Deployment decisions: first rollout, fenceposts, scaling, paused, history,
// adoption, conditions and their timestamps.
#include "kube/controllers/workloads/deployment.h"

#include <gtest/gtest.h>

#include <map>

#include "kube/controllers/workloads/fixtures.h"
#include "kube/controllers/workloads/hash.h"

namespace v6k::kube::workloads {
namespace {

using testing::kEpoch;
using testing::make_deploy;
using testing::make_rs;
using testing::pod_template;
using testing::ptrs;
using testing::ts;

std::string now_at(int64_t secs) { return ts(kEpoch + secs); }

// The ReplicaSet a completed rollout of `image` leaves: owned, annotated, all available.
json settled_rs(const json& deploy, std::string image, int64_t replicas, int64_t revision,
                int64_t created = 0) {
  json tmpl = pod_template(image);
  std::string hash = pod_template_hash(tmpl, 0);
  tmpl["metadata"]["labels"]["pod-template-hash"] = hash;
  json rs = make_rs("web-" + hash, replicas, tmpl);
  rs["metadata"]["creationTimestamp"] = ts(kEpoch + created);
  rs["metadata"]["ownerReferences"] =
      json::array({testing::owner_ref("Deployment", "web", "uid-web")});
  rs["metadata"]["annotations"] = {{"deployment.kubernetes.io/revision", std::to_string(revision)},
                                   {"deployment.kubernetes.io/desired-replicas",
                                    std::to_string(int_at(deploy["spec"], "replicas", 1))},
                                   {"deployment.kubernetes.io/max-replicas",
                                    std::to_string(int_at(deploy["spec"], "replicas", 1) + 1)}};
  rs["status"] = {{"replicas", replicas},
                  {"readyReplicas", replicas},
                  {"availableReplicas", replicas},
                  {"observedGeneration", 1}};
  return rs;
}

TEST(DeploymentPlan, FirstRolloutCreatesRevisionOne) {
  json d = make_deploy(3, pod_template("nginx:1"));
  d["metadata"]["annotations"] = {{"kubernetes.io/change-cause", "first"},
                                  {"kubectl.kubernetes.io/last-applied-configuration", "{}"}};
  DeploymentPlan p = plan_deployment(d, {}, {}, now_at(0));
  ASSERT_EQ(p.error, "");
  ASSERT_TRUE(p.create_replicaset);
  const std::string hash = pod_template_hash(d["spec"]["template"], 0);
  const json& rs = *p.create_replicaset;
  EXPECT_EQ(rs["metadata"]["name"], "web-" + hash);
  EXPECT_EQ(rs["metadata"]["namespace"], "default");
  EXPECT_EQ(rs["metadata"]["labels"], json({{"app", "web"}, {"pod-template-hash", hash}}));
  EXPECT_EQ(rs["metadata"]["ownerReferences"],
            json::array({testing::owner_ref("Deployment", "web", "uid-web")}));
  EXPECT_EQ(rs["metadata"]["annotations"], json({{"deployment.kubernetes.io/revision", "1"},
                                                 {"deployment.kubernetes.io/desired-replicas", "3"},
                                                 {"deployment.kubernetes.io/max-replicas", "4"},
                                                 {"kubernetes.io/change-cause", "first"}}));
  EXPECT_EQ(rs["spec"]["replicas"], 3);
  EXPECT_EQ(rs["spec"]["selector"],
            json({{"matchLabels", {{"app", "web"}, {"pod-template-hash", hash}}}}));
  EXPECT_EQ(rs["spec"]["template"]["metadata"]["labels"]["pod-template-hash"], hash);
  EXPECT_EQ(rs["spec"]["template"]["spec"], d["spec"]["template"]["spec"]);
  EXPECT_EQ(p.events, (std::vector<Event>{{"Normal", "ScalingReplicaSet",
                                           "Scaled up replica set web-" + hash + " to 3"}}));
  EXPECT_EQ(p.annotation_updates, json({{"deployment.kubernetes.io/revision", "1"}}));
  ASSERT_TRUE(p.status);
  EXPECT_EQ((*p.status)["observedGeneration"], 1);
  EXPECT_EQ((*p.status)["unavailableReplicas"], 3);
  const json& conds = (*p.status)["conditions"];
  ASSERT_EQ(conds.size(), 2u);
  EXPECT_EQ(conds[0], json({{"type", "Progressing"},
                            {"status", "True"},
                            {"reason", "NewReplicaSetCreated"},
                            {"message", "Created new replica set \"web-" + hash + "\""},
                            {"lastUpdateTime", now_at(0)},
                            {"lastTransitionTime", now_at(0)}}));
  EXPECT_EQ(conds[1], json({{"type", "Available"},
                            {"status", "False"},
                            {"reason", "MinimumReplicasUnavailable"},
                            {"message", "Deployment does not have minimum availability."},
                            {"lastUpdateTime", now_at(0)},
                            {"lastTransitionTime", now_at(0)}}));
  ASSERT_TRUE(p.requeue_after_seconds);
  EXPECT_EQ(*p.requeue_after_seconds, 601);
}

TEST(DeploymentPlan, Fenceposts) {
  struct Case {
    json surge, unavailable;
    int64_t replicas, want_surge, want_unavailable;
  };
  const Case cases[] = {
      {nullptr, nullptr, 10, 3, 2},
      {"25%", "25%", 3, 1, 0},
      {1, 0, 3, 1, 0},
      {0, 0, 3, 0, 1},
      {"0%", "10%", 5, 0, 1},
      {"50%", "50%", 5, 3, 2},
      {2, 3, 10, 2, 3},
      {"bogus", "1", 4, 0, 1},
      {nullptr, nullptr, 0, 0, 1},
  };
  for (const Case& c : cases) {
    Fenceposts f = resolve_fenceposts(c.surge, c.unavailable, c.replicas);
    EXPECT_EQ(f.max_surge, c.want_surge) << c.surge << " " << c.unavailable << " " << c.replicas;
    EXPECT_EQ(f.max_unavailable, c.want_unavailable)
        << c.surge << " " << c.unavailable << " " << c.replicas;
  }
}

TEST(DeploymentPlan, DefaultsOnTenReplicasSurgeThreeDropTwo) {
  json d = make_deploy(10, pod_template("nginx:2"));
  d["metadata"]["generation"] = 2;
  d["metadata"]["annotations"] = {{"deployment.kubernetes.io/revision", "1"}};
  json old = settled_rs(d, "nginx:1", 10, 1);
  old["metadata"]["annotations"]["deployment.kubernetes.io/max-replicas"] = "13";
  std::vector<json> rss = {old};
  DeploymentPlan p = plan_deployment(d, ptrs(rss), {}, now_at(10));
  ASSERT_TRUE(p.create_replicaset);
  EXPECT_EQ((*p.create_replicaset)["spec"]["replicas"], 3);
  EXPECT_EQ((*p.create_replicaset)["metadata"]["annotations"]["deployment.kubernetes.io/revision"],
            "2");
  EXPECT_EQ(
      (*p.create_replicaset)["metadata"]["annotations"]["deployment.kubernetes.io/max-replicas"],
      "13");
  ASSERT_EQ(p.update_replicasets.size(), 1u);
  EXPECT_EQ(p.update_replicasets[0].name, old["metadata"]["name"]);
  EXPECT_EQ(p.update_replicasets[0].replicas, 8);
  EXPECT_EQ(p.update_replicasets[0].patch, json({{"spec", {{"replicas", 8}}}}));
  const std::string new_name = (*p.create_replicaset)["metadata"]["name"];
  EXPECT_EQ(p.events,
            (std::vector<Event>{
                {"Normal", "ScalingReplicaSet", "Scaled up replica set " + new_name + " to 3"},
                {"Normal", "ScalingReplicaSet",
                 "Scaled down replica set " + old["metadata"]["name"].get<std::string>() +
                     " to 8 from 10"}}));
  EXPECT_EQ(p.annotation_updates, json({{"deployment.kubernetes.io/revision", "2"}}));
}

TEST(DeploymentPlan, ScalingSingleActiveReplicaSet) {
  json d = make_deploy(3, pod_template("nginx:1"));
  json rs = settled_rs(d, "nginx:1", 3, 1);
  d["spec"]["replicas"] = 5;
  d["metadata"]["annotations"] = {{"deployment.kubernetes.io/revision", "1"}};
  std::vector<json> rss = {rs};
  DeploymentPlan p = plan_deployment(d, ptrs(rss), {}, now_at(0));
  EXPECT_FALSE(p.create_replicaset);
  ASSERT_EQ(p.update_replicasets.size(), 1u);
  EXPECT_EQ(p.update_replicasets[0].replicas, 5);
  EXPECT_EQ(
      p.update_replicasets[0].patch,
      json::parse(R"({"metadata":{"annotations":{"deployment.kubernetes.io/desired-replicas":"5",
                            "deployment.kubernetes.io/max-replicas":"7"}},"spec":{"replicas":5}})"));
  EXPECT_EQ(p.events,
            (std::vector<Event>{{"Normal", "ScalingReplicaSet",
                                 "Scaled up replica set " +
                                     rs["metadata"]["name"].get<std::string>() + " to 5 from 3"}}));
  // Scale down to 1: same path.
  d["spec"]["replicas"] = 1;
  p = plan_deployment(d, ptrs(rss), {}, now_at(0));
  ASSERT_EQ(p.update_replicasets.size(), 1u);
  EXPECT_EQ(p.update_replicasets[0].replicas, 1);
  EXPECT_NE(p.events[0].message.find("Scaled down replica set"), std::string::npos);
}

TEST(DeploymentPlan, ProportionalScalingMidRollout) {
  json d = make_deploy(10, pod_template("nginx:2"));
  json old = settled_rs(d, "nginx:1", 8, 1, 0);
  json cur = settled_rs(d, "nginx:2", 5, 2, 50);
  for (json* rs : {&old, &cur}) {
    (*rs)["metadata"]["annotations"]["deployment.kubernetes.io/desired-replicas"] = "10";
    (*rs)["metadata"]["annotations"]["deployment.kubernetes.io/max-replicas"] = "13";
  }
  d["spec"]["replicas"] = 20;  // allowed 20 + 5 = 25, 12 to add
  d["metadata"]["annotations"] = {{"deployment.kubernetes.io/revision", "2"}};
  std::vector<json> rss = {old, cur};
  DeploymentPlan p = plan_deployment(d, ptrs(rss), {}, now_at(100));
  ASSERT_EQ(p.update_replicasets.size(), 2u);
  std::map<std::string, int64_t> sizes;
  for (const auto& u : p.update_replicasets) sizes[u.name] = u.replicas;
  EXPECT_EQ(sizes[old["metadata"]["name"]], 15);  // round(8 * 25 / 13) = 15
  EXPECT_EQ(sizes[cur["metadata"]["name"]], 10);  // round(5 * 25 / 13) = 10
  EXPECT_FALSE(p.create_replicaset);
}

TEST(DeploymentPlan, PausedOnlyScalesAndMarksPaused) {
  json d = make_deploy(3, pod_template("nginx:1"));
  json rs = settled_rs(d, "nginx:1", 3, 1);
  d["spec"]["template"] = pod_template("nginx:2");
  d["spec"]["paused"] = true;
  d["metadata"]["annotations"] = {{"deployment.kubernetes.io/revision", "1"}};
  std::vector<json> rss = {rs};
  DeploymentPlan p = plan_deployment(d, ptrs(rss), {}, now_at(0));
  EXPECT_FALSE(p.create_replicaset);
  EXPECT_TRUE(p.update_replicasets.empty());
  ASSERT_TRUE(p.status);
  const json* prog = nullptr;
  for (const json& c : (*p.status)["conditions"])
    if (c["type"] == "Progressing") prog = &c;
  ASSERT_NE(prog, nullptr);
  EXPECT_EQ((*prog)["status"], "Unknown");
  EXPECT_EQ((*prog)["reason"], "DeploymentPaused");
  EXPECT_EQ((*prog)["message"], "Deployment is paused");
  EXPECT_FALSE(p.status->contains("updatedReplicas"));  // 0, omitted
  EXPECT_EQ((*p.status)["availableReplicas"], 3);

  d["status"] = *p.status;
  d["spec"]["replicas"] = 4;  // scaling while paused still applies
  p = plan_deployment(d, ptrs(rss), {}, now_at(10));
  ASSERT_EQ(p.update_replicasets.size(), 1u);
  EXPECT_EQ(p.update_replicasets[0].replicas, 4);
  EXPECT_FALSE(p.create_replicaset);

  // Resuming records DeploymentResumed and then rolls out.
  d["spec"]["paused"] = false;
  d["spec"]["replicas"] = 3;
  p = plan_deployment(d, ptrs(rss), {}, now_at(20));
  EXPECT_TRUE(p.create_replicaset);
  ASSERT_TRUE(p.status);
}

TEST(DeploymentPlan, HistoryCleanupKeepsLimitAndSkipsBusySets) {
  json d = make_deploy(2, pod_template("nginx:9"));
  d["spec"]["revisionHistoryLimit"] = 2;
  d["metadata"]["annotations"] = {{"deployment.kubernetes.io/revision", "9"}};
  std::vector<json> rss;
  for (int rev = 1; rev <= 5; ++rev)
    rss.push_back(settled_rs(d, "nginx:" + std::to_string(rev), 0, rev, rev));
  for (json& rs : rss) rs["status"] = {{"replicas", 0}, {"observedGeneration", 1}};
  rss[1]["status"]["replicas"] = 1;  // revision 2 still has a pod
  rss.push_back(settled_rs(d, "nginx:9", 2, 9, 9));
  d["status"] = {{"observedGeneration", 1},
                 {"replicas", 2},
                 {"updatedReplicas", 2},
                 {"availableReplicas", 2},
                 {"readyReplicas", 2}};
  DeploymentPlan p = plan_deployment(d, ptrs(rss), {}, now_at(0));
  // 5 old, keep 2: revisions 1..3 are candidates, revision 2 is busy.
  EXPECT_EQ(p.delete_replicasets,
            (std::vector<std::string>{rss[0]["metadata"]["name"], rss[2]["metadata"]["name"]}));
  d["spec"].erase("revisionHistoryLimit");  // default 10 keeps everything here
  EXPECT_TRUE(plan_deployment(d, ptrs(rss), {}, now_at(0)).delete_replicasets.empty());
}

TEST(DeploymentPlan, AdoptsAndReleasesReplicaSets) {
  json d = make_deploy(1, pod_template("nginx:1"));
  json orphan = settled_rs(d, "nginx:1", 1, 1);
  orphan["metadata"].erase("ownerReferences");
  json foreign = settled_rs(d, "nginx:0", 0, 0);
  foreign["metadata"]["labels"] = {{"app", "other"}};
  std::vector<json> rss = {orphan, foreign};
  DeploymentPlan p = plan_deployment(d, ptrs(rss), {}, now_at(0));
  ASSERT_EQ(p.adopt_replicasets.size(), 1u);
  EXPECT_EQ(p.adopt_replicasets[0].name, orphan["metadata"]["name"]);
  EXPECT_EQ(p.adopt_replicasets[0].patch["metadata"]["ownerReferences"][0],
            testing::owner_ref("Deployment", "web", "uid-web"));
  ASSERT_EQ(p.release_replicasets.size(), 1u);
  EXPECT_EQ(p.release_replicasets[0].name, foreign["metadata"]["name"]);
  EXPECT_FALSE(p.create_replicaset);  // the adopted one is the new ReplicaSet
}

TEST(DeploymentPlan, EmptySelectorOnlyWarns) {
  json d = make_deploy(1, pod_template("nginx:1"));
  d["spec"]["selector"] = json::object();
  DeploymentPlan p = plan_deployment(d, {}, {}, now_at(0));
  EXPECT_FALSE(p.create_replicaset);
  EXPECT_EQ(p.events,
            (std::vector<Event>{
                {"Warning", "SelectingAll",
                 "This deployment is selecting all pods. A non-empty selector is required."}}));
  EXPECT_EQ(p.status, json({{"observedGeneration", 1}}));
}

TEST(DeploymentPlan, HashCollisionBumpsCollisionCount) {
  json d = make_deploy(1, pod_template("nginx:1"));
  json squatter =
      make_rs("web-" + pod_template_hash(d["spec"]["template"], 0), 1, pod_template("other"));
  squatter["metadata"]["labels"] = {{"app", "elsewhere"}};
  std::vector<json> rss = {squatter};
  DeploymentPlan p = plan_deployment(d, ptrs(rss), {}, now_at(0));
  EXPECT_FALSE(p.create_replicaset);
  ASSERT_TRUE(p.status);
  EXPECT_EQ((*p.status)["collisionCount"], 1);
  d["status"] = *p.status;
  p = plan_deployment(d, ptrs(rss), {}, now_at(1));
  ASSERT_TRUE(p.create_replicaset);
  EXPECT_EQ((*p.create_replicaset)["metadata"]["name"],
            "web-" + pod_template_hash(d["spec"]["template"], 1));
}

TEST(DeploymentPlan, ProgressingTimestampsAndDeadline) {
  json d = make_deploy(2, pod_template("nginx:2"));
  d["spec"]["strategy"] = {{"type", "RollingUpdate"},
                           {"rollingUpdate", {{"maxSurge", 1}, {"maxUnavailable", 0}}}};
  d["spec"]["progressDeadlineSeconds"] = 60;
  d["metadata"]["annotations"] = {{"deployment.kubernetes.io/revision", "2"}};
  json old = settled_rs(d, "nginx:1", 2, 1, 0);
  json cur = settled_rs(d, "nginx:2", 1, 2, 5);
  cur["metadata"]["annotations"]["deployment.kubernetes.io/max-replicas"] = "3";
  old["metadata"]["annotations"]["deployment.kubernetes.io/max-replicas"] = "3";
  cur["status"] = {{"replicas", 1}, {"observedGeneration", 1}};  // new pod not ready yet
  json created = {{"type", "Progressing"},
                  {"status", "True"},
                  {"reason", "NewReplicaSetCreated"},
                  {"message", "x"},
                  {"lastUpdateTime", now_at(5)},
                  {"lastTransitionTime", now_at(5)}};
  d["status"] = {{"observedGeneration", 1}, {"replicas", 3},
                 {"updatedReplicas", 1},    {"availableReplicas", 2},
                 {"readyReplicas", 2},      {"conditions", json::array({created})}};
  std::vector<json> rss = {old, cur};

  // No progress yet, deadline not reached: nothing changes but a requeue at the deadline.
  DeploymentPlan p = plan_deployment(d, ptrs(rss), {}, now_at(30));
  EXPECT_TRUE(p.update_replicasets.empty());
  ASSERT_TRUE(p.status);                    // Available condition appears
  EXPECT_EQ(*p.requeue_after_seconds, 36);  // 5 + 60 - 30 + 1
  d["status"] = *p.status;

  // The new pod turns ready: ReplicaSetUpdated, lastUpdateTime moves, transition stays.
  rss[1]["status"] = {
      {"replicas", 1}, {"readyReplicas", 1}, {"availableReplicas", 1}, {"observedGeneration", 1}};
  p = plan_deployment(d, ptrs(rss), {}, now_at(40));
  ASSERT_TRUE(p.status);
  const json* prog = nullptr;
  for (const json& c : (*p.status)["conditions"])
    if (c["type"] == "Progressing") prog = &c;
  ASSERT_NE(prog, nullptr);
  EXPECT_EQ((*prog)["reason"], "ReplicaSetUpdated");
  EXPECT_EQ((*prog)["message"],
            "ReplicaSet \"" + cur["metadata"]["name"].get<std::string>() + "\" is progressing.");
  EXPECT_EQ((*prog)["lastUpdateTime"], now_at(40));
  EXPECT_EQ((*prog)["lastTransitionTime"], now_at(5));

  // Stuck past the deadline (no further progress): ProgressDeadlineExceeded, status False.
  d["status"] = *p.status;
  rss[1]["status"]["availableReplicas"] = 1;
  p = plan_deployment(d, ptrs(rss), {}, now_at(101));
  ASSERT_TRUE(p.status);
  prog = nullptr;
  for (const json& c : (*p.status)["conditions"])
    if (c["type"] == "Progressing") prog = &c;
  ASSERT_NE(prog, nullptr);
  EXPECT_EQ((*prog)["status"], "False");
  EXPECT_EQ((*prog)["reason"], "ProgressDeadlineExceeded");
  EXPECT_EQ((*prog)["message"], "ReplicaSet \"" + cur["metadata"]["name"].get<std::string>() +
                                    "\" has timed out progressing.");
  EXPECT_EQ((*prog)["lastTransitionTime"], now_at(101));
}

TEST(DeploymentPlan, BadInputIsAnErrorNotAnException) {
  json d = make_deploy(1, pod_template("nginx:1"));
  EXPECT_NE(plan_deployment(d, {}, {}, "not a time").error, "");
  d["spec"]["selector"] = {
      {"matchExpressions", json::array({{{"key", "a"}, {"operator", "Bogus"}}})}};
  EXPECT_NE(plan_deployment(d, {}, {}, now_at(0)).error, "");
  std::vector<json> junk = {json(3), json::array(), json::object()};
  DeploymentPlan p = plan_deployment(json("x"), ptrs(junk), ptrs(junk), now_at(0));
  (void)p;
}

}  // namespace
}  // namespace v6k::kube::workloads
