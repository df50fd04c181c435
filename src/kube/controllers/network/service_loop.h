// What the EndpointSlice and Endpoints controllers share (internal to this library): an
// index of Service selectors by namespace, so a pod change finds the Services selecting
// it without scanning pods, and ServiceLoop, the queue of Service keys fed by Service and
// pod events, with the trigger times upstream writes into
// endpoints.kubernetes.io/last-change-trigger-time.
//
//   class FooController : public ServiceLoop {
//     FooController(ControllerContext& ctx) : ServiceLoop(ctx, "foo") { ... more handlers ... }
//     bool sync(const std::string& service_key) override;   // false = retry with back-off
//   };
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "kube/controllers/base/controller.h"

namespace v6k::kube::network {

// Services with a non-empty spec.selector (a map, as Services have), by namespace.
// Thread-safe: informer threads write, workers read.
class ServiceSelectorIndex {
 public:
  // Adds or replaces the Service; one without a selector (or ExternalName) is removed.
  void set(const json& service);
  void erase(const json& service);
  // Keys ("ns/name") of the Services of `ns` selecting `labels` or `other_labels` (may be
  // null), sorted and unique.
  std::vector<std::string> matching(std::string_view ns, const json& labels, const json* other_labels = nullptr) const;
  size_t size() const;

 private:
  mutable std::mutex mu_;
  // namespace -> service name -> selector (a JSON object of strings)
  std::unordered_map<std::string, std::map<std::string, json>> by_ns_;
};

// True when a pod update can change what an endpoint of it looks like (labels, IPs,
// readiness, phase, deletion, node, hostname/subdomain, container ports): upstream's
// podEndpointsChanged, so status-only churn does not requeue Services.
bool pod_endpoint_fields_changed(const json& old_pod, const json& new_pod);

class ServiceLoop : public Controller {
 public:
  ~ServiceLoop() override;
  std::string name() const override { return name_; }
  void start() override;
  void stop() override;

 protected:
  ServiceLoop(ControllerContext& ctx, std::string name);
  // Syncs one Service ("ns/name"); false = retry later with back-off.
  virtual bool sync(const std::string& service_key) = 0;

  void enqueue(const std::string& service_key);
  // Enqueues and notes now as the Service's last change (the trigger time).
  void enqueue_changed(const std::string& service_key);
  // The trigger time noted for the key since the last call ("" if none), cleared.
  std::string take_trigger_time(const std::string& service_key);
  // Pointers into `objs` (which must outlive them), for the planners' spans.
  static std::vector<const json*> pointers(const std::vector<ObjectPtr>& objs);

  ControllerContext& ctx_;
  Informer& services_;
  Informer& pods_;
  WorkQueue queue_;

 private:
  std::string name_;
  ServiceSelectorIndex index_;
  std::mutex trigger_mu_;
  std::unordered_map<std::string, std::string> trigger_;
  QueueWorkers workers_;
  bool started_ = false;
};

}  // namespace v6k::kube::network
