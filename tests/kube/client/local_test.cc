// The API client's in-process transport (ClientConfig::local, what the control plane's
// controllers and scheduler use): the same answers as over HTTPS for calls and errors,
// watches that deliver, end with the server's timeout and cancel, and informers on it.
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

const ResourceRef kConfigMaps{"", "v1", "configmaps"};

std::shared_ptr<Client> local_client(KubeCluster& k, const std::string& token = KubeCluster::kAdminToken) {
  ApiServer* api = &k.api();
  auto c = Client::create({.token = token, .local = [api](const http::Request& r) { return api->handle(r); }});
  EXPECT_TRUE(c) << c.error().message();
  return c ? *c : nullptr;
}

std::shared_ptr<Client> https_client(const KubeCluster& k) {
  auto c = Client::create({.host = "::1", .port = k.port(), .ca_pem = k.ca_pem(), .token = KubeCluster::kAdminToken});
  EXPECT_TRUE(c) << c.error().message();
  return c ? *c : nullptr;
}

TEST(KubeClientLocal, CallsAnswerAsOverHttps) {
  KubeCluster k;
  ASSERT_TRUE(k.ok()) << k.error();
  auto local = local_client(k);
  auto remote = https_client(k);
  const auto path = resource_path(kConfigMaps, "default");

  auto made = local->create(path, config_map("one", "1"));
  ASSERT_TRUE(made) << made.error().text();
  auto seen = remote->get(path + "/one");
  ASSERT_TRUE(seen) << seen.error().text();
  EXPECT_EQ(*made, *seen);
  auto again = local->get(path + "/one");
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, *seen);
  // The user agent reaches the server: the field manager is named after it.
  EXPECT_EQ((*made)["metadata"]["managedFields"][0]["manager"], "v6k");

  for (auto* c : {local.get(), remote.get()}) {
    auto dup = c->create(path, config_map("one", "1"));
    ASSERT_FALSE(dup);
    EXPECT_EQ(dup.error().text(), "409 AlreadyExists: configmaps \"one\" already exists");
    auto missing = c->get(path + "/nope");
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().text(), "404 NotFound: configmaps \"nope\" not found");
  }
  auto list = local->list(path, "fieldSelector=" + query_escape("metadata.name=one"));
  ASSERT_TRUE(list) << list.error().text();
  EXPECT_EQ((*list)["items"].size(), 1u);
  auto patched = local->patch(path + "/one", PatchType::kMerge, {{"data", {{"v", "2"}}}});
  ASSERT_TRUE(patched) << patched.error().text();
  EXPECT_EQ((*patched)["data"]["v"], "2");
  ASSERT_TRUE(local->remove(path + "/one"));
  EXPECT_TRUE(remote->get(path + "/one").error().not_found());

  auto stranger = local_client(k, "who-is-this");
  auto denied = stranger->get(path);
  ASSERT_FALSE(denied);
  EXPECT_EQ(denied.error().code, 401);
}

TEST(KubeClientLocal, WatchDeliversEndsAndCancels) {
  KubeCluster k;
  ASSERT_TRUE(k.ok()) << k.error();
  auto c = local_client(k);
  const auto path = resource_path(kConfigMaps, "default");
  auto list = c->list(path);
  ASSERT_TRUE(list);
  std::string rv = (*list)["metadata"]["resourceVersion"];

  // The server's timeoutSeconds ends the watch: ok.
  WatchStream short_stream;
  auto t0 = std::chrono::steady_clock::now();
  auto ended = c->watch(path, "resourceVersion=" + rv + "&timeoutSeconds=1", short_stream,
                        [](const WatchEvent&) { return true; });
  EXPECT_TRUE(ended) << ended.error().text();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s);

  // The same events as over HTTPS; the handler may take a mutable event (it may move from it).
  EXPECT_EQ(client_test::watch_create_patch_delete(*c, path, rv),
            (std::vector<std::string>{"ADDED w", "MODIFIED w", "DELETED w"}));
  WatchStream moved;
  std::string taken;
  std::thread mover([&] {
    (void)c->watch(path, "resourceVersion=" + rv, moved, [&](WatchEvent& e) {
      taken = std::move(e.object["metadata"]["name"].get_ref<std::string&>());
      return false;
    });
  });
  mover.join();
  EXPECT_EQ(taken, "w");

  // on_event returning false ends the watch; a cancelled stream does not start one.
  int calls = 0;
  WatchStream once;
  auto r = c->watch(path, "resourceVersion=" + rv, once, [&](const WatchEvent&) { return ++calls < 2; });
  EXPECT_TRUE(r) << r.error().text();
  EXPECT_EQ(calls, 2);
  WatchStream cancelled;
  cancelled.cancel();
  EXPECT_TRUE(c->watch(path, "", cancelled, [](const WatchEvent&) { return true; }));

  // An error answer is the server's Status.
  WatchStream bad;
  auto nf = c->watch("/api/v1/namespaces/default/nothings", "", bad, [](const WatchEvent&) { return true; });
  ASSERT_FALSE(nf);
  EXPECT_EQ(nf.error().code, 404);
}

TEST(KubeClientLocal, InformerSyncsAndFollowsAcrossWatchTimeouts) {
  KubeCluster k;
  ASSERT_TRUE(k.ok()) << k.error();
  auto c = local_client(k);
  const auto path = resource_path(kConfigMaps, "default");
  ASSERT_TRUE(c->create(path, config_map("pre", "x")));
  std::atomic<int> adds{0}, updates{0};
  Informer inf(c, {.resource = kConfigMaps, .ns = "default", .watch_timeout = 1s});
  inf.on_add([&](const json&) { adds++; });
  inf.on_update([&](const json& a, const json& b) {
    if (a["data"]["v"] == "x" && b["data"]["v"] == "y") updates++;
  });
  inf.start();
  ASSERT_TRUE(inf.wait_synced(5s));
  EXPECT_EQ(inf.size(), 1u);
  std::this_thread::sleep_for(1500ms);  // past one server-side watch timeout
  ASSERT_TRUE(c->patch(path + "/pre", PatchType::kMerge, {{"data", {{"v", "y"}}}}));
  ASSERT_TRUE(c->create(path, config_map("late", "z")));
  EXPECT_TRUE(eventually([&] { return adds.load() == 2 && updates.load() == 1; }));
  EXPECT_EQ(inf.lists(), 1);
  inf.stop();  // cancels the in-process watch
}

}  // namespace
}  // namespace v6k::kube
