// The scheduler's default plugins, internal to algorithm.cc: filters (in upstream's order,
// stopping at the first that rejects, as the framework does), scores (weights of the
// default profile) and the DefaultPreemption post-filter. Exposed for the unit tests.
//
// Filters and reason strings (pkg/scheduler/framework/plugins, Kubernetes 1.32):
//   NodeUnschedulable  "node(s) were unschedulable"                               unresolvable
//   TaintToleration    "node(s) had untolerated taint {<key>: <value>}"           unresolvable
//   NodeAffinity       "node(s) didn't match Pod's node affinity/selector"        unresolvable
//   NodePorts          "node(s) didn't have free ports for the requested pod ports"
//   NodeResourcesFit   "Too many pods", "Insufficient cpu", "Insufficient memory" (unresolvable
//                      when the request exceeds the node's whole allocatable)
// Scores (0..100 each, then weighted): TaintToleration x3, NodeAffinity x2,
// PodTopologySpread x2 (system default: hostname maxSkew 3, zone maxSkew 5, pods counted by
// owner key), NodeResourcesFit LeastAllocated x1, NodeResourcesBalancedAllocation x1.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "kube/scheduler/node_affinity.h"
#include "kube/scheduler/objects.h"
#include "kube/scheduler/snapshot.h"

namespace v6k::kube::scheduler {

inline constexpr std::string_view kReasonUnschedulable = "node(s) were unschedulable";
inline constexpr std::string_view kReasonNodeAffinity = "node(s) didn't match Pod's node affinity/selector";
inline constexpr std::string_view kReasonNodePorts = "node(s) didn't have free ports for the requested pod ports";
inline constexpr std::string_view kReasonTooManyPods = "Too many pods";
inline constexpr std::string_view kReasonInsufficientCpu = "Insufficient cpu";
inline constexpr std::string_view kReasonInsufficientMemory = "Insufficient memory";
inline constexpr std::string_view kReasonNoVictims = "No preemption victims found for incoming pod";
inline constexpr std::string_view kReasonPreemptionNotHelpful = "Preemption is not helpful for scheduling";

// The pending pod, read once per scheduling attempt.
struct PodContext {
  explicit PodContext(const nlohmann::json& pod);
  PodFacts facts;
  NodeAffinity affinity;
  bool tolerates_unschedulable = false;  // tolerates node.kubernetes.io/unschedulable:NoSchedule
  std::vector<Toleration> prefer_tolerations;  // effect "" or PreferNoSchedule (for scoring)
};

enum class FilterCode { kSuccess, kUnschedulable, kUnresolvable };

struct FilterResult {
  FilterCode code = FilterCode::kSuccess;
  std::vector<std::string> reasons;
  bool ok() const { return code == FilterCode::kSuccess; }
};

// Runs the filters on one node; `info` carries what its pods already use.
FilterResult filter_node(const PodContext& pod, const NodeFacts& node, const NodeInfo& info);

struct Feasible {
  const NodeInfo* info;
  const NodeFacts* node;
};

// Weighted sum of the default scores for each feasible node (same order).
std::vector<int64_t> score_nodes(const PodContext& pod, const ClusterSnapshot& snapshot,
                                 const std::vector<Feasible>& feasible);

struct PreemptionOutcome {
  std::string message;                    // PostFilter message ("" when a candidate was found)
  std::optional<std::string> node;        // candidate node to nominate
  std::vector<std::string> victims;       // "ns/name", most important first
};

struct NodeStatus {
  const std::string* name;
  const NodeFacts* node;
  const NodeInfo* info;
  FilterResult result;
};

// DefaultPreemption for a pod no node fits (`statuses`: every node's filter result).
PreemptionOutcome preempt(const PodContext& pod, const ClusterSnapshot& snapshot,
                          const std::vector<NodeStatus>& statuses);

// FitError text: "0/N nodes are available: <count reason, ...>." plus " <post-filter msg>".
std::string fit_error_message(size_t num_nodes, const std::vector<const std::vector<std::string>*>& reasons,
                              size_t extra_count, std::string_view extra_reason, std::string_view post_filter);

}  // namespace v6k::kube::scheduler
