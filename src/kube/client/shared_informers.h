// One informer per resource, shared by every controller of a process (client-go's
// SharedInformerFactory): each controller asks for the resources it needs and registers
// its handlers, then the owner starts them all and waits for the first lists.
//
//   SharedInformers inf(client);
//   Informer& pods = inf.get(kPods);          // same object for every caller
//   pods.on_add(...);
//   inf.start();
//   if (!inf.wait_synced(10s)) ...;
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "kube/client/informer.h"

namespace v6k::kube {

// The resources the control plane watches.
inline const ResourceRef kPods{"", "v1", "pods"};
inline const ResourceRef kNodes{"", "v1", "nodes"};
inline const ResourceRef kNamespaces{"", "v1", "namespaces"};
inline const ResourceRef kServices{"", "v1", "services"};
inline const ResourceRef kEndpoints{"", "v1", "endpoints"};
inline const ResourceRef kEvents{"", "v1", "events"};
inline const ResourceRef kConfigMapsRef{"", "v1", "configmaps"};
inline const ResourceRef kReplicaSets{"apps", "v1", "replicasets"};
inline const ResourceRef kDeployments{"apps", "v1", "deployments"};
inline const ResourceRef kEndpointSlices{"discovery.k8s.io", "v1", "endpointslices"};
inline const ResourceRef kLeases{"coordination.k8s.io", "v1", "leases"};

class SharedInformers {
 public:
  explicit SharedInformers(std::shared_ptr<Client> client) : client_(std::move(client)) {}
  ~SharedInformers() { stop(); }

  // The informer of `r` (every namespace); created on first request. Call before start().
  Informer& get(const ResourceRef& r) {
    std::lock_guard lock(mu_);
    auto key = r.group + "/" + r.resource;
    auto it = informers_.find(key);
    if (it == informers_.end())
      it = informers_.emplace(key, std::make_unique<Informer>(client_, InformerOptions{.resource = r})).first;
    return *it->second;
  }

  void start() {
    std::lock_guard lock(mu_);
    for (auto& [_, inf] : informers_) inf->start();
  }

  bool wait_synced(std::chrono::milliseconds timeout) {
    auto end = std::chrono::steady_clock::now() + timeout;
    std::lock_guard lock(mu_);
    for (auto& [_, inf] : informers_) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now());
      if (!inf->wait_synced(std::max(left, std::chrono::milliseconds(0)))) return false;
    }
    return true;
  }

  void stop() {
    std::lock_guard lock(mu_);
    for (auto& [_, inf] : informers_) inf->stop();
  }

  const std::shared_ptr<Client>& client() const { return client_; }

 private:
  std::shared_ptr<Client> client_;
  std::mutex mu_;
  std::map<std::string, std::unique_ptr<Informer>> informers_;
};

}  // namespace v6k::kube
