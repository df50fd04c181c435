// The pod garbage collector (upstream pkg/controller/podgc), every node_monitor_period:
//   orphaned pods: pods bound to a node that does not exist. A missing node is noted on
//     one pass and confirmed on a later one by a GET (404) — upstream's quarantine, which
//     keeps informer lag from killing pods of a node just created. Its pods are marked
//     Failed with condition DisruptionTarget (reason DeletionByPodGC) and force-deleted
//     (gracePeriodSeconds 0, uid precondition): no kubelet is left to confirm.
//   unscheduled terminating pods: deletionTimestamp set, no node -> force-deleted.
// Left out: the terminated-pod threshold (--terminated-pod-gc-threshold) and terminating
// pods on NotReady nodes with the node.kubernetes.io/out-of-service taint.
#include <iostream>
#include <unordered_set>

#include "kube/client/events.h"
#include "kube/controllers/lifecycle/lifecycle.h"
#include "kube/controllers/lifecycle/objects.h"

namespace v6k::kube::lifecycle {

namespace {

class PodGcController final : public Controller {
 public:
  explicit PodGcController(ControllerContext& ctx)
      : ctx_(ctx), pods_(ctx.informers.get(kPods)), nodes_(ctx.informers.get(kNodes)) {}
  ~PodGcController() override { stop(); }

  std::string name() const override { return kPodGcControllerName; }
  void start() override {
    loop_.start(ctx_.options.node_monitor_period, [this] { pass(); });
  }
  void stop() override { loop_.stop(); }

 private:
  void pass() {
    std::unordered_set<std::string> nodes;
    for (const auto& n : nodes_.list()) nodes.insert(meta_str(*n, "name"));
    std::unordered_map<std::string, std::vector<ObjectPtr>> orphans;  // missing node -> its pods
    for (auto& pod : pods_.list()) {
      std::string node = str_at(*pod, {"spec", "nodeName"});
      if (node.empty()) {
        if (being_deleted(*pod)) force_delete(*pod, false);
      } else if (!nodes.contains(node)) {
        orphans[node].push_back(std::move(pod));
      }
    }
    // Nodes missing on this pass; those already missing on an earlier one are confirmed.
    std::unordered_set<std::string> seen_before;
    seen_before.swap(missing_);
    for (auto& [node, pods] : orphans) {
      missing_.insert(node);
      if (!seen_before.contains(node)) continue;
      auto r = ctx_.client->get(resource_path(kNodes, "", node));
      if (r || !r.error().not_found()) continue;  // it exists after all (or we cannot tell)
      for (const auto& pod : pods) force_delete(*pod, true);
    }
  }

  void force_delete(const json& pod, bool mark_failed) {
    const std::string path = resource_path(kPods, meta_str(pod, "namespace"), meta_str(pod, "name"));
    std::string phase = str_at(pod, {"status", "phase"});
    if (mark_failed && phase != "Succeeded" && phase != "Failed") {
      json conditions = json::array();
      const json& old_conditions = field_at(pod, {"status", "conditions"});
      if (old_conditions.is_array())
        for (const auto& c : old_conditions)
          if (c.is_object() && c.value("type", "") != "DisruptionTarget") conditions.push_back(c);
      conditions.push_back({{"type", "DisruptionTarget"}, {"status", "True"}, {"reason", "DeletionByPodGC"},
                            {"message", "PodGC: node no longer exists"}, {"lastTransitionTime", now_rfc3339()}});
      json patch = {{"status", {{"phase", "Failed"}, {"conditions", conditions}}}};
      auto r = ctx_.client->patch(path + "/status", PatchType::kMerge, patch);
      if (!r && !r.error().not_found())
        std::cerr << kPodGcControllerName << ": mark " << path << " failed: " << r.error().text() << "\n";
    }
    json opts = {{"gracePeriodSeconds", 0}, {"preconditions", {{"uid", meta_str(pod, "uid")}}}};
    auto r = ctx_.client->remove(path, opts);
    if (!r && !r.error().not_found() && r.error().code != 409)
      std::cerr << kPodGcControllerName << ": delete " << path << ": " << r.error().text() << "\n";
  }

  ControllerContext& ctx_;
  Informer& pods_;
  Informer& nodes_;
  std::unordered_set<std::string> missing_;  // only touched by the loop thread
  PeriodicLoop loop_;
};

}  // namespace

}  // namespace v6k::kube::lifecycle

namespace v6k::kube {

std::unique_ptr<Controller> make_pod_gc_controller(ControllerContext& ctx) {
  return std::make_unique<lifecycle::PodGcController>(ctx);
}

}  // namespace v6k::kube
