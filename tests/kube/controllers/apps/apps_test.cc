// The ReplicaSet and Deployment controllers in a ControllerManager against a real API
// server, driven by the real kubectl: the seed's Deployment rolls out, an image change
// rolls within maxSurge/maxUnavailable, `rollout undo` and `scale` work, a ReplicaSet
// replaces lost pods and adopts orphans, and a manager restarted mid-rollout finishes it.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "kube/client/client.h"
#include "kube/controllers/manager/manager.h"
#include "support/fake_kubelet.h"
#include "support/kube_cluster.h"

namespace v6k::kube {
namespace {

using namespace std::chrono_literals;
using testing::FakeKubelet;
using testing::KubeCluster;

std::string manifest() {
  const char* src = std::getenv("V6K_SOURCE_DIR");
  return std::string(src ? src : ".") + "/tests/kube/apiserver/testdata/sample-service.yml";
}

template <class Pred>
bool eventually(Pred p, std::chrono::milliseconds limit = 15s) {
  auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (p()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return p();
}

class AppsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(k_.ok()) << k_.error();
    config_ = {.host = "::1", .port = k_.port(), .ca_pem = k_.ca_pem(), .token = KubeCluster::kAdminToken};
    auto c = Client::create(config_);
    ASSERT_TRUE(c);
    client_ = *c;
    start_manager();
    kubelet_ = std::make_unique<FakeKubelet>(client_);
  }
  void TearDown() override {
    if (kubelet_) kubelet_->stop();
    if (cm_) cm_->stop();
  }
  void start_manager() {
    auto cm = ControllerManager::start({.client = config_, .enabled = {"replicaset", "deployment"}});
    ASSERT_TRUE(cm) << cm.error().message();
    cm_ = std::move(*cm);
  }

