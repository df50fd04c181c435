// The decision core of kube-scheduler: which node a pending pod goes to, or why none.
// Pure and fast (no I/O, no clocks): filters every node of the snapshot, scores the
// feasible ones with the default profile's plugins and picks the best (see plugins.h).
//
//   ClusterSnapshot snap;  ... fed by informers ...
//   ScheduleDecision d = schedule_pod(pod_json, snap);
//   if (d.node) {
//     snap.assume(pod_json, *d.node);      // then POST pods/<name>/binding
//   } else {
//     // Warning event, reason FailedScheduling, message d.message, e.g.
//     // "0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector.
//     //  preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling."
//     // d.preemption (if set): delete d.preemption->victims, set status.nominatedNodeName.
//   }
//
// Ties between equally good nodes rotate: the first tied node after the snapshot's last
// assumed node (in name order) wins, so identical pods spread deterministically.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "kube/scheduler/snapshot.h"

namespace v6k::kube::scheduler {

// Why one node was rejected: the reasons of the first filter that rejected it.
struct NodeFailure {
  std::string node;
  std::vector<std::string> reasons;  // e.g. {"Insufficient cpu", "Insufficient memory"}
  bool unresolvable = false;         // preemption cannot help on this node
};

struct Preemption {
  std::string node;                  // to set as the pod's status.nominatedNodeName
  std::vector<std::string> victims;  // "ns/name" of the pods to delete, most important first
};

struct ScheduleDecision {
  std::optional<std::string> node;       // the chosen node, when the pod fits somewhere
  std::vector<NodeFailure> failures;     // when it fits nowhere: every node, by name
  std::string message;                   // when it fits nowhere: the FailedScheduling text
  std::optional<Preemption> preemption;  // when evicting lower-priority pods would make room
};

// Decides where `pod` (a pending Pod object) goes given `snapshot`. Never throws.
ScheduleDecision schedule_pod(const nlohmann::json& pod, const ClusterSnapshot& snapshot);

// Whether the default scheduler should place this pod: no spec.nodeName, spec.schedulerName
// empty or `scheduler_name`, no spec.schedulingGates, not terminating, not finished.
bool needs_scheduling(const nlohmann::json& pod, std::string_view scheduler_name = "default-scheduler");

}  // namespace v6k::kube::scheduler
