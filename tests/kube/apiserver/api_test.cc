// The API server over HTTPS without kubectl: discovery shapes, status codes, optimistic
// concurrency, selectors, watch semantics (history, transitions, 410, bookmarks) and
// authorization scopes.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "http/server.h"
#include "support/kube_cluster.h"

namespace v6k::testing {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using namespace std::chrono_literals;

json ns_object(const std::string& name) {
  return {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", name}}}};
}

json pod_object(const std::string& name, const json& labels = json::object()) {
  return {{"apiVersion", "v1"},
          {"kind", "Pod"},
          {"metadata", {{"name", name}, {"labels", labels}}},
          {"spec", {{"containers", json::array({{{"name", "c"}, {"image", "nginx"}}})}}}};
}

class ApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(k.ok()) << k.error();
    int st = 0;
    k.request_json("POST", "/api/v1/namespaces", ns_object("t"), &st);
    ASSERT_EQ(st, 201);
  }
  KubeCluster k;
};

TEST_F(ApiTest, AggregatedDiscoveryNeedsItsContentType) {
  http::Request req;
  auto r = k.request("GET", "/apis");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(json::parse(r.body)["kind"], "APIGroupList");

  http::Request agg{.method = "GET", .target = "/api", .path = "/api"};
  agg.headers = {{"accept", "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json"},
                 {"authorization", std::string("Bearer ") + KubeCluster::kAdminToken}};
  auto a = k.api().handle(agg);
  EXPECT_EQ(a.status, 200);
  EXPECT_EQ(a.header("content-type").value_or(""),
            "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList");
  json body = json::parse(a.body);
  ASSERT_EQ(body["items"].size(), 1u);
  bool pods = false;
  for (const auto& res : body["items"][0]["versions"][0]["resources"]) {
    if (res["resource"] != "pods") continue;
    pods = true;
    EXPECT_EQ(res["shortNames"], json::array({"po"}));
    EXPECT_EQ(res["responseKind"]["kind"], "Pod");
    EXPECT_EQ(res["scope"], "Namespaced");
  }
  EXPECT_TRUE(pods);
  EXPECT_EQ(json::parse(k.request("GET", "/version").body)["gitVersion"], "v1.32.0");
}

TEST_F(ApiTest, UnauthenticatedAndForbidden) {
  auto r = k.request("GET", "/api/v1/pods", "", "", "");
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(json::parse(r.body)["reason"], "Unauthorized");
  EXPECT_EQ(k.request("GET", "/version", "", "", "").status, 200);  // public
  // A node may read pods but not create deployments.
  EXPECT_EQ(k.request("GET", "/api/v1/pods", "", "", KubeCluster::kNodeToken).status, 200);
  auto f = k.request("POST", "/apis/apps/v1/namespaces/t/deployments", "{}", "application/json",
                     KubeCluster::kNodeToken);
  EXPECT_EQ(f.status, 403);
  EXPECT_EQ(json::parse(f.body)["message"],
            "deployments.apps is forbidden: User \"system:node:node-1\" cannot create resource \"deployments\" "
            "in API group \"apps\" in the namespace \"t\"");
}

TEST_F(ApiTest, TwoWritersOneObjectExactlyOneConflict) {
  int st = 0;
  json pod = k.request_json("POST", "/api/v1/namespaces/t/pods", pod_object("p"), &st);
  ASSERT_EQ(st, 201);
  std::atomic<int> ok{0}, conflicts{0};
  std::vector<std::thread> ts;
  for (int i = 0; i < 2; ++i) {
    ts.emplace_back([&, i] {
      json upd = pod;
      upd["metadata"]["labels"]["writer"] = std::to_string(i);
      int s = 0;
      json r = k.request_json("PUT", "/api/v1/namespaces/t/pods/p", upd, &s);
      if (s == 200) ok++;
      if (s == 409 && r["reason"] == "Conflict") conflicts++;
    });
  }
  for (auto& t : ts) t.join();
  EXPECT_EQ(ok.load(), 1);
  EXPECT_EQ(conflicts.load(), 1);
}

