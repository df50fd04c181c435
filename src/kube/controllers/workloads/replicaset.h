// The ReplicaSet controller's decisions (kubernetes pkg/controller/replicaset) as a pure
// function: from a ReplicaSet and the pods of its namespace to the pods to adopt, release,
// create and delete, and the status to write. The caller (the control loop) applies the plan
// through the API and calls again on the next event; each call makes progress.
//
//   ReplicaSetPlan p = plan_replicaset(rs, pod_ptrs, "2024-05-01T10:00:00Z");
//   for (auto& a : p.adopt)   client.patch_strategic("pods", ns, a.name, a.patch);
//   for (auto& body : p.create) client.create("pods", ns, body);   // then Event "Created pod:
//   <name>" for (auto& n : p.delete_pods) client.delete_("pods", ns, n); if (p.status)
//   client.update_status(rs with status = *p.status); if (p.requeue_after_seconds)
//   queue.add_after(key, *p.requeue_after_seconds);
//
// Like upstream, a call trusts its inputs: the loop must not call again before its own
// creations/deletions show up in the informer (upstream's ControllerExpectations), or it
// will create or delete twice.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace v6k::kube::workloads {

// An Event the upstream controller would record on the object it syncs.
struct Event {
  std::string type;    // "Normal" | "Warning"
  std::string reason;  // e.g. "ScalingReplicaSet", "SuccessfulDelete"
  std::string message;
  bool operator==(const Event&) const = default;
};

// A strategic-merge patch for one named object (adopt/release an ownerReference).
struct OwnerPatch {
  std::string name;
  nlohmann::json patch;
};

struct ReplicaSetPlan {
  std::vector<OwnerPatch> adopt;         // orphans matching the selector: add our controller ref
  std::vector<OwnerPatch> release;       // ours but no longer matching: drop our ownerReference
  std::vector<nlohmann::json> create;    // Pod bodies (metadata.generateName "<rs>-")
  std::vector<std::string> delete_pods;  // names, best deletion candidates first
  std::optional<nlohmann::json> status;  // the whole new .status, only when it changed
  std::vector<Event> events;             // SuccessfulDelete per deleted pod
  // Sync again after this long: a ready pod becomes available after minReadySeconds.
  std::optional<int64_t> requeue_after_seconds;
  std::string error;  // non-empty: nothing could be planned (e.g. invalid selector)
};

// Upstream's burstReplicas: at most this many creations or deletions per sync.
inline constexpr int64_t kBurstReplicas = 500;
inline constexpr std::string_view kPodDeletionCostAnnotation =
    "controller.kubernetes.io/pod-deletion-cost";

// pods_in_namespace: every pod of the ReplicaSet's namespace (the loop's informer view).
// now_rfc3339: the current time, for availability (minReadySeconds) and deletion ranking.
ReplicaSetPlan plan_replicaset(const nlohmann::json& rs,
                               std::span<const nlohmann::json* const> pods_in_namespace,
                               std::string_view now_rfc3339);

// The order in which upstream deletes surplus pods (controller.ActivePodsWithRanks):
// unscheduled < scheduled; Pending < Unknown < Running; not ready < ready; lower
// pod-deletion-cost; more pods of the same owner on its node; ready for a shorter time;
// more container restarts; created more recently. Times compare on a log2 scale of their age
// (LogarithmicScaleDown), ties break by uid then name. `related` (the owner's active pods)
// feeds the same-node count. Returns indices into `pods`, the first `count` in that order.
std::vector<size_t> rank_pods_for_deletion(std::span<const nlohmann::json* const> pods,
                                           std::span<const nlohmann::json* const> related,
                                           size_t count, int64_t now_ns);

}  // namespace v6k::kube::workloads
