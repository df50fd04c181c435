#include "kube/controllers/lifecycle/objects.h"

#include <algorithm>
#include <iostream>

namespace v6k::kube::lifecycle {

namespace {

const json& metadata(const json& obj) {
  static const json empty = json::object();
  if (!obj.is_object()) return empty;
  auto it = obj.find("metadata");
  return it != obj.end() && it->is_object() ? *it : empty;
}

}  // namespace

const json& field_at(const json& obj, std::initializer_list<std::string_view> path) {
  static const json null_json;
  const json* cur = &obj;
  for (auto k : path) {
    if (!cur->is_object()) return null_json;
    auto it = cur->find(k);
    if (it == cur->end()) return null_json;
    cur = &*it;
  }
  return *cur;
}

std::string str_at(const json& obj, std::initializer_list<std::string_view> path) {
  const json& v = field_at(obj, path);
  return v.is_string() ? v.get<std::string>() : "";
}

std::string meta_str(const json& obj, std::string_view key) {
  const json& m = metadata(obj);
  auto it = m.find(key);
  return it != m.end() && it->is_string() ? it->get<std::string>() : "";
}

bool has_finalizer(const json& obj, std::string_view finalizer) {
  const json& m = metadata(obj);
  auto it = m.find("finalizers");
  if (it == m.end() || !it->is_array()) return false;
  return std::any_of(it->begin(), it->end(), [&](const json& f) { return f.is_string() && f.get<std::string>() == finalizer; });
}

json without_finalizer(const json& obj, std::string_view finalizer) {
  json out = obj;
  json& m = out["metadata"];
  json kept = json::array();
  for (const auto& f : m.value("finalizers", json::array()))
    if (!(f.is_string() && f.get<std::string>() == finalizer)) kept.push_back(f);
  if (kept.empty()) m.erase("finalizers");
  else m["finalizers"] = std::move(kept);
  return out;
}

bool being_deleted(const json& obj) {
  const json& m = metadata(obj);
  auto it = m.find("deletionTimestamp");
  return it != m.end() && it->is_string() && !it->get<std::string>().empty();
}

const std::vector<KindInfo>& known_kinds() {
  static const std::vector<KindInfo> kinds = {
      {"", "Pod", kPods, true},
      {"apps", "ReplicaSet", kReplicaSets, true},
      {"apps", "Deployment", kDeployments, true},
      {"discovery.k8s.io", "EndpointSlice", kEndpointSlices, true},
      {"", "Service", kServices, true},
      {"", "Node", kNodes, false},
      {"", "Namespace", kNamespaces, false},
      {"", "Endpoints", kEndpoints, true},
      {"", "ConfigMap", kConfigMapsRef, true},
      {"", "Secret", {"", "v1", "secrets"}, true},
      {"", "ServiceAccount", {"", "v1", "serviceaccounts"}, true},
      {"", "Event", kEvents, true},
      {"coordination.k8s.io", "Lease", kLeases, true},
  };
  return kinds;
}

const KindInfo* find_kind(std::string_view api_version, std::string_view kind) {
  auto slash = api_version.find('/');
  std::string_view group = slash == std::string_view::npos ? std::string_view() : api_version.substr(0, slash);
  for (const auto& k : known_kinds())
    if (k.group == group && k.kind == kind) return &k;
  return nullptr;
}

void PeriodicLoop::start(std::chrono::milliseconds period, std::function<void()> fn) {
  {
    std::lock_guard lock(mu_);
    if (thread_.joinable() || stopping_) return;
  }
  thread_ = std::thread([this, period, fn = std::move(fn)] {
    std::unique_lock lock(mu_);
    while (!stopping_) {
      lock.unlock();
      try {
        fn();
      } catch (const std::exception& e) {
        // A malformed object must not take the controller manager down; next period retries.
        std::cerr << "periodic loop: " << e.what() << "\n";
      }
      lock.lock();
      cv_.wait_for(lock, period, [&] { return stopping_; });
    }
  });
}

void PeriodicLoop::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace v6k::kube::lifecycle