TEST_F(ApiTest, CreateDefaultsIdentityAndErrors) {
  int st = 0;
  json p = pod_object("");
  p["metadata"].erase("name");
  p["metadata"]["generateName"] = "web-";
  json made = k.request_json("POST", "/api/v1/namespaces/t/pods", p, &st);
  ASSERT_EQ(st, 201) << made.dump();
  EXPECT_THAT(made["metadata"]["name"].get<std::string>(), ::testing::MatchesRegex("web-[a-z0-9]{5}"));
  EXPECT_EQ(made["metadata"]["uid"].get<std::string>().size(), 36u);
  EXPECT_EQ(made["metadata"]["namespace"], "t");
  EXPECT_FALSE(made["metadata"].contains("labels")) << "empty labels are omitted, as upstream";
  EXPECT_EQ(made["spec"]["restartPolicy"], "Always");
  EXPECT_EQ(made["status"]["phase"], "Pending");
  EXPECT_FALSE(made["metadata"]["managedFields"].empty());

  json dup = k.request_json("POST", "/api/v1/namespaces/t/pods", pod_object("x"), &st);
  k.request_json("POST", "/api/v1/namespaces/t/pods", pod_object("x"), &st);
  EXPECT_EQ(st, 409);

  json wrong_ns = pod_object("y");
  wrong_ns["metadata"]["namespace"] = "other";
  json r = k.request_json("POST", "/api/v1/namespaces/t/pods", wrong_ns, &st);
  EXPECT_EQ(st, 400);
  EXPECT_EQ(r["message"], "the namespace of the provided object does not match the namespace sent on the request");

  auto bad = k.request("POST", "/api/v1/namespaces/t/pods", "{nope", "application/json");
  EXPECT_EQ(bad.status, 400);
  auto media = k.request("POST", "/api/v1/namespaces/t/pods", "x", "text/csv");
  EXPECT_EQ(media.status, 415);
  EXPECT_EQ(k.request("GET", "/api/v1/namespaces/t/widgets").status, 404);
  EXPECT_EQ(k.request("GET", "/api/v1/namespaces/t/nodes/x").status, 404);  // nodes are cluster-scoped
}

TEST_F(ApiTest, ListPagesWithLimitAndContinue) {
  for (int i = 0; i < 7; ++i) {
    int st = 0;
    k.request_json("POST", "/api/v1/namespaces/t/pods", pod_object("p" + std::to_string(i), {{"n", std::to_string(i % 2)}}), &st);
    ASSERT_EQ(st, 201);
  }
  std::vector<std::string> names;
  std::string cont;
  int pages = 0;
  do {
    std::string target = "/api/v1/namespaces/t/pods?limit=3";
    if (!cont.empty()) target += "&continue=" + cont;
    json page = k.request_json("GET", target);
    for (const auto& it : page["items"]) names.push_back(it["metadata"]["name"]);
    cont = page["metadata"].value("continue", "");
    ++pages;
  } while (!cont.empty() && pages < 10);
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(names, (std::vector<std::string>{"p0", "p1", "p2", "p3", "p4", "p5", "p6"}));
  json odd = k.request_json("GET", "/api/v1/namespaces/t/pods?labelSelector=n%3D1");
  EXPECT_EQ(odd["items"].size(), 3u);
  json by_name = k.request_json("GET", "/api/v1/pods?fieldSelector=metadata.name%3Dp4");
  ASSERT_EQ(by_name["items"].size(), 1u);
  int st = 0;
  json bad = k.request_json("GET", "/api/v1/pods?fieldSelector=spec.foo%3Dx", nullptr, &st);
  EXPECT_EQ(st, 400);
  EXPECT_EQ(bad["message"], "field label not supported: spec.foo");
}

// Reads a watch stream through the real HTTPS server for `for_ms`, returning its lines.
std::vector<json> watch_lines(KubeCluster& k, const std::string& target, std::chrono::milliseconds for_ms,
                              const std::function<void()>& during = {}) {
  std::vector<json> out;
  std::thread t;
  if (during) t = std::thread(during);
  auto r = k.request("GET", target + "&timeoutSeconds=" + std::to_string(std::max<int64_t>(1, for_ms.count() / 1000)));
  if (t.joinable()) t.join();
  std::stringstream ss(r.body);
  for (std::string l; std::getline(ss, l);)
    if (!l.empty()) out.push_back(json::parse(l, nullptr, false));
  return out;
}

