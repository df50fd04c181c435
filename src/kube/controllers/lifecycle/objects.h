// Internal helpers of the lifecycle controllers: tolerant reads of object metadata, the
// kinds an ownerReference may name (to find the owner's API path), and a periodic loop
// that stops promptly.
//
//   if (auto* k = find_kind("apps/v1", "ReplicaSet")) client.get(resource_path(k->ref, ns, name));
//   PeriodicLoop loop;  loop.start(period, [&] { scan(); });  ...  loop.stop();
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <initializer_list>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "kube/client/client.h"
#include "kube/client/shared_informers.h"

namespace v6k::kube::lifecycle {

// obj[k0][k1]... or a null json when any step is missing or not an object (never throws).
const json& field_at(const json& obj, std::initializer_list<std::string_view> path);
// The same as a string, "" when absent or not a string.
std::string str_at(const json& obj, std::initializer_list<std::string_view> path);
// obj.metadata[key] as a string, "" when absent.
std::string meta_str(const json& obj, std::string_view key);
bool has_finalizer(const json& obj, std::string_view finalizer);
// A copy of obj without `finalizer` in metadata.finalizers (the field dropped when empty).
json without_finalizer(const json& obj, std::string_view finalizer);
bool being_deleted(const json& obj);  // metadata.deletionTimestamp set

inline constexpr const char* kFinalizerForeground = "foregroundDeletion";
inline constexpr const char* kFinalizerOrphan = "orphan";

struct KindInfo {
  std::string group;  // "" = core
  std::string kind;
  ResourceRef ref;
  bool namespaced;
};
// The kinds this API server serves; the first kTrackedKinds are the ones the garbage
// collector watches (pods, replicasets, deployments, endpointslices, services).
const std::vector<KindInfo>& known_kinds();
inline constexpr size_t kTrackedKinds = 5;
// By ownerReference apiVersion ("apps/v1", "v1") and kind; nullptr when unknown.
const KindInfo* find_kind(std::string_view api_version, std::string_view kind);

// Runs fn every period on its own thread (first run at once) until stop().
class PeriodicLoop {
 public:
  ~PeriodicLoop() { stop(); }
  void start(std::chrono::milliseconds period, std::function<void()> fn);
  void stop();

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace v6k::kube::lifecycle
