// The watch cache against the store it caches: two API servers on one store, one with the
// cache and one without, must answer lists byte for byte alike (JSON) or cell for cell
// (Tables, Age aside); lists see writes made straight to the store (consistent reads);
// continue tokens keep their snapshot across writes and survive the snapshot's eviction;
// watches replay from the cache's window and, beyond it, from the store's history.
#include <gtest/gtest.h>

#include <sstream>
#include <thread>

#include "support/kube_cluster.h"

namespace v6k::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

constexpr const char* kTable = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json";

http::Response call(kube::ApiServer& s, const std::string& method, const std::string& target,
                    const std::string& body = "", const std::string& accept = "application/json",
                    const std::string& content_type = "application/json") {
  http::Request r;
  r.method = method;
  r.target = target;
  auto q = target.find('?');
  r.path = target.substr(0, q);
  r.query = q == std::string::npos ? "" : target.substr(q + 1);
  r.body = body;
  r.headers = {{"authorization", std::string("Bearer ") + KubeCluster::kAdminToken},
               {"user-agent", "kubectl/v1.32.0 (linux/amd64) kubernetes/test"},
               {"accept", accept}};
  if (!body.empty()) r.headers.emplace_back("content-type", content_type);
  r.remote = "[::1]:1";
  return s.handle(r);
}

json pod(const std::string& name, const std::string& app) {
  return {{"apiVersion", "v1"},
          {"kind", "Pod"},
          {"metadata", {{"name", name}, {"labels", {{"app", app}}}}},
          {"spec", {{"containers", json::array({{{"name", "c"}, {"image", "nginx"}}})}}}};
}

// Percent-encodes a continue token for a query string.
std::string escape(const std::string& s) {
  std::string out;
  for (char ch : s) {
    if (ch == '+') out += "%2B";
    else if (ch == '/') out += "%2F";
    else if (ch == '=') out += "%3D";
    else out += ch;
  }
  return out;
}

// The Age column changes with the clock: blank it (pods: column 4).
json without_age(json table) {
  for (auto& row : table["rows"]) row["cells"][4] = "";
  return table;
}

class WatchCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(cached.ok()) << cached.error();
    ASSERT_TRUE(plain.ok()) << plain.error();
    for (const char* ns : {"a", "b"}) {
      json o = {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", ns}}}};
      ASSERT_EQ(call(cached.api(), "POST", "/api/v1/namespaces", o.dump()).status, 201);
    }
    for (int i = 0; i < 7; ++i) {
      std::string ns = i % 2 ? "a" : "b";
      auto r = call(cached.api(), "POST", "/api/v1/namespaces/" + ns + "/pods",
                    pod("p" + std::to_string(i), i % 3 ? "web" : "db").dump());
      ASSERT_EQ(r.status, 201) << r.body;
    }
  }

  static kube::ApiServerOptions no_cache() {
    kube::ApiServerOptions o;
    o.watch_cache = false;
    return o;
  }

  KubeCluster cached;
  KubeCluster plain{std::shared_ptr<store::Store>(&cached.store(), [](store::Store*) {}), no_cache()};
};

TEST_F(WatchCacheTest, ListsMatchTheStoreExactly) {
  const std::vector<std::string> targets = {
      "/api/v1/pods",
      "/api/v1/namespaces/a/pods",
      "/api/v1/pods?labelSelector=app%3Dweb",
      "/api/v1/pods?fieldSelector=metadata.namespace%3Db",
      "/api/v1/namespaces",
      "/apis/apps/v1/deployments",
  };
  for (const auto& t : targets) {
    auto c = call(cached.api(), "GET", t);
    auto p = call(plain.api(), "GET", t);
    EXPECT_EQ(c.status, 200) << t;
    EXPECT_EQ(c.body, p.body) << t;  // JSON: the same bytes
    EXPECT_EQ(c.header("content-type"), p.header("content-type")) << t;
  }
  for (const char* inc : {"", "&includeObject=None", "&includeObject=Metadata", "&includeObject=Object"}) {
    std::string t = std::string("/api/v1/pods?limit=100") + inc;
    auto c = call(cached.api(), "GET", t, "", kTable);
    auto p = call(plain.api(), "GET", t, "", kTable);
    ASSERT_EQ(c.status, 200) << c.body;
    EXPECT_EQ(c.header("content-type").value_or(""), "application/json;as=Table;v=v1;g=meta.k8s.io");
    EXPECT_EQ(without_age(json::parse(c.body)), without_age(json::parse(p.body))) << t;
  }
  json t = json::parse(call(cached.api(), "GET", "/api/v1/pods", "", kTable).body);
  ASSERT_EQ(t["rows"].size(), 7u);
  EXPECT_EQ(t["rows"][0]["object"]["kind"], "PartialObjectMetadata");
  EXPECT_FALSE(t["rows"][0]["object"]["metadata"].contains("managedFields"));
}

TEST_F(WatchCacheTest, ListsSeeWritesMadeStraightToTheStore) {
  // Another writer of the store: the cache must have applied it before the list answers.
  for (int i = 0; i < 20; ++i) {
    json p = pod("direct" + std::to_string(i), "web");
    p["metadata"]["namespace"] = "a";
    ASSERT_TRUE(cached.store().create("/registry/pods/a/direct" + std::to_string(i), p.dump()));
    json l = json::parse(call(cached.api(), "GET", "/api/v1/namespaces/a/pods").body);
    ASSERT_EQ(l["items"].size(), 4u + i) << i;
    EXPECT_EQ(l["metadata"]["resourceVersion"], std::to_string(*cached.store().current_revision()));
  }
}

