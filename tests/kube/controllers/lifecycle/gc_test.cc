// The garbage collector against a real API server: background cascade (a ReplicaSet's
// pods go; a pod with a second, living owner only loses the reference), dangling owner
// references found at once, foreground deletion through two levels, orphan deletion.
// Plus the ownership graph and the kind table it relies on.
#include <gtest/gtest.h>

#include "kube/controllers/lifecycle/lifecycle.h"
#include "kube/controllers/lifecycle/objects.h"
#include "kube/controllers/lifecycle/owner_graph.h"
#include "kube/controllers/network/controller_fixture.h"

namespace v6k::kube {
namespace {

using test::ControllerFixture;
using test::eventually;

json replica_set(const std::string& name, int replicas = 0) {
  json tmpl = {{"metadata", {{"labels", {{"app", name}}}}},
               {"spec", {{"containers", {{{"name", "app"}, {"image", "nginx"}}}}}}};
  return {{"apiVersion", "apps/v1"},
          {"kind", "ReplicaSet"},
          {"metadata", {{"name", name}}},
          {"spec", {{"replicas", replicas}, {"selector", {{"matchLabels", {{"app", name}}}}}, {"template", tmpl}}}};
}

json deployment(const std::string& name) {
  json d = replica_set(name);
  d["kind"] = "Deployment";
  return d;
}

json owned_pod(const std::string& name, const std::vector<json>& owners) {
  json p = test::pod(name, {{"app", "x"}});
  p["metadata"]["ownerReferences"] = owners;
  return p;
}

std::string names(ControllerFixture& f, const std::string& collection) {
  auto r = f.client().list(collection);
  if (!r) return "error";
  std::vector<std::string> v;
  for (const auto& i : (*r)["items"]) v.push_back(i["metadata"]["name"]);
  std::sort(v.begin(), v.end());
  std::string out;
  for (const auto& n : v) out += (out.empty() ? "" : " ") + n;
  return out;
}

struct GcFixture : ::testing::Test {
  void SetUp() override {
    ASSERT_TRUE(f.ok()) << f.error();
    f.add(make_garbage_collector(f.ctx()));
    ASSERT_TRUE(f.start());
  }
  ControllerFixture f;
  const std::string pods = resource_path(kPods, "default");
  const std::string rss = resource_path(kReplicaSets, "default");
};

TEST_F(GcFixture, BackgroundCascadeAndDanglingReferences) {
  json rs = f.create(rss, replica_set("web"));
  json cm = f.create(resource_path(kConfigMapsRef, "default"),
                     {{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"metadata", {{"name", "keeper"}}}});
  for (const char* n : {"web-1", "web-2"}) f.create(pods, owned_pod(n, {test::owner_ref(rs, "apps/v1", "ReplicaSet")}));
  f.create(pods, owned_pod("shared", {test::owner_ref(rs, "apps/v1", "ReplicaSet"),
                                      test::owner_ref(cm, "v1", "ConfigMap", false)}));
  f.create(pods, test::pod("free", {{"app", "x"}}));
  // An owner that never existed: collected without any deletion event.
  json ghost = {{"metadata", {{"name", "ghost"}, {"uid", "00000000-0000-0000-0000-000000000001"}}}};
  f.create(pods, owned_pod("haunted", {test::owner_ref(ghost, "apps/v1", "ReplicaSet")}));
  EXPECT_TRUE(eventually([&] { return names(f, pods) == "free shared web-1 web-2"; })) << names(f, pods);

  auto out = f.cluster().kubectl({"delete", "replicaset", "web"});
  EXPECT_EQ(out.out, "replicaset.apps \"web\" deleted\n") << out.err;
  EXPECT_TRUE(eventually([&] { return names(f, pods) == "free shared"; })) << names(f, pods);
  // The shared pod keeps its living owner only.
  EXPECT_TRUE(eventually([&] {
    json p = f.get(pods + "/shared");
    return p.is_object() && p["metadata"]["ownerReferences"].size() == 1;
  }));
  json shared = f.get(pods + "/shared");
  EXPECT_EQ(shared["metadata"]["ownerReferences"][0]["name"], "keeper") << shared.dump();
}

TEST_F(GcFixture, ForegroundDeletionWaitsForDependents) {
  json d = f.create(resource_path(kDeployments, "default"), deployment("app"));
  json rs = f.create(rss, [&] {
    json r = replica_set("app-1");
    r["metadata"]["ownerReferences"] = {test::owner_ref(d, "apps/v1", "Deployment")};
    return r;
  }());
  for (const char* n : {"app-1-a", "app-1-b"}) f.create(pods, owned_pod(n, {test::owner_ref(rs, "apps/v1", "ReplicaSet")}));
  // kubectl waits until the deployment is gone: the collector must finish the job.
  auto out = f.cluster().kubectl({"delete", "deployment", "app", "--cascade=foreground", "--timeout=20s"});
  EXPECT_EQ(out.out, "deployment.apps \"app\" deleted\n") << out.err;
  EXPECT_EQ(names(f, pods), "");
  EXPECT_EQ(names(f, rss), "");
  EXPECT_TRUE(f.get(resource_path(kDeployments, "default", "app")).is_null());
}

TEST_F(GcFixture, ForegroundOwnerWaitsForTerminatingBlockingPod) {
  json rs = f.create(rss, replica_set("slow"));
  // Bound to a node: deletion is graceful, the owner waits for the "kubelet".
  json p = owned_pod("slow-a", {test::owner_ref(rs, "apps/v1", "ReplicaSet")});
  p["spec"]["nodeName"] = "node-1";
  f.create(pods, p);
  ASSERT_TRUE(f.client().remove(rss + "/slow", {{"propagationPolicy", "Foreground"}}));
  ASSERT_TRUE(eventually([&] {
    json x = f.get(pods + "/slow-a");
    return x.is_object() && x["metadata"].contains("deletionTimestamp");
  }));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  json owner = f.get(rss + "/slow");
  ASSERT_TRUE(owner.is_object()) << "owner removed while a blocking dependent remains";
  EXPECT_EQ(owner["metadata"]["finalizers"], json::array({"foregroundDeletion"}));
  ASSERT_TRUE(f.client().remove(pods + "/slow-a", {{"gracePeriodSeconds", 0}}));  // the kubelet confirms
  EXPECT_TRUE(eventually([&] { return f.get(rss + "/slow").is_null(); }));
}

TEST_F(GcFixture, OrphanDeletionKeepsDependents) {
  json rs = f.create(rss, replica_set("keep"));
  for (const char* n : {"keep-a", "keep-b"}) f.create(pods, owned_pod(n, {test::owner_ref(rs, "apps/v1", "ReplicaSet")}));
  auto out = f.cluster().kubectl({"delete", "replicaset", "keep", "--cascade=orphan", "--timeout=20s"});
  EXPECT_EQ(out.out, "replicaset.apps \"keep\" deleted\n") << out.err;
  EXPECT_TRUE(eventually([&] { return f.get(rss + "/keep").is_null(); }));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(names(f, pods), "keep-a keep-b");
  for (const char* n : {"keep-a", "keep-b"})
    EXPECT_FALSE(f.get(pods + "/" + n)["metadata"].contains("ownerReferences")) << n;
}

TEST(OwnerGraph, TracksDependentsAcrossUpdatesAndDeletes) {
  using lifecycle::OwnerGraph;
  auto obj = [](const std::string& uid, std::vector<std::pair<std::string, bool>> owners, bool fg = false) {
    json o = {{"metadata", {{"name", "n-" + uid}, {"namespace", "ns"}, {"uid", uid}}}};
    for (const auto& [u, block] : owners)
      o["metadata"]["ownerReferences"].push_back(
          {{"uid", u}, {"apiVersion", "apps/v1"}, {"kind", "ReplicaSet"}, {"name", "r"}, {"blockOwnerDeletion", block}});
    if (fg) {
      o["metadata"]["deletionTimestamp"] = "2025-01-01T00:00:00Z";
      o["metadata"]["finalizers"] = {"foregroundDeletion"};
    }
    return o;
  };
  OwnerGraph g;
  g.upsert(OwnerGraph::node_from(1, obj("rs", {}, true)));
  g.upsert(OwnerGraph::node_from(0, obj("p1", {{"rs", true}})));
  g.upsert(OwnerGraph::node_from(0, obj("p2", {{"rs", false}, {"other", true}})));
  EXPECT_EQ(g.dependents("rs"), (std::vector<std::string>{"p1", "p2"}));
  EXPECT_EQ(g.dependents("other"), (std::vector<std::string>{"p2"}));
  auto rs = g.find("rs");
  ASSERT_TRUE(rs);
  EXPECT_TRUE(rs->deleting && rs->foreground && !rs->orphan);
  EXPECT_EQ(rs->kind, 1u);
  EXPECT_TRUE(g.find("p1")->owners[0].block_owner_deletion);
  // p2 drops its reference to rs.
  auto prev = g.upsert(OwnerGraph::node_from(0, obj("p2", {{"other", true}})));
  ASSERT_TRUE(prev);
  EXPECT_EQ(prev->owners.size(), 2u);
  EXPECT_EQ(g.dependents("rs"), std::vector<std::string>{"p1"});
  // The owner leaves the graph; its dependents still point at it.
  EXPECT_TRUE(g.remove("rs"));
  EXPECT_FALSE(g.find("rs"));
  EXPECT_EQ(g.dependents("rs"), std::vector<std::string>{"p1"});
  EXPECT_TRUE(g.remove("p1"));
  EXPECT_EQ(g.dependents("rs"), std::vector<std::string>{});
  EXPECT_FALSE(g.remove("p1"));
  EXPECT_EQ(g.size(), 1u);
  // References without a uid are ignored.
  json bad = {{"metadata", {{"ownerReferences", {{{"kind", "X"}}, 5}}}}};
  EXPECT_TRUE(lifecycle::owner_refs(bad).empty());
}

TEST(OwnerGraph, KindsByApiVersion) {
  struct Case {
    std::string api_version, kind;
    std::string want_path;  // "" = unknown
  };
  const std::vector<Case> cases = {
      {"v1", "Pod", "/api/v1/namespaces/ns/pods/x"},
      {"apps/v1", "ReplicaSet", "/apis/apps/v1/namespaces/ns/replicasets/x"},
      {"apps/v1", "Deployment", "/apis/apps/v1/namespaces/ns/deployments/x"},
      {"discovery.k8s.io/v1", "EndpointSlice", "/apis/discovery.k8s.io/v1/namespaces/ns/endpointslices/x"},
      {"v1", "Node", "/api/v1/nodes/x"},
      {"v1", "ConfigMap", "/api/v1/namespaces/ns/configmaps/x"},
      {"apps/v1", "Pod", ""},
      {"v1", "ReplicaSet", ""},
      {"batch/v1", "Job", ""},
  };
  for (const auto& c : cases) {
    const auto* k = lifecycle::find_kind(c.api_version, c.kind);
    std::string got = k ? resource_path(k->ref, k->namespaced ? "ns" : "", "x") : "";
    EXPECT_EQ(got, c.want_path) << c.api_version << " " << c.kind;
  }
}

}  // namespace
}  // namespace v6k::kube