TEST_F(ApiTest, WatchReplaysFromResourceVersionAndFollowsSelectors) {
  int st = 0;
  json a = k.request_json("POST", "/api/v1/namespaces/t/pods", pod_object("a", {{"app", "x"}}), &st);
  std::string rv = a["metadata"]["resourceVersion"];
  json b = k.request_json("POST", "/api/v1/namespaces/t/pods", pod_object("b", {{"app", "x"}}), &st);
  // b leaves the selector: DELETED for the watcher; a is deleted for real.
  json b2 = b;
  b2["metadata"]["labels"]["app"] = "y";
  k.request_json("PUT", "/api/v1/namespaces/t/pods/b", b2, &st);
  ASSERT_EQ(st, 200);
  k.request("DELETE", "/api/v1/namespaces/t/pods/a");
  auto ev = watch_lines(k, "/api/v1/namespaces/t/pods?watch=true&labelSelector=app%3Dx&resourceVersion=" + rv, 1000ms);
  ASSERT_EQ(ev.size(), 3u);
  EXPECT_EQ(ev[0]["type"], "ADDED");
  EXPECT_EQ(ev[0]["object"]["metadata"]["name"], "b");
  EXPECT_EQ(ev[1]["type"], "DELETED");
  EXPECT_EQ(ev[1]["object"]["metadata"]["name"], "b");
  EXPECT_EQ(ev[2]["type"], "DELETED");
  EXPECT_EQ(ev[2]["object"]["metadata"]["name"], "a");
}

TEST_F(ApiTest, WatchWithoutVersionStartsWithTheCurrentState) {
  int st = 0;
  k.request_json("POST", "/api/v1/namespaces/t/pods", pod_object("a"), &st);
  auto ev = watch_lines(k, "/api/v1/namespaces/t/pods?watch=true", 1000ms, [&] {
    std::this_thread::sleep_for(300ms);
    int s2 = 0;
    k.request_json("POST", "/api/v1/namespaces/t/pods", pod_object("live"), &s2);
  });
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[0]["type"], "ADDED");
  EXPECT_EQ(ev[0]["object"]["metadata"]["name"], "a");
  EXPECT_EQ(ev[1]["object"]["metadata"]["name"], "live");
}

TEST_F(ApiTest, WatchBelowCompactionIsExpired) {
  int st = 0;
  json a = k.request_json("POST", "/api/v1/namespaces/t/pods", pod_object("a"), &st);
  for (int i = 0; i < 3; ++i) {
    a = k.request_json("PATCH", "/api/v1/namespaces/t/pods/a",
                       json{{"metadata", {{"labels", {{"i", std::to_string(i)}}}}}}, &st,
                       "application/merge-patch+json");
    ASSERT_EQ(st, 200);
  }
  int64_t rv = std::stoll(a["metadata"]["resourceVersion"].get<std::string>());
  ASSERT_TRUE(k.store().compact(rv));
  auto ev = watch_lines(k, "/api/v1/namespaces/t/pods?watch=true&resourceVersion=2", 1000ms);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0]["type"], "ERROR");
  EXPECT_EQ(ev[0]["object"]["code"], 410);
  EXPECT_EQ(ev[0]["object"]["reason"], "Expired");
}

TEST(ApiBookmarks, SentOnlyWhenAsked) {
  kube::ApiServerOptions o;
  o.bookmark_interval = 300ms;
  KubeCluster k(nullptr, o);
  ASSERT_TRUE(k.ok());
  auto with = watch_lines(k, "/api/v1/pods?watch=true&allowWatchBookmarks=true&resourceVersion=1", 1000ms);
  ASSERT_FALSE(with.empty());
  EXPECT_EQ(with[0]["type"], "BOOKMARK");
  EXPECT_EQ(with[0]["object"]["kind"], "Pod");
  auto without = watch_lines(k, "/api/v1/pods?watch=true&resourceVersion=1", 1000ms);
  EXPECT_TRUE(without.empty());
}

