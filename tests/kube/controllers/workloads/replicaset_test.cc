#include "kube/controllers/workloads/replicaset.h"

#include <gtest/gtest.h>

#include "kube/controllers/workloads/fixtures.h"

namespace v6k::kube::workloads {
namespace {

using testing::kEpoch;
using testing::make_pod;
using testing::ptrs;
using testing::ts;

const json kLabels = {{"app", "web"}};

json rs_with(int64_t replicas) {
  return testing::make_rs("web-1", replicas, testing::pod_template("nginx"));
}

std::string now_at(int64_t secs) { return ts(kEpoch + secs); }

TEST(ReplicaSetPlan, CreatesMissingPodsFromTemplate) {
  json rs = rs_with(3);
  rs["spec"]["template"]["metadata"]["annotations"] = {{"a", "b"}};
  ReplicaSetPlan p = plan_replicaset(rs, {}, now_at(0));
  ASSERT_EQ(p.error, "");
  ASSERT_EQ(p.create.size(), 3u);
  EXPECT_EQ(p.create[0], json::parse(R"({
    "apiVersion":"v1","kind":"Pod",
    "metadata":{"generateName":"web-1-","namespace":"default","labels":{"app":"web"},
      "annotations":{"a":"b"},
      "ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"web-1",
        "uid":"uid-web-1","controller":true,"blockOwnerDeletion":true}]},
    "spec":{"containers":[{"name":"c","image":"nginx"}]}})"));
  EXPECT_TRUE(p.delete_pods.empty());
}

TEST(ReplicaSetPlan, CountsAndBurstLimit) {
  struct Case {
    int64_t replicas;
    int existing;
    size_t creates;
    size_t deletes;
  };
  const Case cases[] = {{3, 0, 3, 0}, {3, 3, 0, 0},     {3, 5, 0, 2},
                        {0, 2, 0, 2}, {700, 0, 500, 0}, {0, 650, 0, 500}};
  for (const Case& c : cases) {
    std::vector<json> pods;
    for (int i = 0; i < c.existing; ++i)
      pods.push_back(make_pod("p" + std::to_string(i), kLabels, "uid-web-1"));
    ReplicaSetPlan p = plan_replicaset(rs_with(c.replicas), ptrs(pods), now_at(0));
    EXPECT_EQ(p.create.size(), c.creates) << c.replicas << "/" << c.existing;
    EXPECT_EQ(p.delete_pods.size(), c.deletes) << c.replicas << "/" << c.existing;
    EXPECT_EQ(p.events.size(), c.deletes);
  }
  json no_replicas = rs_with(1);
  no_replicas["spec"].erase("replicas");  // defaults to 1
  EXPECT_EQ(plan_replicaset(no_replicas, {}, now_at(0)).create.size(), 1u);
}

TEST(ReplicaSetPlan, InactivePodsAreReplaced) {
  std::vector<json> pods = {
      make_pod("ok", kLabels, "uid-web-1"), make_pod("done", kLabels, "uid-web-1"),
      make_pod("failed", kLabels, "uid-web-1"), make_pod("going", kLabels, "uid-web-1")};
  pods[1]["status"]["phase"] = "Succeeded";
  pods[2]["status"]["phase"] = "Failed";
  pods[3]["metadata"]["deletionTimestamp"] = now_at(0);
  ReplicaSetPlan p = plan_replicaset(rs_with(3), ptrs(pods), now_at(0));
  EXPECT_EQ(p.create.size(), 2u);
  ASSERT_TRUE(p.status);
  EXPECT_EQ((*p.status)["replicas"], 1);
}

