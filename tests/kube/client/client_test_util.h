// Shared by the API client's tests (client_test.cc over HTTPS, local_test.cc in-process):
// the ConfigMap they write and one watch scenario both transports must pass alike.
#pragma once

#include <gtest/gtest.h>

#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "kube/client/client.h"
#include "support/eventually.h"

namespace v6k::kube::client_test {

inline nlohmann::json config_map(const std::string& name, const std::string& value) {
  return {{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"metadata", {{"name", name}}}, {"data", {{"v", value}}}};
}

// Watches `path` from `rv` on a thread while ConfigMap "w" is created, patched and
// deleted; returns what the watch saw ("ADDED w", ...) once it saw three events (or 20 s
// passed), after cancelling it.
inline std::vector<std::string> watch_create_patch_delete(Client& c, const std::string& path, const std::string& rv) {
  WatchStream stream;
  std::mutex mu;
  std::vector<std::string> seen;
  std::thread watcher([&] {
    auto r = c.watch(path, "resourceVersion=" + rv, stream, [&](const WatchEvent& e) {
      std::lock_guard lock(mu);
      seen.push_back(e.type + " " + e.object["metadata"]["name"].get<std::string>());
      return true;
    });
    EXPECT_TRUE(r) << r.error().text();
  });
  EXPECT_TRUE(c.create(path, config_map("w", "1")));
  EXPECT_TRUE(c.patch(path + "/w", PatchType::kMerge, {{"data", {{"v", "2"}}}}));
  EXPECT_TRUE(c.remove(path + "/w"));
  EXPECT_TRUE(testing::eventually([&] {
    std::lock_guard lock(mu);
    return seen.size() == 3;
  }));
  stream.cancel();
  watcher.join();
  std::lock_guard lock(mu);
  return seen;
}

}  // namespace v6k::kube::client_test