TEST_F(ApiTest, PatchKindsAndScaleAndBinding) {
  int st = 0;
  k.request_json("POST", "/api/v1/namespaces/t/pods", pod_object("p", {{"a", "b"}}), &st);
  json jp = k.request_json("PATCH", "/api/v1/namespaces/t/pods/p",
                           json::array({{{"op", "add"}, {"path", "/metadata/labels/x"}, {"value", "1"}}}), &st,
                           "application/json-patch+json");
  EXPECT_EQ(st, 200);
  EXPECT_EQ(jp["metadata"]["labels"]["x"], "1");
  json sm = k.request_json("PATCH", "/api/v1/namespaces/t/pods/p",
                           json{{"spec", {{"containers", json::array({{{"name", "c"}, {"image", "nginx:2"}}})}}}}, &st,
                           "application/strategic-merge-patch+json");
  EXPECT_EQ(st, 200) << sm.dump();
  EXPECT_EQ(sm["spec"]["containers"][0]["image"], "nginx:2");
  auto unsupported = k.request("PATCH", "/api/v1/namespaces/t/pods/p", "{}", "application/json");
  EXPECT_EQ(unsupported.status, 415);

  json bind = {{"apiVersion", "v1"}, {"kind", "Binding"}, {"metadata", {{"name", "p"}}},
               {"target", {{"kind", "Node"}, {"name", "node-1"}}}};
  k.request_json("POST", "/api/v1/namespaces/t/pods/p/binding", bind, &st);
  EXPECT_EQ(st, 201);
  json again = k.request_json("POST", "/api/v1/namespaces/t/pods/p/binding", bind, &st);
  EXPECT_EQ(st, 409);
  EXPECT_EQ(k.request_json("GET", "/api/v1/namespaces/t/pods/p")["spec"]["nodeName"], "node-1");
}

TEST_F(ApiTest, ServerSideApplyConflictsAndForce) {
  json d = {{"apiVersion", "apps/v1"},
            {"kind", "Deployment"},
            {"metadata", {{"name", "web"}}},
            {"spec",
             {{"replicas", 2},
              {"selector", {{"matchLabels", {{"app", "web"}}}}},
              {"template", {{"metadata", {{"labels", {{"app", "web"}}}}},
                            {"spec", {{"containers", json::array({{{"name", "nginx"}, {"image", "nginx"}}})}}}}}}}};
  int st = 0;
  auto apply = [&](const json& body, const std::string& mgr, bool force) {
    return k.request_json("PATCH", "/apis/apps/v1/namespaces/t/deployments/web?fieldManager=" + mgr +
                                       (force ? "&force=true" : ""),
                          body, &st, "application/apply-patch+yaml");
  };
  apply(d, "alice", false);
  ASSERT_EQ(st, 201);
  json d2 = d;
  d2["spec"]["replicas"] = 5;
  json c = apply(d2, "bob", false);
  EXPECT_EQ(st, 409);
  EXPECT_EQ(c["reason"], "Conflict");
  EXPECT_THAT(c["message"].get<std::string>(), HasSubstr("conflict with \"alice\""));
  json forced = apply(d2, "bob", true);
  EXPECT_EQ(st, 200);
  EXPECT_EQ(forced["spec"]["replicas"], 5);
}

}  // namespace
}  // namespace v6k::testing

namespace v6k::testing {
namespace {

TEST_F(ApiTest, NamespaceDeletionWaitsForItsFinalizers) {
  int st = 0;
  k.request_json("POST", "/api/v1/namespaces", ns_object("doomed"), &st);
  ASSERT_EQ(st, 201);
  json marked = k.request_json("DELETE", "/api/v1/namespaces/doomed", nullptr, &st);
  EXPECT_EQ(st, 200);
  EXPECT_EQ(marked["status"]["phase"], "Terminating");
  json still = k.request_json("GET", "/api/v1/namespaces/doomed", nullptr, &st);
  ASSERT_EQ(st, 200) << "spec.finalizers [kubernetes] keeps it until the namespace controller finalizes";
  EXPECT_TRUE(still["metadata"].contains("deletionTimestamp"));
  json refused = k.request_json("POST", "/api/v1/namespaces/doomed/pods", pod_object("p"), &st);
  EXPECT_EQ(st, 403);
  EXPECT_EQ(refused["message"], "unable to create new content in namespace doomed because it is being terminated");
  json fin = still;
  fin["spec"]["finalizers"] = json::array();
  k.request_json("PUT", "/api/v1/namespaces/doomed/finalize", fin, &st);
  EXPECT_EQ(st, 200);
  k.request_json("GET", "/api/v1/namespaces/doomed", nullptr, &st);
  EXPECT_EQ(st, 404);
}

}  // namespace
}  // namespace v6k::testing