// Each row: pod `first` must be deleted before pod `second`.
TEST(ReplicaSetPlan, DeletionRanking) {
  const int64_t now = 100000;
  auto base = [](std::string name) {
    json p = make_pod(name, kLabels, "uid-web-1", 0);
    testing::set_ready(p, 10);
    return p;
  };
  struct Case {
    const char* rule;
    json first;
    json second;
  };
  std::vector<Case> cases;
  {
    json a = base("a"), b = base("b");
    a["spec"].erase("nodeName");
    a["metadata"]["creationTimestamp"] = ts(kEpoch - 100);  // older, still first
    cases.push_back({"unassigned before assigned", a, b});
  }
  for (auto [pa, pb] : {std::pair{"Pending", "Unknown"}, std::pair{"Unknown", "Running"},
                        std::pair{"Pending", "Running"}}) {
    json a = base("a"), b = base("b");
    a["status"]["phase"] = pa;
    b["status"]["phase"] = pb;
    cases.push_back({"phase order", a, b});
  }
  {
    json a = make_pod("a", kLabels, "uid-web-1", -50), b = base("b");
    cases.push_back({"not ready before ready", a, b});
  }
  {
    json a = base("a"), b = base("b");
    a["metadata"]["annotations"] = {{"controller.kubernetes.io/pod-deletion-cost", "-5"}};
    b["metadata"]["annotations"] = {{"controller.kubernetes.io/pod-deletion-cost", "10"}};
    testing::set_ready(b, 99990);  // would otherwise go first
    cases.push_back({"lower deletion cost first", a, b});
  }
  {
    json a = base("a"), b = base("b");
    testing::set_ready(a, 99000);  // ready 1000s ago vs ~100000s ago
    cases.push_back({"ready for a shorter time first", a, b});
  }
  {
    json a = base("a"), b = base("b");
    a["status"]["containerStatuses"] = json::array({{{"restartCount", 4}}});
    b["status"]["containerStatuses"] = json::array({{{"restartCount", 1}}});
    cases.push_back({"more restarts first", a, b});
  }
  {
    json a = base("a"), b = base("b");
    a["metadata"]["creationTimestamp"] = ts(kEpoch + 99000);
    cases.push_back({"newer first", a, b});
  }
  for (const Case& c : cases) {
    for (bool swap : {false, true}) {
      std::vector<json> pods =
          swap ? std::vector<json>{c.second, c.first} : std::vector<json>{c.first, c.second};
      ReplicaSetPlan p = plan_replicaset(rs_with(1), ptrs(pods), now_at(now));
      ASSERT_EQ(p.delete_pods.size(), 1u) << c.rule;
      EXPECT_EQ(p.delete_pods[0], "a") << c.rule << (swap ? " (swapped)" : "");
      EXPECT_EQ(p.events[0], (Event{"Normal", "SuccessfulDelete", "Deleted pod: a"})) << c.rule;
    }
  }
}

TEST(ReplicaSetPlan, DoubledUpPodsGoFirst) {
  std::vector<json> pods;
  for (auto [name, node] : {std::pair{"a1", "n1"}, std::pair{"a2", "n1"}, std::pair{"b1", "n2"}}) {
    json p = make_pod(name, kLabels, "uid-web-1");
    p["spec"]["nodeName"] = node;
    testing::set_ready(p, 10);
    pods.push_back(p);
  }
  ReplicaSetPlan p = plan_replicaset(rs_with(1), ptrs(pods), now_at(1000));
  ASSERT_EQ(p.delete_pods.size(), 2u);
  EXPECT_EQ(p.delete_pods, (std::vector<std::string>{"a1", "a2"}));
}

TEST(ReplicaSetPlan, AdoptsOrphansAndReleasesMismatches) {
  std::vector<json> pods = {
      make_pod("orphan", kLabels),
      make_pod("stranger", {{"app", "db"}}),
      make_pod("other-owner", kLabels, "uid-someone-else"),
      make_pod("relabelled", {{"app", "db"}}, "uid-web-1"),
      make_pod("orphan-going", kLabels),
      make_pod("mine", kLabels, "uid-web-1"),
  };
  pods[4]["metadata"]["deletionTimestamp"] = now_at(0);
  ReplicaSetPlan p = plan_replicaset(rs_with(2), ptrs(pods), now_at(0));
  ASSERT_EQ(p.adopt.size(), 1u);
  EXPECT_EQ(p.adopt[0].name, "orphan");
  EXPECT_EQ(p.adopt[0].patch["metadata"]["ownerReferences"][0]["uid"], "uid-web-1");
  EXPECT_EQ(p.adopt[0].patch["metadata"]["uid"], "uid-orphan");
  ASSERT_EQ(p.release.size(), 1u);
  EXPECT_EQ(p.release[0].name, "relabelled");
  EXPECT_EQ(
      p.release[0].patch,
      json::parse(
          R"({"metadata":{"ownerReferences":[{"$patch":"delete","uid":"uid-web-1"}],"uid":"uid-relabelled"}})"));
  EXPECT_TRUE(p.create.empty());  // mine + adopted orphan = 2
  EXPECT_TRUE(p.delete_pods.empty());
  ASSERT_TRUE(p.status);
  EXPECT_EQ((*p.status)["replicas"], 2);
}

