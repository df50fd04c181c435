// An informer, as client-go's: lists one resource, then watches it from the list's
// resourceVersion, keeping a local cache and telling handlers what changed. When the
// watch ends it re-watches from the last resourceVersion seen; when the server says that
// version is gone (410 Expired) or a call fails, it lists again (after a back-off) and
// reports the difference to the cache as adds, updates and deletes.
//
//   Informer pods(client, {.resource = {"", "v1", "pods"}});
//   pods.on_add([&](const json& p) { queue.add(key_of(p)); });
//   pods.on_update([&](const json& old, const json& now) { ... });
//   pods.on_delete([&](const json& p) { ... });
//   pods.start();
//   pods.wait_synced(5s);
//   auto p = pods.get("default", "web-1");          // shared, immutable snapshot
//   for (auto& o : pods.list("default")) ...
//
// Handlers run on the informer's thread after the cache has the change; keep them short
// (enqueue a key). Objects in the cache are immutable: copy before modifying.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "kube/client/client.h"

namespace v6k::kube {

using ObjectPtr = std::shared_ptr<const json>;

struct InformerOptions {
  ResourceRef resource;
  std::string ns;              // "" = every namespace (or a cluster-scoped resource)
  std::string label_selector;  // raw selector text, "" = all
  std::string field_selector;
  std::chrono::seconds watch_timeout{290};  // each watch call's timeoutSeconds
  std::chrono::milliseconds relist_backoff{200};
};

// "ns/name" (or "name" for cluster-scoped objects): the key of controllers' queues.
std::string object_key(const json& obj);
std::string object_key(std::string_view ns, std::string_view name);
// Splits a key back into namespace ("" if none) and name.
std::pair<std::string, std::string> split_key(std::string_view key);

class Informer {
 public:
  Informer(std::shared_ptr<Client> client, InformerOptions options);
  ~Informer();
  Informer(const Informer&) = delete;
  Informer& operator=(const Informer&) = delete;

  // Register before start().
  void on_add(std::function<void(const json&)> fn);
  void on_update(std::function<void(const json& old_obj, const json& new_obj)> fn);
  void on_delete(std::function<void(const json&)> fn);

  void start();
  void stop();
  // True once the first list is in the cache (false on timeout or stop).
  bool wait_synced(std::chrono::milliseconds timeout);
  bool synced() const { return synced_.load(); }

  ObjectPtr get(std::string_view ns, std::string_view name) const;
  ObjectPtr get(std::string_view key) const;
  std::vector<ObjectPtr> list(std::string_view ns = "") const;  // "" = all
  size_t size() const;
  // The resourceVersion of the newest event seen.
  std::string last_resource_version() const;
  // Counters for tests and metrics.
  int lists() const { return lists_.load(); }

 private:
  void run();
  bool list_and_replace();
  void apply(const std::string& type, json object);

  std::shared_ptr<Client> client_;
  InformerOptions opt_;
  std::string path_;
  std::vector<std::function<void(const json&)>> on_add_, on_delete_;
  std::vector<std::function<void(const json&, const json&)>> on_update_;

  mutable std::mutex mu_;
  std::condition_variable synced_cv_;
  // namespace -> name -> object
  std::map<std::string, std::unordered_map<std::string, ObjectPtr>, std::less<>> cache_;
  size_t count_ = 0;
  std::string rv_;

  std::atomic<bool> synced_{false};
  std::atomic<bool> stopping_{false};
  std::atomic<int> lists_{0};
  WatchStream stream_;
  std::mutex sleep_mu_;
  std::condition_variable sleep_cv_;
  std::thread thread_;
};

}  // namespace v6k::kube