  json pods(const std::string& ns, const std::string& selector = "app=my-app") {
    auto r = client_->list("/api/v1/namespaces/" + ns + "/pods", "labelSelector=" + query_escape(selector));
    return r ? (*r)["items"] : json::array();
  }
  json replicasets(const std::string& ns) {
    auto r = client_->list("/apis/apps/v1/namespaces/" + ns + "/replicasets");
    return r ? (*r)["items"] : json::array();
  }
  void apply_seed() {
    ASSERT_EQ(k_.kubectl({"create", "namespace", "aws-news-blog"}).out, "namespace/aws-news-blog created\n");
    auto r = k_.kubectl({"apply", "-f", manifest()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  void rollout_status() {
    auto r = k_.kubectl({"rollout", "status", "deployment/my-deployment", "-n", "aws-news-blog", "--timeout=30s"});
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("deployment \"my-deployment\" successfully rolled out"), std::string::npos) << r.out;
  }

  KubeCluster k_;
  ClientConfig config_;
  std::shared_ptr<Client> client_;
  std::unique_ptr<ControllerManager> cm_;
  std::unique_ptr<FakeKubelet> kubelet_;
};

std::string image_of(const json& pod) { return pod["spec"]["containers"][0].value("image", ""); }

TEST_F(AppsTest, SeedDeploymentRollsOut) {
  apply_seed();
  rollout_status();
  auto rss = replicasets("aws-news-blog");
  ASSERT_EQ(rss.size(), 1u);
  const auto& rs = rss[0];
  const std::string hash = rs["metadata"]["labels"].value("pod-template-hash", "");
  EXPECT_EQ(rs["metadata"]["name"], "my-deployment-" + hash);
  EXPECT_EQ(rs["metadata"]["annotations"].value("deployment.kubernetes.io/revision", ""), "1");
  EXPECT_EQ(rs["metadata"]["ownerReferences"][0]["kind"], "Deployment");
  auto ps = pods("aws-news-blog");
  ASSERT_EQ(ps.size(), 3u);
  for (const auto& p : ps) {
    EXPECT_EQ(p["metadata"]["ownerReferences"][0]["name"], rs["metadata"]["name"]);
    EXPECT_EQ(p["metadata"]["name"].get<std::string>().rfind("my-deployment-" + hash + "-", 0), 0u);
    EXPECT_EQ(p["spec"]["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"][0]
                  ["matchExpressions"][0]["key"],
              "beta.kubernetes.io/arch");
  }
  auto get = k_.kubectl({"get", "deployment", "my-deployment", "-n", "aws-news-blog", "--no-headers"});
  EXPECT_EQ(get.out.substr(0, get.out.find_last_of(' ')).find("3/3"), std::string("my-deployment   ").size()) << get.out;
  auto events = k_.kubectl({"get", "events", "-n", "aws-news-blog", "-o", "jsonpath={.items[*].reason}"});
  EXPECT_NE(events.out.find("ScalingReplicaSet"), std::string::npos) << events.out;
  EXPECT_NE(events.out.find("SuccessfulCreate"), std::string::npos) << events.out;
}

TEST_F(AppsTest, ImageChangeRollsWithinBoundsAndUndoes) {
  apply_seed();
  rollout_status();
  // Watch the pods while rolling: defaults on 3 replicas are maxSurge 1, maxUnavailable 0.
  std::atomic<bool> done{false};
  std::atomic<int> max_active{0}, min_ready{99};
  std::thread monitor([&] {
    while (!done) {
      int active = 0, ready = 0;
      for (const auto& p : pods("aws-news-blog")) {
        if (p["metadata"].contains("deletionTimestamp")) continue;
        active++;
        if (p["status"].value("phase", "") == "Running") ready++;
      }
      max_active = std::max(max_active.load(), active);
      min_ready = std::min(min_ready.load(), ready);
      std::this_thread::sleep_for(3ms);
    }
  });
  auto set = k_.kubectl({"set", "image", "deployment/my-deployment", "nginx=nginx:1.25", "-n", "aws-news-blog"});
  EXPECT_EQ(set.out, "deployment.apps/my-deployment image updated\n") << set.err;
  rollout_status();
  done = true;
  monitor.join();
  EXPECT_LE(max_active.load(), 4);
  EXPECT_GE(min_ready.load(), 3);
  auto ps = pods("aws-news-blog");
  ASSERT_EQ(ps.size(), 3u);
  for (const auto& p : ps) EXPECT_EQ(image_of(p), "nginx:1.25");
  EXPECT_EQ(replicasets("aws-news-blog").size(), 2u);

  auto history = k_.kubectl({"rollout", "history", "deployment/my-deployment", "-n", "aws-news-blog"});
  EXPECT_NE(history.out.find("1         <none>"), std::string::npos) << history.out;
  EXPECT_NE(history.out.find("2         <none>"), std::string::npos) << history.out;

  auto undo = k_.kubectl({"rollout", "undo", "deployment/my-deployment", "-n", "aws-news-blog"});
  EXPECT_EQ(undo.out, "deployment.apps/my-deployment rolled back\n") << undo.err;
  rollout_status();
  ps = pods("aws-news-blog");
  ASSERT_EQ(ps.size(), 3u);
  for (const auto& p : ps) EXPECT_EQ(image_of(p), "public.ecr.aws/z9d2n7e1/nginx:1.19.5");
  auto rss = replicasets("aws-news-blog");
  ASSERT_EQ(rss.size(), 2u) << "the old ReplicaSet is reused, not copied";
  bool revision3 = false;
  for (const auto& rs : rss)
    if (rs["metadata"]["annotations"].value("deployment.kubernetes.io/revision", "") == "3") {
      revision3 = true;
      EXPECT_EQ(rs["spec"]["replicas"], 3);
    }
  EXPECT_TRUE(revision3);
}

TEST_F(AppsTest, ScaleUpAndDown) {
  apply_seed();
  rollout_status();
  auto up = k_.kubectl({"scale", "deployment/my-deployment", "--replicas=5", "-n", "aws-news-blog"});
  EXPECT_EQ(up.out, "deployment.apps/my-deployment scaled\n") << up.err;
  EXPECT_TRUE(eventually([&] { return pods("aws-news-blog").size() == 5; }));
  rollout_status();
  ASSERT_EQ(k_.kubectl({"scale", "deployment/my-deployment", "--replicas=1", "-n", "aws-news-blog"}).exit_code, 0);
  EXPECT_TRUE(eventually([&] { return pods("aws-news-blog").size() == 1; }));
  rollout_status();
  auto d = client_->get("/apis/apps/v1/namespaces/aws-news-blog/deployments/my-deployment");
  ASSERT_TRUE(d);
  EXPECT_EQ((*d)["status"].value("replicas", -1), 1);
  EXPECT_EQ((*d)["status"].value("availableReplicas", -1), 1);
}

TEST_F(AppsTest, ReplicaSetReplacesPodsAndAdoptsOrphans) {
  json rs = {{"apiVersion", "apps/v1"},
             {"kind", "ReplicaSet"},
             {"metadata", {{"name", "web"}}},
             {"spec",
              {{"replicas", 2},
               {"selector", {{"matchLabels", {{"app", "web"}}}}},
               {"template",
                {{"metadata", {{"labels", {{"app", "web"}}}}},
                 {"spec", {{"containers", json::array({{{"name", "c"}, {"image", "nginx"}}})}}}}}}}};
  ASSERT_TRUE(client_->create("/apis/apps/v1/namespaces/default/replicasets", rs));
  EXPECT_TRUE(eventually([&] { return pods("default", "app=web").size() == 2; }));
  auto first = pods("default", "app=web");
  ASSERT_EQ(first.size(), 2u);
  const std::string victim = first[0]["metadata"]["name"];
  ASSERT_TRUE(client_->remove("/api/v1/namespaces/default/pods/" + victim));
  EXPECT_TRUE(eventually([&] {
    auto now = pods("default", "app=web");
    if (now.size() != 2) return false;
    for (const auto& p : now)
      if (p["metadata"]["name"] == victim) return false;
    return true;
  }));
  // An orphan with matching labels is adopted, so one pod too many is deleted.
  json orphan = {{"apiVersion", "v1"},
                 {"kind", "Pod"},
                 {"metadata", {{"name", "stray"}, {"labels", {{"app", "web"}}}}},
                 {"spec", {{"containers", json::array({{{"name", "c"}, {"image", "nginx"}}})}}}};
  ASSERT_TRUE(client_->create("/api/v1/namespaces/default/pods", orphan));
  EXPECT_TRUE(eventually([&] {
    auto now = pods("default", "app=web");
    if (now.size() != 2) return false;
    for (const auto& p : now)
      if (!p["metadata"].contains("ownerReferences")) return false;
    return true;
  }));
  auto got = client_->get("/apis/apps/v1/namespaces/default/replicasets/web");
  ASSERT_TRUE(got);
  EXPECT_TRUE(eventually([&] {
    auto g = client_->get("/apis/apps/v1/namespaces/default/replicasets/web");
    return g && (*g)["status"].value("readyReplicas", 0) == 2 && (*g)["status"].value("replicas", 0) == 2;
  }));
}

TEST_F(AppsTest, RestartedManagerFinishesTheRollout) {
  apply_seed();
  rollout_status();
  kubelet_->set_ready(false);  // new pods stay Pending: the rollout cannot finish
  ASSERT_EQ(k_.kubectl({"set", "image", "deployment/my-deployment", "nginx=nginx:1.25", "-n", "aws-news-blog"}).exit_code, 0);
  EXPECT_TRUE(eventually([&] { return replicasets("aws-news-blog").size() == 2; }));
  cm_->stop();
  cm_.reset();
  kubelet_->set_ready(true);
  start_manager();
  rollout_status();
  for (const auto& p : pods("aws-news-blog")) EXPECT_EQ(image_of(p), "nginx:1.25");
}

}  // namespace
}  // namespace v6k::kube
