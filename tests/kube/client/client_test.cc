// The API client against a real API server: calls and their Status errors, watches and
// cancel, informers (sync, handlers, re-watch after the server ends a watch, re-list
// after compaction), over kept-alive HTTPS.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

#include "client_test_util.h"
#include "kube/client/client.h"
#include "kube/client/informer.h"
#include "support/kube_cluster.h"

namespace v6k::kube {
namespace {

using namespace std::chrono_literals;
using testing::KubeCluster;
using client_test::config_map;
using testing::eventually;

std::shared_ptr<Client> client_for(const KubeCluster& k, const std::string& token = KubeCluster::kAdminToken) {
  auto c = Client::create({.host = "::1", .port = k.port(), .ca_pem = k.ca_pem(), .token = token});
  EXPECT_TRUE(c) << c.error().message();
  return c ? *c : nullptr;
}

const ResourceRef kConfigMaps{"", "v1", "configmaps"};

TEST(KubeClient, PathsAndEscaping) {
  EXPECT_EQ(resource_path({"", "v1", "pods"}), "/api/v1/pods");
  EXPECT_EQ(resource_path({"", "v1", "pods"}, "ns1", "p"), "/api/v1/namespaces/ns1/pods/p");
  EXPECT_EQ(resource_path({"apps", "v1", "deployments"}, "a"), "/apis/apps/v1/namespaces/a/deployments");
  EXPECT_EQ(query_escape("app=web,tier!=db x"), "app%3Dweb%2Ctier%21%3Ddb%20x");
  EXPECT_EQ(object_key(json{{"metadata", {{"namespace", "a"}, {"name", "b"}}}}), "a/b");
  EXPECT_EQ(object_key(json{{"metadata", {{"name", "node-1"}}}}), "node-1");
  EXPECT_EQ(split_key("a/b"), (std::pair<std::string, std::string>{"a", "b"}));
  EXPECT_EQ(split_key("node-1"), (std::pair<std::string, std::string>{"", "node-1"}));
}

TEST(KubeClient, CallsAndStatusErrors) {
  KubeCluster k;
  ASSERT_TRUE(k.ok()) << k.error();
  auto c = client_for(k);
  const auto path = resource_path(kConfigMaps, "default");
  auto made = c->create(path, config_map("one", "1"));
  ASSERT_TRUE(made) << made.error().text();
  EXPECT_EQ((*made)["metadata"]["name"], "one");

  auto dup = c->create(path, config_map("one", "1"));
  ASSERT_FALSE(dup);
  EXPECT_TRUE(dup.error().already_exists()) << dup.error().text();
  EXPECT_EQ(dup.error().message, "configmaps \"one\" already exists");

  auto missing = c->get(path + "/nope");
  ASSERT_FALSE(missing);
  EXPECT_TRUE(missing.error().not_found());
  EXPECT_EQ(missing.error().text(), "404 NotFound: configmaps \"nope\" not found");

  // A stale resourceVersion is a Conflict.
  json stale = *made;
  auto patched = c->patch(path + "/one", PatchType::kMerge, {{"data", {{"v", "2"}}}});
  ASSERT_TRUE(patched) << patched.error().text();
  EXPECT_EQ((*patched)["data"]["v"], "2");
  stale["data"]["v"] = "3";
  auto upd = c->update(path + "/one", stale);
  ASSERT_FALSE(upd);
  EXPECT_TRUE(upd.error().conflict()) << upd.error().text();

  auto list = c->list(path, "fieldSelector=" + query_escape("metadata.name=one"));
  ASSERT_TRUE(list) << list.error().text();
  ASSERT_EQ((*list)["items"].size(), 1u);

  auto gone = c->remove(path + "/one");
  ASSERT_TRUE(gone) << gone.error().text();
  EXPECT_TRUE(c->get(path + "/one").error().not_found());

  // A token the server does not know.
  auto stranger = client_for(k, "who-is-this");
  auto denied = stranger->get(path);
  ASSERT_FALSE(denied);
  EXPECT_EQ(denied.error().code, 401);
}

TEST(KubeClient, UnreachableServerIsATransportError) {
  auto c = Client::create({.host = "::1", .port = 1, .ca_pem = "x", .timeout = 2s});
  ASSERT_TRUE(c);
  auto r = (*c)->get("/api/v1/pods");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, 0);
  EXPECT_EQ(r.error().reason, "Transport");
}

TEST(KubeClient, ManyThreadsShareThePool) {
  KubeCluster k;
  ASSERT_TRUE(k.ok()) << k.error();
  auto c = client_for(k);
  const auto path = resource_path(kConfigMaps, "default");
  std::vector<std::thread> ts;
  std::atomic<int> ok{0};
  for (int t = 0; t < 4; ++t)
    ts.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i)
        if (c->create(path, config_map("cm-" + std::to_string(t) + "-" + std::to_string(i), "x"))) ok++;
    });
  for (auto& t : ts) t.join();
  EXPECT_EQ(ok.load(), 100);
  auto list = c->list(path);
  ASSERT_TRUE(list);
  EXPECT_EQ((*list)["items"].size(), 100u);
}

TEST(KubeClient, WatchSeesEventsAndCancels) {
  KubeCluster k;
  ASSERT_TRUE(k.ok()) << k.error();
  auto c = client_for(k);
  const auto path = resource_path(kConfigMaps, "default");
  auto list = c->list(path);
  ASSERT_TRUE(list);
  std::string rv = (*list)["metadata"]["resourceVersion"];
  EXPECT_EQ(client_test::watch_create_patch_delete(*c, path, rv),
            (std::vector<std::string>{"ADDED w", "MODIFIED w", "DELETED w"}));
}

