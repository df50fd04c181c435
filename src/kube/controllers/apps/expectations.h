// Upstream's ControllerExpectations: after a controller asks for N pod creations and some
// deletions it must not act on that owner again until its informer has seen them (or five
// minutes pass), else a stale cache makes it create or delete twice.
#pragma once

#include <chrono>
#include <mutex>
#include <set>
#include <string>
#include <unordered_map>

namespace v6k::kube::apps {

class Expectations {
 public:
  using Clock = std::chrono::steady_clock;

  void expect(const std::string& owner, int adds, const std::set<std::string>& deletes) {
    std::lock_guard lock(mu_);
    auto& e = map_[owner];
    e.adds = adds;
    e.deletes = deletes;
    e.at = Clock::now();
  }
  void creation_observed(const std::string& owner) {
    std::lock_guard lock(mu_);
    auto it = map_.find(owner);
    if (it != map_.end() && it->second.adds > 0) it->second.adds--;
  }
  void deletion_observed(const std::string& owner, const std::string& pod_key) {
    std::lock_guard lock(mu_);
    auto it = map_.find(owner);
    if (it != map_.end()) it->second.deletes.erase(pod_key);
  }
  bool satisfied(const std::string& owner) const {
    std::lock_guard lock(mu_);
    auto it = map_.find(owner);
    if (it == map_.end()) return true;
    const auto& e = it->second;
    return (e.adds <= 0 && e.deletes.empty()) || Clock::now() - e.at > std::chrono::minutes(5);
  }
  void forget(const std::string& owner) {
    std::lock_guard lock(mu_);
    map_.erase(owner);
  }

 private:
  struct Entry {
    int adds = 0;
    std::set<std::string> deletes;
    Clock::time_point at;
  };
  mutable std::mutex mu_;
  std::unordered_map<std::string, Entry> map_;
};

}  // namespace v6k::kube::apps
