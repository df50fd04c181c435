// plan_endpoints: the v1 Endpoints object shape, steady state, headless, repacking,
// terminating pods and the 1000-address cap.
#include <gtest/gtest.h>

#include <algorithm>

#include "fixtures.h"
#include "kube/controllers/netplan/endpoints.h"

namespace v6k::kube::netplan {
namespace {

using namespace testing;

std::vector<json> seed_pods() {
  return {make_pod({.name = "my-app-2", .ip = "fd00:1:0:2::a", .node = "node-b"}),
          make_pod({.name = "my-app-1", .ip = "fd00:1:0:1::a"}),
          make_pod({.name = "my-app-3", .ip = "fd00:1:0:1::b", .ready = false})};
}

std::optional<json> plan(const json& svc, const std::vector<json>& pods, const json* existing, std::string_view trigger = {}) {
  auto p = ptrs(pods);
  return plan_endpoints(svc, p, existing, trigger);
}

json addr(const char* ip, const char* pod, const char* node) {
  return {{"ip", ip}, {"nodeName", node},
          {"targetRef", {{"kind", "Pod"}, {"namespace", "default"}, {"name", pod}, {"uid", std::string("uid-") + pod}}}};
}

TEST(Endpoints, SeedServiceShape) {
  auto e = plan(seed_service(), seed_pods(), nullptr, "2025-01-01T00:00:01Z");
  ASSERT_TRUE(e);
  json want = {
      {"apiVersion", "v1"},
      {"kind", "Endpoints"},
      {"metadata",
       {{"name", "my-app"},
        {"namespace", "default"},
        {"labels", {{"app", "my-app"}}},
        {"annotations", {{"endpoints.kubernetes.io/last-change-trigger-time", "2025-01-01T00:00:01Z"}}}}},
      {"subsets",
       {{{"addresses", {addr("fd00:1:0:1::a", "my-app-1", "node-a"), addr("fd00:1:0:2::a", "my-app-2", "node-b")}},
         {"notReadyAddresses", {addr("fd00:1:0:1::b", "my-app-3", "node-a")}},
         {"ports", {{{"name", ""}, {"port", 80}, {"protocol", "TCP"}}}}}}}};
  EXPECT_EQ(*e, want) << e->dump(2);
  // Without a trigger time there are no annotations at all.
  auto plain = plan(seed_service(), seed_pods(), nullptr);
  ASSERT_TRUE(plain);
  EXPECT_FALSE((*plain)["metadata"].contains("annotations"));
}

TEST(Endpoints, SteadyStateAndChanges) {
  json svc = seed_service();
  json existing = *plan(svc, seed_pods(), nullptr, "2025-01-01T00:00:01Z");
  existing["metadata"]["resourceVersion"] = "300";
  // Order and pod resourceVersions do not matter.
  auto& ready = existing["subsets"][0]["addresses"];
  std::reverse(ready.begin(), ready.end());
  ready[0]["targetRef"]["resourceVersion"] = "9";
  EXPECT_FALSE(plan(svc, seed_pods(), &existing, "2025-01-01T00:00:09Z"));

  // A pod turning ready rewrites the object, keeping its metadata.
  auto pods = seed_pods();
  pods[2] = make_pod({.name = "my-app-3", .ip = "fd00:1:0:1::b"});
  auto upd = plan(svc, pods, &existing);
  ASSERT_TRUE(upd);
  EXPECT_EQ((*upd)["metadata"]["resourceVersion"], "300");
  EXPECT_EQ((*upd)["subsets"][0]["addresses"].size(), 3u);
  EXPECT_FALSE((*upd)["subsets"][0].contains("notReadyAddresses"));
  EXPECT_FALSE((*upd)["metadata"].contains("annotations"));  // no trigger: annotation removed

  // Service labels changing also rewrites it.
  json relabeled = svc;
  relabeled["metadata"]["labels"]["tier"] = "web";
  auto lab = plan(relabeled, seed_pods(), &existing);
  ASSERT_TRUE(lab);
  EXPECT_EQ((*lab)["metadata"]["labels"], (json{{"app", "my-app"}, {"tier", "web"}}));
}

TEST(Endpoints, HeadlessLabelAndPortlessSubsets) {
  json svc = seed_service();
  svc["spec"]["clusterIP"] = "None";
  svc["spec"].erase("ports");
  auto e = plan(svc, seed_pods(), nullptr);
  ASSERT_TRUE(e);
  EXPECT_EQ((*e)["metadata"]["labels"], (json{{"app", "my-app"}, {"service.kubernetes.io/headless", ""}}));
  ASSERT_EQ((*e)["subsets"].size(), 1u);
  EXPECT_FALSE((*e)["subsets"][0].contains("ports"));
  EXPECT_EQ((*e)["subsets"][0]["addresses"].size(), 2u);
  json existing = *e;
  existing["metadata"]["resourceVersion"] = "1";
  EXPECT_FALSE(plan(svc, seed_pods(), &existing));  // the headless label is not a difference

  // Not headless and no ports: no subsets at all.
  json ported = seed_service();
  ported["spec"].erase("ports");
  auto none = plan(ported, seed_pods(), nullptr);
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->contains("subsets"));
}

TEST(Endpoints, RepackGroupsPortsBySharedAddresses) {
  json svc = seed_service();
  svc["spec"]["ports"] = {{{"name", "web"}, {"port", 80}, {"targetPort", 80}, {"protocol", "TCP"}},
                          {{"name", "metrics"}, {"port", 9100}, {"targetPort", "metrics"}, {"protocol", "TCP"}}};
  std::vector<json> pods = {
      make_pod({.name = "a", .ip = "fd00::a", .container_ports = {{{"name", "metrics"}, {"containerPort", 9100}}}}),
      make_pod({.name = "b", .ip = "fd00::b"})};
  auto e = plan(svc, pods, nullptr);
  ASSERT_TRUE(e);
  json subsets = (*e)["subsets"];
  ASSERT_EQ(subsets.size(), 2u) << subsets.dump();
  std::map<std::string, size_t> addrs_by_port;
  for (const auto& s : subsets) {
    ASSERT_EQ(s["ports"].size(), 1u);
    addrs_by_port[s["ports"][0]["name"]] = s["addresses"].size();
  }
  EXPECT_EQ(addrs_by_port, (std::map<std::string, size_t>{{"metrics", 1}, {"web", 2}}));
}

TEST(Endpoints, TerminatingPodsAndPublishNotReady) {
  json svc = seed_service();
  std::vector<json> pods = {make_pod({.name = "t", .ip = "fd00::1", .terminating = true}),
                            make_pod({.name = "n", .ip = "fd00::2", .ready = false}),
                            make_pod({.name = "v4only", .ip = "10.0.0.9"})};
  auto e = plan(svc, pods, nullptr);
  ASSERT_TRUE(e);
  ASSERT_EQ((*e)["subsets"].size(), 1u);
  EXPECT_FALSE((*e)["subsets"][0].contains("addresses"));
  EXPECT_EQ((*e)["subsets"][0]["notReadyAddresses"], json::array({addr("fd00::2", "n", "node-a")}));
  svc["spec"]["publishNotReadyAddresses"] = true;
  auto pub = plan(svc, pods, nullptr);
  ASSERT_TRUE(pub);
  EXPECT_EQ((*pub)["subsets"][0]["addresses"].size(), 2u);  // terminating included, all "ready"
  EXPECT_FALSE((*pub)["subsets"][0].contains("notReadyAddresses"));
}

TEST(Endpoints, NoEndpointsForSelectorlessOrExternalName) {
  json bare = seed_service();
  bare["spec"].erase("selector");
  EXPECT_FALSE(plan(bare, seed_pods(), nullptr));
  json ext = seed_service();
  ext["spec"]["type"] = "ExternalName";
  EXPECT_FALSE(plan(ext, seed_pods(), nullptr));
}

TEST(Endpoints, OverCapacityIsTruncated) {
  json svc = seed_service();
  std::vector<json> pods;
  for (int i = 0; i < 1005; ++i) {
    char ip[32];
    std::snprintf(ip, sizeof ip, "fd00:3::%x", i + 1);
    pods.push_back(make_pod({.name = "p" + std::to_string(i), .ip = ip, .ready = i < 990}));
  }
  auto e = plan(svc, pods, nullptr);
  ASSERT_TRUE(e);
  EXPECT_EQ((*e)["metadata"]["annotations"]["endpoints.kubernetes.io/over-capacity"], "truncated");
  EXPECT_EQ((*e)["subsets"][0]["addresses"].size(), 990u);
  EXPECT_EQ((*e)["subsets"][0]["notReadyAddresses"].size(), 10u);
}

}  // namespace
}  // namespace v6k::kube::netplan