TEST(KubeClient, WatchBelowCompactionIsGone) {
  kube::ApiServerOptions opts;
  opts.watch_cache = false;
  KubeCluster k(nullptr, opts);
  ASSERT_TRUE(k.ok()) << k.error();
  auto c = client_for(k);
  const auto path = resource_path(kConfigMaps, "default");
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(c->create(path, config_map("c" + std::to_string(i), "x")));
  auto rev = k.store().current_revision();
  ASSERT_TRUE(rev);
  ASSERT_TRUE(k.store().compact(*rev));
  WatchStream stream;
  bool error_event = false;
  auto r = c->watch(path, "resourceVersion=1", stream, [&](const WatchEvent& e) {
    if (e.type == "ERROR") error_event = e.object.value("code", 0) == 410;
    return false;
  });
  // Either form is what upstream does: a 410 response or a 200 with an ERROR event.
  EXPECT_TRUE((!r && r.error().gone()) || error_event) << (r ? "ok" : r.error().text());
}

struct Recorder {
  std::mutex mu;
  std::vector<std::string> events;
  void add(const std::string& s) {
    std::lock_guard lock(mu);
    events.push_back(s);
  }
  size_t count(const std::string& s) {
    std::lock_guard lock(mu);
    return std::count(events.begin(), events.end(), s);
  }
};

TEST(KubeInformer, SyncsThenFollowsChanges) {
  KubeCluster k;
  ASSERT_TRUE(k.ok()) << k.error();
  auto c = client_for(k);
  const auto path = resource_path(kConfigMaps, "default");
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(c->create(path, config_map("pre" + std::to_string(i), "x")));
  ASSERT_TRUE(c->create(resource_path(kConfigMaps, "kube-system"), config_map("sys", "x")));

  Recorder rec;
  Informer inf(c, {.resource = kConfigMaps, .watch_timeout = 1s});
  inf.on_add([&](const json& o) { rec.add("add " + object_key(o)); });
  inf.on_update([&](const json& a, const json& b) {
    rec.add("update " + object_key(b) + " " + a["data"]["v"].get<std::string>() + "->" + b["data"]["v"].get<std::string>());
  });
  inf.on_delete([&](const json& o) { rec.add("delete " + object_key(o)); });
  inf.start();
  ASSERT_TRUE(inf.wait_synced(5s));
  EXPECT_EQ(inf.size(), 4u);
  EXPECT_EQ(inf.list("default").size(), 3u);
  EXPECT_EQ(inf.list("kube-system").size(), 1u);
  ASSERT_TRUE(inf.get("default", "pre1"));
  EXPECT_EQ((*inf.get("default/pre1"))["data"]["v"], "x");
  EXPECT_EQ(rec.count("add default/pre0"), 1u);

  // Outlive a few server-side watch timeouts: changes keep arriving, no re-list.
  std::this_thread::sleep_for(2500ms);
  ASSERT_TRUE(c->patch(path + "/pre1", PatchType::kMerge, {{"data", {{"v", "y"}}}}));
  ASSERT_TRUE(c->remove(path + "/pre2"));
  ASSERT_TRUE(c->create(path, config_map("late", "z")));
  EXPECT_TRUE(eventually([&] { return rec.count("add default/late") == 1; }));
  EXPECT_TRUE(eventually([&] { return rec.count("update default/pre1 x->y") == 1; }));
  EXPECT_TRUE(eventually([&] { return rec.count("delete default/pre2") == 1; }));
  EXPECT_EQ(inf.size(), 4u);
  EXPECT_FALSE(inf.get("default", "pre2"));
  EXPECT_EQ(inf.lists(), 1);
  inf.stop();
}

TEST(KubeInformer, RelistsAfterCompactionAndReportsTheDifference) {
  // Without the watch cache a watch below the store's compaction is 410 Gone at once.
  kube::ApiServerOptions opts;
  opts.watch_cache = false;
  KubeCluster k(nullptr, opts);
  ASSERT_TRUE(k.ok()) << k.error();
  auto c = client_for(k);
  const auto path = resource_path(kConfigMaps, "default");
  ASSERT_TRUE(c->create(path, config_map("keep", "1")));
  Recorder rec;
  // Watch only configmaps labelled, so unlabelled writes move the revision without
  // reaching the informer; then compaction leaves its resourceVersion behind.
  Informer inf(c, {.resource = kConfigMaps, .label_selector = "team=a", .watch_timeout = 1s});
  inf.on_add([&](const json& o) { rec.add("add " + object_key(o)); });
  inf.on_delete([&](const json& o) { rec.add("delete " + object_key(o)); });
  json labelled = config_map("mine", "1");
  labelled["metadata"]["labels"] = {{"team", "a"}};
  ASSERT_TRUE(c->create(path, labelled));
  inf.start();
  ASSERT_TRUE(inf.wait_synced(5s));
  EXPECT_EQ(inf.size(), 1u);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(c->create(path, config_map("noise" + std::to_string(i), "x")));
  auto rev = k.store().current_revision();
  ASSERT_TRUE(rev);
  ASSERT_TRUE(k.store().compact(*rev));
  EXPECT_TRUE(eventually([&] { return inf.lists() >= 2; }, 8s)) << "the informer never re-listed";
  ASSERT_TRUE(c->remove(path + "/mine"));
  EXPECT_TRUE(eventually([&] { return rec.count("delete default/mine") == 1; }));
  EXPECT_EQ(inf.size(), 0u);
  inf.stop();
}

}  // namespace
}  // namespace v6k::kube
