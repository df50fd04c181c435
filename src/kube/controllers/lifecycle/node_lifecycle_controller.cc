// The node lifecycle controller (upstream pkg/controller/nodelifecycle, monitorNodeHealth
// and the taint passes): every node_monitor_period, each node is judged from its Lease
// (kube-node-lease/<node>) and its Ready heartbeat by netplan::evaluate_node. New
// conditions go to nodes/<name>/status, new taints to nodes/<name>, both as merge patches
// carrying the resourceVersion they were computed from (a 409 means the kubelet wrote
// meanwhile: re-read and judge again once, else wait for the next period). When this
// controller takes Ready from True, it records "Node <name> status is now: NodeNotReady"
// and marks the node's pods not Ready (upstream MarkPodsNotReady), so their endpoints
// turn not-ready. Rate-limited NoExecute eviction and zone disruption states are left out.
#include <iostream>

#include "kube/client/events.h"
#include "kube/controllers/lifecycle/lifecycle.h"
#include "kube/controllers/lifecycle/objects.h"
#include "kube/controllers/netplan/node_lifecycle.h"

namespace v6k::kube::lifecycle {

namespace {

std::string ready_status(const json& conditions) {
  if (!conditions.is_array()) return "";
  for (const auto& c : conditions)
    if (c.is_object() && c.value("type", "") == "Ready") return c.value("status", "");
  return "";
}

class NodeLifecycleController final : public Controller {
 public:
  explicit NodeLifecycleController(ControllerContext& ctx)
      : ctx_(ctx),
        nodes_(ctx.informers.get(kNodes)),
        leases_(ctx.informers.get(kLeases)),
        pods_(ctx.informers.get(kPods)) {}
  ~NodeLifecycleController() override { stop(); }

  std::string name() const override { return kNodeLifecycleControllerName; }
  void start() override {
    loop_.start(ctx_.options.node_monitor_period, [this] { monitor(); });
  }
  void stop() override { loop_.stop(); }

 private:
  void monitor() {
    for (const auto& node : nodes_.list()) {
      json current = *node;
      for (int attempt = 0; attempt < 2; ++attempt) {
        auto r = judge(current);
        if (r || r.error().code != 409) {
          if (!r && !r.error().not_found())
            std::cerr << kNodeLifecycleControllerName << ": node " << meta_str(current, "name") << ": " << r.error().text()
                      << "\n";
          break;
        }
        auto fresh = ctx_.client->get(resource_path(kNodes, "", meta_str(current, "name")));
        if (!fresh) break;
        current = std::move(*fresh);
      }
    }
  }

  KubeResult<void> judge(const json& node) {
    const std::string name = meta_str(node, "name");
    ObjectPtr lease = leases_.get("kube-node-lease", name);
    auto plan = netplan::evaluate_node(node, lease.get(), now_rfc3339(), std::chrono::duration_cast<std::chrono::seconds>(
                                                                            ctx_.options.node_monitor_grace));
    if (!plan) return api_fail(0, "Invalid", plan.error().message());
    if (!plan->status_changed && !plan->taints_changed) return {};
    std::string rv = meta_str(node, "resourceVersion");
    const std::string path = resource_path(kNodes, "", name);
    if (plan->status_changed) {
      json patch = {{"metadata", {{"resourceVersion", rv}}}, {"status", {{"conditions", plan->conditions}}}};
      auto r = ctx_.client->patch(path + "/status", PatchType::kMerge, patch);
      if (!r) return std::unexpected(r.error());
      rv = meta_str(*r, "resourceVersion");
      std::string before = ready_status(field_at(node, {"status", "conditions"}));
      if (before == "True" && ready_status(plan->conditions) != "True") {
        json ref = {{"metadata", {{"name", name}, {"uid", name}}}};  // upstream's node event reference
        ctx_.events.record(ref, "Normal", "NodeNotReady", "Node " + name + " status is now: NodeNotReady", "Node", "v1");
        mark_pods_not_ready(name);
      }
    }
    if (plan->taints_changed) {
      json patch = {{"metadata", {{"resourceVersion", rv}}}, {"spec", {{"taints", plan->taints}}}};
      auto r = ctx_.client->patch(path, PatchType::kMerge, patch);
      if (!r) return std::unexpected(r.error());
    }
    return {};
  }

  // Ready -> False on every pod of the node (only pods that say True), as upstream does
  // when the node stops reporting; the kubelet sets it back when it returns.
  void mark_pods_not_ready(const std::string& node) {
    const std::string now = now_rfc3339();
    for (const auto& pod : pods_.list()) {
      if (str_at(*pod, {"spec", "nodeName"}) != node) continue;
      json conditions = field_at(*pod, {"status", "conditions"});
      if (!conditions.is_array()) continue;
      bool changed = false;
      for (auto& c : conditions)
        if (c.is_object() && c.value("type", "") == "Ready" && c.value("status", "") == "True") {
          c["status"] = "False";
          c["lastTransitionTime"] = now;
          changed = true;
        }
      if (!changed) continue;
      json patch = {{"metadata", {{"resourceVersion", meta_str(*pod, "resourceVersion")}}},
                    {"status", {{"conditions", conditions}}}};
      auto r = ctx_.client->patch(resource_path(kPods, meta_str(*pod, "namespace"), meta_str(*pod, "name")) + "/status",
                                  PatchType::kMerge, patch);
      if (r) ctx_.events.record(*r, "Warning", "NodeNotReady", "Node is not ready", "Pod", "v1");
    }
  }

  ControllerContext& ctx_;
  Informer& nodes_;
  Informer& leases_;
  Informer& pods_;
  PeriodicLoop loop_;
};

}  // namespace

}  // namespace v6k::kube::lifecycle

namespace v6k::kube {

std::unique_ptr<Controller> make_node_lifecycle_controller(ControllerContext& ctx) {
  return std::make_unique<lifecycle::NodeLifecycleController>(ctx);
}

}  // namespace v6k::kube
