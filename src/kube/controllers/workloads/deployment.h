// The Deployment controller's decisions (kubernetes pkg/controller/deployment, 1.28+) as a
// pure function: from a Deployment, the ReplicaSets and pods of its namespace and the current
// time to the ReplicaSet creations, scalings and deletions, annotation and status updates and
// Events of one sync. Follows upstream syncDeployment: adopt/release ReplicaSets by selector;
// deleted -> status only; paused -> scale and history cleanup only; scaling events scale
// proportionally; otherwise roll out with RollingUpdate (maxSurge/maxUnavailable) or Recreate
// (old to zero, wait until their pods are gone, then the new one to full size); then the
// status with the Available and Progressing conditions kubectl rollout status reads.
//
//   DeploymentPlan p = plan_deployment(deploy, rs_ptrs, pod_ptrs, "2024-05-01T10:00:00Z");
//   for (auto& a : p.adopt_replicasets) client.patch_strategic("replicasets", ns, a.name, a.patch);
//   if (p.create_replicaset) client.create("replicasets", ns, *p.create_replicaset);
//   for (auto& u : p.update_replicasets) client.patch_merge("replicasets", ns, u.name, u.patch);
//   for (auto& n : p.delete_replicasets) client.delete_("replicasets", ns, n);
//   if (p.annotation_updates) client.patch_merge("deployments", ns, name,
//                                 {{"metadata", {{"annotations", *p.annotation_updates}}}});
//   if (p.status) client.update_status(deploy with status = *p.status);
//   for (auto& e : p.events) recorder.post(deploy, e);
//
// Upstream issues these calls one by one and stops a sync at the first failure; the loop may
// do the same (the next call re-plans from what it then observes). Availability comes from
// the ReplicaSets' status, as upstream, so plan_replicaset must keep those current.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "kube/controllers/workloads/replicaset.h"

namespace v6k::kube::workloads {

inline constexpr std::string_view kRevisionAnnotation = "deployment.kubernetes.io/revision";
inline constexpr std::string_view kRevisionHistoryAnnotation =
    "deployment.kubernetes.io/revision-history";
inline constexpr std::string_view kDesiredReplicasAnnotation =
    "deployment.kubernetes.io/desired-replicas";
inline constexpr std::string_view kMaxReplicasAnnotation = "deployment.kubernetes.io/max-replicas";

// One existing ReplicaSet to change: its target size plus a JSON merge patch holding only the
// changed fields (spec.replicas, spec.minReadySeconds, metadata.annotations keys).
struct ReplicaSetUpdate {
  std::string name;
  int64_t replicas = 0;  // spec.replicas after the update
  nlohmann::json patch;  // {"metadata":{"annotations":{...}},"spec":{"replicas":N}}
};

struct DeploymentPlan {
  std::vector<OwnerPatch> adopt_replicasets;        // orphans matching the selector
  std::vector<OwnerPatch> release_replicasets;      // ours, no longer matching
  std::optional<nlohmann::json> create_replicaset;  // the new ReplicaSet body
  std::vector<ReplicaSetUpdate> update_replicasets;
  std::vector<std::string> delete_replicasets;  // old revisions beyond revisionHistoryLimit
  // Changed Deployment annotations (deployment.kubernetes.io/revision), a merge-patch map.
  std::optional<nlohmann::json> annotation_updates;
  std::optional<nlohmann::json> status;  // the whole new .status, only when it changed
  std::vector<Event> events;
  // Sync again after this long to check progressDeadlineSeconds.
  std::optional<int64_t> requeue_after_seconds;
  std::string error;  // non-empty: nothing could be planned (e.g. invalid selector)
};

// replicasets_in_namespace / pods_in_namespace: the informer view of the namespace.
DeploymentPlan plan_deployment(const nlohmann::json& deploy,
                               std::span<const nlohmann::json* const> replicasets_in_namespace,
                               std::span<const nlohmann::json* const> pods_in_namespace,
                               std::string_view now);

// Rolling-update bounds for `replicas` (deploymentutil.ResolveFenceposts): maxSurge rounds
// up, maxUnavailable down; both zero resolve to maxUnavailable 1. Values are ints or "N%";
// absent ones default to "25%", unparsable ones read as 0 (validation rejects them).
struct Fenceposts {
  int64_t max_surge = 0;
  int64_t max_unavailable = 0;
};
Fenceposts resolve_fenceposts(const nlohmann::json& max_surge,
                              const nlohmann::json& max_unavailable, int64_t replicas);

}  // namespace v6k::kube::workloads
