// Node health as kube-controller-manager's node lifecycle controller judges it
// (pkg/controller/nodelifecycle/node_lifecycle_controller.go tryUpdateNodeHealth,
// doNoScheduleTaintingPass, doNoExecuteTaintingPass; 1.32 semantics), as a pure function.
//
//   auto plan = evaluate_node(node, lease_or_null, "2025-01-01T00:00:50Z", std::chrono::seconds(40));
//   if (!plan) log(plan.error().message());                 // unparsable `now`
//   if (plan->status_changed) write status.conditions = plan->conditions  (status subresource)
//   if (plan->taints_changed) write spec.taints = plan->taints            (one update/patch)
//
// The last heartbeat is the later of the Lease's spec.renewTime and the Ready condition's
// lastHeartbeatTime (upstream tracks when it *observed* either change; with `now` passed in
// we compare the timestamps themselves). When now > heartbeat + grace, each of Ready,
// MemoryPressure, DiskPressure and PIDPressure that is not already Unknown becomes
// status "Unknown", reason "NodeStatusUnknown", message "Kubelet stopped posting node
// status.", lastTransitionTime now, lastHeartbeatTime kept; one that is missing is added
// with reason "NodeStatusNeverUpdated", message "Kubelet never posted node status." and
// lastHeartbeatTime = the node's creationTimestamp. A node that never posted Ready is
// judged from its creationTimestamp with startup_grace (--node-startup-grace-period).
//
// Taints follow the resulting conditions: Ready False -> node.kubernetes.io/not-ready,
// Ready Unknown -> node.kubernetes.io/unreachable (each NoSchedule, and NoExecute with
// timeAdded = now), Ready True -> neither; MemoryPressure/DiskPressure/PIDPressure/
// NetworkUnavailable True -> node.kubernetes.io/{memory,disk,pid}-pressure /
// network-unavailable NoSchedule; spec.unschedulable -> node.kubernetes.io/unschedulable
// NoSchedule. Taints already present keep their position and timeAdded; other taints are
// left alone. Pod eviction (rate-limited NoExecute processing) is not planned here.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"

namespace v6k::kube::netplan {

inline constexpr const char* kTaintUnreachable = "node.kubernetes.io/unreachable";
inline constexpr const char* kTaintNotReady = "node.kubernetes.io/not-ready";

struct NodeHealthPlan {
  bool healthy = true;            // heartbeat within grace (status not rewritten)
  bool status_changed = false;    // conditions must be written
  nlohmann::json conditions;      // the full new status.conditions array (always filled)
  bool taints_changed = false;    // taints must be written
  nlohmann::json taints;          // the full new spec.taints array (always filled)
  std::vector<nlohmann::json> taints_added;   // for events/logs
  std::vector<nlohmann::json> taints_removed;
  int64_t heartbeat_unix_micros = 0;  // the heartbeat used (0: none, creation time used)
};

// node: a v1 Node; lease: its coordination.k8s.io/v1 Lease in kube-node-lease, or null;
// now_rfc3339: the current time ("2025-01-01T00:00:50Z", fractional seconds and offsets
// accepted) written into lastTransitionTime/timeAdded as given. Errors only when
// now_rfc3339 does not parse (EINVAL). Never throws.
Result<NodeHealthPlan> evaluate_node(const nlohmann::json& node, const nlohmann::json* lease, std::string_view now_rfc3339,
                                     std::chrono::seconds grace_period,
                                     std::chrono::seconds startup_grace = std::chrono::seconds(60));

// RFC 3339 text ("2025-01-01T00:00:00Z", "...T00:00:00.123456Z", "...+02:00") to
// microseconds since the Unix epoch.
Result<int64_t> parse_rfc3339_micros(std::string_view text);

}  // namespace v6k::kube::netplan