TEST_F(WatchCacheTest, ContinueTokensKeepTheirSnapshot) {
  auto first = json::parse(call(cached.api(), "GET", "/api/v1/pods?limit=3").body);
  ASSERT_EQ(first["items"].size(), 3u);
  const std::string rv = first["metadata"]["resourceVersion"];
  std::string cont = first["metadata"]["continue"];
  // Writes after the first page: none of them may show on the later pages.
  ASSERT_EQ(call(cached.api(), "DELETE", "/api/v1/namespaces/b/pods/p6").status, 200);
  ASSERT_EQ(call(cached.api(), "POST", "/api/v1/namespaces/b/pods", pod("zz", "web").dump()).status, 201);
  // Enough later lists (each after a write) to evict the first page's snapshot too.
  std::vector<std::string> names;
  for (const auto& it : first["items"]) names.push_back(it["metadata"]["name"]);
  auto second = json::parse(call(cached.api(), "GET", "/api/v1/pods?limit=3&continue=" + escape(cont)).body);
  for (const auto& it : second["items"]) names.push_back(it["metadata"]["name"]);
  EXPECT_EQ(second["metadata"]["resourceVersion"], rv);
  cont = second["metadata"]["continue"];
  for (int i = 0; i < 20; ++i) {
    json p = pod("churn", "x");
    ASSERT_EQ(call(cached.api(), "POST", "/api/v1/namespaces/a/pods", p.dump()).status, 201);
    ASSERT_EQ(call(cached.api(), "GET", "/api/v1/pods?limit=1").status, 200);
    ASSERT_EQ(call(cached.api(), "DELETE", "/api/v1/namespaces/a/pods/churn").status, 200);
  }
  auto third = json::parse(call(cached.api(), "GET", "/api/v1/pods?limit=3&continue=" + escape(cont)).body);
  for (const auto& it : third["items"]) names.push_back(it["metadata"]["name"]);
  EXPECT_FALSE(third["metadata"].contains("continue"));
  EXPECT_EQ(names, (std::vector<std::string>{"p1", "p3", "p5", "p0", "p2", "p4", "p6"}));
  // The store answers a token the cache no longer covers the same way.
  auto again = json::parse(call(plain.api(), "GET", "/api/v1/pods?limit=3&continue=" + escape(cont)).body);
  EXPECT_EQ(again["items"], third["items"]);
}

// A watch through the real HTTPS server for about a second.
std::vector<json> watch(KubeCluster& k, const std::string& target) {
  auto r = k.request("GET", target + "&timeoutSeconds=1");
  std::vector<json> out;
  std::stringstream ss(r.body);
  for (std::string l; std::getline(ss, l);)
    if (!l.empty()) out.push_back(json::parse(l));
  return out;
}

TEST_F(WatchCacheTest, WatchesReplayFromTheWindowAndBeyondItFromTheStore) {
  const std::string from = std::to_string(*cached.store().current_revision());
  auto r = call(cached.api(), "PATCH", "/api/v1/namespaces/a/pods/p1", R"({"metadata":{"labels":{"app":"db"}}})",
                "application/json", "application/merge-patch+json");
  ASSERT_EQ(r.status, 200) << r.body;
  auto del = call(cached.api(), "DELETE", "/api/v1/namespaces/a/pods/p5");
  ASSERT_EQ(del.status, 200);
  const std::string del_rv = json::parse(del.body)["metadata"]["resourceVersion"];
  auto ev = watch(cached, "/api/v1/namespaces/a/pods?watch=true&labelSelector=app%3Dweb&resourceVersion=" + from);
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[0]["type"], "DELETED");  // p1 left the selector
  EXPECT_EQ(ev[0]["object"]["metadata"]["name"], "p1");
  EXPECT_EQ(ev[0]["object"]["kind"], "Pod");
  EXPECT_EQ(ev[1]["type"], "DELETED");
  EXPECT_EQ(ev[1]["object"]["metadata"]["name"], "p5");
  EXPECT_EQ(ev[1]["object"]["metadata"]["resourceVersion"], del_rv);
  // The same answer from the uncached server (its own store watch).
  auto plain_ev = watch(plain, "/api/v1/namespaces/a/pods?watch=true&labelSelector=app%3Dweb&resourceVersion=" + from);
  EXPECT_EQ(plain_ev, ev);

  // Push the first change out of the cache's window: the store's history still serves it.
  auto kv = cached.store().get("/registry/pods/b/p0");
  ASSERT_TRUE(kv);
  json p0 = json::parse(kv->value);
  for (int i = 0; i < 1100; ++i) {
    p0["metadata"]["labels"]["n"] = std::to_string(i);
    ASSERT_TRUE(cached.store().update("/registry/pods/b/p0", p0.dump(), 0));
  }
  ev = watch(cached, "/api/v1/namespaces/a/pods?watch=true&labelSelector=app%3Dweb&resourceVersion=" + from);
  EXPECT_EQ(ev, plain_ev);
}

TEST_F(WatchCacheTest, CreateInATerminatingNamespaceIsRefusedAtOnce) {
  ASSERT_EQ(call(cached.api(), "DELETE", "/api/v1/namespaces/a").status, 200);
  auto r = call(cached.api(), "POST", "/api/v1/namespaces/a/pods", pod("late", "web").dump());
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_EQ(json::parse(r.body)["message"],
            "unable to create new content in namespace a because it is being terminated");
}

TEST(WatchCacheStop, OpenWatchesEndWithTheServer) {
  KubeCluster k;
  ASSERT_TRUE(k.ok());
  std::thread t([&] { k.request("GET", "/api/v1/pods?watch=true&timeoutSeconds=30"); });
  std::this_thread::sleep_for(300ms);
  auto t0 = std::chrono::steady_clock::now();
  k.api().stop();
  t.join();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s);
}

}  // namespace
}  // namespace v6k::testing