TEST(ReplicaSetPlan, DeletedReplicaSetOnlyReportsStatus) {
  json rs = rs_with(3);
  rs["metadata"]["deletionTimestamp"] = now_at(0);
  std::vector<json> pods = {make_pod("orphan", kLabels),
                            make_pod("relabelled", {{"app", "x"}}, "uid-web-1"),
                            make_pod("mine", kLabels, "uid-web-1")};
  ReplicaSetPlan p = plan_replicaset(rs, ptrs(pods), now_at(0));
  EXPECT_TRUE(p.adopt.empty());
  EXPECT_TRUE(p.release.empty());
  EXPECT_TRUE(p.create.empty());
  ASSERT_TRUE(p.status);
  EXPECT_EQ((*p.status)["replicas"], 1);
}

TEST(ReplicaSetPlan, StatusCountsAndMinReadySeconds) {
  json rs = rs_with(4);
  rs["metadata"]["generation"] = 7;
  rs["spec"]["minReadySeconds"] = 30;
  rs["spec"]["template"]["metadata"]["labels"]["tier"] = "fe";  // selector stays app=web
  std::vector<json> pods;
  json full = {{"app", "web"}, {"tier", "fe"}, {"extra", "x"}};
  pods.push_back(make_pod("ready-long", full, "uid-web-1"));
  testing::set_ready(pods.back(), 0);
  pods.push_back(make_pod("ready-boundary", full, "uid-web-1"));
  testing::set_ready(pods.back(), 70);
  pods.push_back(make_pod("ready-new", kLabels, "uid-web-1"));  // not fully labelled
  testing::set_ready(pods.back(), 95);
  pods.push_back(make_pod("unready", full, "uid-web-1"));
  ReplicaSetPlan p = plan_replicaset(rs, ptrs(pods), now_at(100));
  ASSERT_TRUE(p.status);
  // ready-boundary became ready 30s ago exactly: not yet available (strictly more).
  EXPECT_EQ(*p.status, json::parse(R"({"replicas":4,"fullyLabeledReplicas":3,"readyReplicas":3,
                                       "availableReplicas":1,"observedGeneration":7})"));
  ASSERT_TRUE(p.requeue_after_seconds);
  EXPECT_EQ(*p.requeue_after_seconds, 1);  // ready-boundary is available 1s later

  rs["status"] = *p.status;
  ReplicaSetPlan again = plan_replicaset(rs, ptrs(pods), now_at(100));
  EXPECT_FALSE(again.status);
  ReplicaSetPlan later = plan_replicaset(rs, ptrs(pods), now_at(101));
  ASSERT_TRUE(later.status);
  EXPECT_EQ((*later.status)["availableReplicas"], 2);
  EXPECT_EQ(*later.requeue_after_seconds, 25);  // ready-new: 95 + 30 - 101 = 24, +1
}

TEST(ReplicaSetPlan, StatusKeepsConditionsAndDropsZeroCounts) {
  json rs = rs_with(0);
  rs["status"] = {{"replicas", 2},
                  {"readyReplicas", 2},
                  {"observedGeneration", 1},
                  {"conditions", json::array({{{"type", "ReplicaFailure"}, {"status", "True"}}})}};
  ReplicaSetPlan p = plan_replicaset(rs, {}, now_at(0));
  ASSERT_TRUE(p.status);
  EXPECT_EQ(*p.status, json::parse(R"({"replicas":0,"observedGeneration":1,
      "conditions":[{"type":"ReplicaFailure","status":"True"}]})"));
}

TEST(ReplicaSetPlan, BadInputIsAnErrorNotAnException) {
  json rs = rs_with(1);
  rs["spec"]["selector"] = {
      {"matchExpressions", json::array({{{"key", "a"}, {"operator", "Bogus"}}})}};
  EXPECT_NE(plan_replicaset(rs, {}, now_at(0)).error, "");
  EXPECT_NE(plan_replicaset(rs_with(1), {}, "yesterday").error, "");
  json weird = json::array({1, 2});
  std::vector<json> pods = {json("not a pod"), json::object()};
  ReplicaSetPlan p = plan_replicaset(weird, ptrs(pods), now_at(0));
  EXPECT_TRUE(p.create.size() <= 1);
}

}  // namespace
}  // namespace v6k::kube::workloads
