// plan_endpoint_slices: slice shape for the seed service, steady state, updates, port
// splits, the 100-endpoint limit, placeholders and ownership.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "fixtures.h"
#include "kube/controllers/netplan/endpointslices.h"

namespace v6k::kube::netplan {
namespace {

using namespace testing;

// What the API server would store for a planned create: a name, uid and resourceVersion.
json stored(json slice, const std::string& name, int rv = 100) {
  slice["metadata"].erase("generateName");
  slice["metadata"]["name"] = name;
  slice["metadata"]["uid"] = "uid-" + name;
  slice["metadata"]["resourceVersion"] = std::to_string(rv);
  return slice;
}

std::vector<json> seed_pods() {
  return {make_pod({.name = "my-app-1", .ip = "fd00:1:0:1::a"}),
          make_pod({.name = "my-app-2", .ip = "fd00:1:0:2::a", .node = "node-b"}),
          make_pod({.name = "my-app-3", .ip = "fd00:1:0:1::b", .ready = false})};
}

EndpointSlicePlan plan(const json& svc, const std::vector<json>& pods, const std::vector<json>& slices,
                       const EndpointSliceOptions& opt = {}) {
  auto p = ptrs(pods);
  auto s = ptrs(slices);
  return plan_endpoint_slices(svc, p, s, opt);
}

TEST(EndpointSlices, SeedServiceShape) {
  std::unordered_map<std::string, std::string> zones = {{"node-a", "us-east-1a"}};
  EndpointSliceOptions opt;
  opt.node_zones = &zones;
  opt.trigger_time = "2025-01-01T00:00:01.5Z";
  auto p = plan(seed_service(), seed_pods(), {}, opt);
  ASSERT_EQ(p.creates.size(), 1u);
  EXPECT_TRUE(p.updates.empty());
  EXPECT_TRUE(p.deletes.empty());
  json want = json::parse(R"({
    "apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice", "addressType": "IPv6",
    "metadata": {
      "generateName": "my-app-", "namespace": "default",
      "labels": {"app": "my-app", "kubernetes.io/service-name": "my-app",
                 "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io"},
      "annotations": {"endpoints.kubernetes.io/last-change-trigger-time": "2025-01-01T00:00:01.5Z"},
      "ownerReferences": [{"apiVersion": "v1", "kind": "Service", "name": "my-app", "uid": "svc-uid-my-app",
                           "controller": true, "blockOwnerDeletion": true}]},
    "ports": [{"name": "", "port": 80, "protocol": "TCP"}],
    "endpoints": [
      {"addresses": ["fd00:1:0:1::a"], "conditions": {"ready": true, "serving": true, "terminating": false},
       "nodeName": "node-a", "zone": "us-east-1a",
       "targetRef": {"kind": "Pod", "namespace": "default", "name": "my-app-1", "uid": "uid-my-app-1"}},
      {"addresses": ["fd00:1:0:1::b"], "conditions": {"ready": false, "serving": false, "terminating": false},
       "nodeName": "node-a", "zone": "us-east-1a",
       "targetRef": {"kind": "Pod", "namespace": "default", "name": "my-app-3", "uid": "uid-my-app-3"}},
      {"addresses": ["fd00:1:0:2::a"], "conditions": {"ready": true, "serving": true, "terminating": false},
       "nodeName": "node-b",
       "targetRef": {"kind": "Pod", "namespace": "default", "name": "my-app-2", "uid": "uid-my-app-2"}}
    ]})");
  EXPECT_EQ(p.creates[0], want) << p.creates[0].dump(2);
}

TEST(EndpointSlices, SteadyStateIsANoOp) {
  json svc = seed_service();
  auto first = plan(svc, seed_pods(), {});
  ASSERT_EQ(first.creates.size(), 1u);
  json slice = stored(first.creates[0], "my-app-x7k2p");
  // Reordered endpoints and pod resourceVersions in targetRef do not count as changes.
  std::reverse(slice["endpoints"].begin(), slice["endpoints"].end());
  for (auto& ep : slice["endpoints"]) ep["targetRef"]["resourceVersion"] = "77";
  auto again = plan(svc, seed_pods(), {slice});
  EXPECT_TRUE(again.empty()) << again.updates.size() << " updates";
}

TEST(EndpointSlices, ReadinessChangeUpdatesInPlace) {
  json svc = seed_service();
  json slice = stored(plan(svc, seed_pods(), {}).creates[0], "my-app-x7k2p", 41);
  auto pods = seed_pods();
  pods[2] = make_pod({.name = "my-app-3", .ip = "fd00:1:0:1::b", .ready = true});
  auto p = plan(svc, pods, {slice});
  ASSERT_EQ(p.updates.size(), 1u);
  EXPECT_TRUE(p.creates.empty());
  EXPECT_TRUE(p.deletes.empty());
  const json& u = p.updates[0];
  EXPECT_EQ(u["metadata"]["name"], "my-app-x7k2p");
  EXPECT_EQ(u["metadata"]["resourceVersion"], "41");
  for (const auto& ep : u["endpoints"]) EXPECT_EQ(ep["conditions"]["ready"], true) << ep.dump();

  // A removed pod shrinks the slice; removing all pods leaves the placeholder shape.
  pods.pop_back();
  auto shrink = plan(svc, pods, {slice});
  ASSERT_EQ(shrink.updates.size(), 1u);
  EXPECT_EQ(shrink.updates[0]["endpoints"].size(), 2u);
  auto none = plan(svc, {}, {slice});
  ASSERT_EQ(none.updates.size(), 1u);  // delete + placeholder create paired into one update
  EXPECT_TRUE(none.creates.empty());
  EXPECT_TRUE(none.deletes.empty());
  EXPECT_EQ(none.updates[0]["metadata"]["name"], "my-app-x7k2p");
  EXPECT_EQ(none.updates[0]["endpoints"], json::array());
  EXPECT_EQ(none.updates[0]["ports"], json::array());
}

TEST(EndpointSlices, PlaceholderWhenNoPodsAndReuse) {
  json svc = seed_service();
  auto p = plan(svc, {}, {});
  ASSERT_EQ(p.creates.size(), 1u);
  EXPECT_EQ(p.creates[0]["endpoints"], json::array());
  EXPECT_EQ(p.creates[0]["ports"], json::array());
  json ph = stored(p.creates[0], "my-app-ph");
  ph.erase("endpoints");  // the API server may drop an empty list
  EXPECT_TRUE(plan(svc, {}, {ph}).empty());
  // Pods appear: the placeholder is rewritten, not deleted and recreated.
  auto grown = plan(svc, seed_pods(), {ph});
  EXPECT_TRUE(grown.creates.empty());
  EXPECT_TRUE(grown.deletes.empty());
  ASSERT_EQ(grown.updates.size(), 1u);
  EXPECT_EQ(grown.updates[0]["metadata"]["name"], "my-app-ph");
  EXPECT_EQ(grown.updates[0]["metadata"]["resourceVersion"], "100");
  EXPECT_EQ(grown.updates[0]["endpoints"].size(), 3u);
}

TEST(EndpointSlices, NamedTargetPortSplitsSlices) {
  json svc = seed_service();
  svc["spec"]["ports"] = {{{"name", "web"}, {"port", 80}, {"targetPort", "http"}, {"protocol", "TCP"}, {"appProtocol", "http"}}};
  json http8080 = {{{"name", "http"}, {"containerPort", 8080}}};
  json http9090 = {{{"name", "http"}, {"containerPort", 9090}, {"protocol", "TCP"}}};
  json udp_only = {{{"name", "http"}, {"containerPort", 7070}, {"protocol", "UDP"}}};
  std::vector<json> pods = {make_pod({.name = "a", .ip = "fd00::a", .container_ports = http8080}),
                            make_pod({.name = "b", .ip = "fd00::b", .container_ports = http8080}),
                            make_pod({.name = "c", .ip = "fd00::c", .container_ports = http9090}),
                            make_pod({.name = "d", .ip = "fd00::d", .container_ports = udp_only})};
  auto p = plan(svc, pods, {});
  ASSERT_EQ(p.creates.size(), 3u);
  std::map<std::string, size_t> by_port;
  for (const auto& s : p.creates) {
    std::string key = s["ports"].empty() ? "none" : std::to_string(s["ports"][0]["port"].get<int>());
    by_port[key] = s["endpoints"].size();
    if (!s["ports"].empty()) {
      EXPECT_EQ(s["ports"][0], (json{{"name", "web"}, {"port", s["ports"][0]["port"]}, {"protocol", "TCP"}, {"appProtocol", "http"}}));
    }
  }
  EXPECT_EQ(by_port, (std::map<std::string, size_t>{{"8080", 2}, {"9090", 1}, {"none", 1}}));
}

TEST(EndpointSlices, AtMostHundredPerSliceAndMinimalChurn) {
  json svc = seed_service();
  std::vector<json> pods;
  for (int i = 0; i < 250; ++i) {
    char ip[32];
    std::snprintf(ip, sizeof ip, "fd00:1::%x", i + 1);
    pods.push_back(make_pod({.name = "p" + std::to_string(i), .ip = ip}));
  }
  auto p = plan(svc, pods, {});
  ASSERT_EQ(p.creates.size(), 3u);
  std::vector<size_t> sizes;
  for (const auto& s : p.creates) sizes.push_back(s["endpoints"].size());
  std::sort(sizes.begin(), sizes.end());
  EXPECT_EQ(sizes, (std::vector<size_t>{50, 100, 100}));

  std::vector<json> slices;
  for (size_t i = 0; i < p.creates.size(); ++i) slices.push_back(stored(p.creates[i], "s" + std::to_string(i)));
  std::shuffle(pods.begin(), pods.end(), std::mt19937(3));
  EXPECT_TRUE(plan(svc, pods, slices).empty());

  // One pod gone: exactly one slice rewritten. Ten new pods: they fill the 50-slice.
  pods.pop_back();
  auto one = plan(svc, pods, slices);
  EXPECT_EQ(one.updates.size(), 1u);
  EXPECT_TRUE(one.creates.empty());
  EXPECT_TRUE(one.deletes.empty());
  std::vector<json> more = pods;
  for (int i = 0; i < 10; ++i) more.push_back(make_pod({.name = "n" + std::to_string(i), .ip = "fd00:2::" + std::to_string(i + 1)}));
  auto fill = plan(svc, more, slices);
  EXPECT_TRUE(fill.creates.empty());
  ASSERT_GE(fill.updates.size(), 1u);
  size_t total = 0;
  for (const auto& u : fill.updates) {
    EXPECT_LE(u["endpoints"].size(), 100u);
    total += u["endpoints"].size();
  }
  EXPECT_LE(fill.updates.size(), 2u);
  EXPECT_GE(total, 59u);
}

TEST(EndpointSlices, PodFilteringAndConditions) {
  json svc = seed_service();
  std::vector<json> pods = {
      make_pod({.name = "term", .ip = "fd00::1", .ready = true, .terminating = true}),
      make_pod({.name = "done", .ip = "fd00::2", .phase = "Succeeded"}),
      make_pod({.name = "noip", .ip = ""}),
      make_pod({.name = "other", .ip = "fd00::3", .labels = {{"app", "other"}}}),
      make_pod({.name = "v4", .ip = "10.0.0.4"}),
  };
  auto p = plan(svc, pods, {});
  // "v4" has no IPv6 address: it only opens an (empty) port group; "term" is listed.
  ASSERT_EQ(p.creates.size(), 1u);
  ASSERT_EQ(p.creates[0]["endpoints"].size(), 1u);
  EXPECT_EQ(p.creates[0]["endpoints"][0]["conditions"],
            (json{{"ready", false}, {"serving", true}, {"terminating", true}}));
  svc["spec"]["publishNotReadyAddresses"] = true;
  auto pub = plan(svc, pods, {});
  ASSERT_EQ(pub.creates.size(), 1u);
  EXPECT_EQ(pub.creates[0]["endpoints"][0]["conditions"]["ready"], true);
}

TEST(EndpointSlices, SelectorlessExternalNameForeignAndOtherFamily) {
  json svc = seed_service();
  json user_slice = stored(plan(svc, seed_pods(), {}).creates[0], "user-made");
  json bare = svc;
  bare["spec"].erase("selector");
  EXPECT_TRUE(plan(bare, seed_pods(), {user_slice}).empty());
  json ext = svc;
  ext["spec"]["type"] = "ExternalName";
  EXPECT_TRUE(plan(ext, seed_pods(), {user_slice}).empty());

  // A slice owned by an older Service of the same name is replaced; an IPv4 slice of an
  // IPv6-only Service is deleted.
  json foreign = user_slice;
  foreign["metadata"]["ownerReferences"][0]["uid"] = "old-uid";
  json v4 = user_slice;
  v4["metadata"]["name"] = "v4-slice";
  v4["addressType"] = "IPv4";
  auto p = plan(svc, seed_pods(), {foreign, v4});
  EXPECT_EQ(p.creates.size(), 1u);  // not owned: never rewritten, created afresh
  EXPECT_TRUE(p.updates.empty());
  std::sort(p.deletes.begin(), p.deletes.end());
  EXPECT_EQ(p.deletes, (std::vector<std::string>{"user-made", "v4-slice"}));
}

TEST(EndpointSlices, LabelsFollowServiceAndHeadless) {
  json svc = seed_service();
  json slice = stored(plan(svc, seed_pods(), {}).creates[0], "s1");
  svc["metadata"]["labels"]["tier"] = "web";
  auto p = plan(svc, seed_pods(), {slice});
  ASSERT_EQ(p.updates.size(), 1u);
  EXPECT_EQ(p.updates[0]["metadata"]["labels"]["tier"], "web");

  json headless = seed_service();
  headless["spec"]["clusterIP"] = "None";
  headless["spec"]["clusterIPs"] = {"None"};
  auto h = plan(headless, seed_pods(), {});
  ASSERT_EQ(h.creates.size(), 1u);
  EXPECT_EQ(h.creates[0]["metadata"]["labels"]["service.kubernetes.io/headless"], "");
  // Reserved labels alone never trigger an update.
  EXPECT_TRUE(plan(headless, seed_pods(), {stored(h.creates[0], "h1")}).empty());
}

}  // namespace
}  // namespace v6k::kube::netplan
