// Filter plugins, in the default profile's order. See plugins.h for the reason strings.
#include <algorithm>
#include <map>

#include "kube/scheduler/plugins.h"

namespace v6k::kube::scheduler {

PodContext::PodContext(const nlohmann::json& pod) : facts(read_pod(pod)), affinity(NodeAffinity::from_pod(pod)) {
  tolerates_unschedulable =
      tolerations_tolerate(facts.tolerations, Taint{"node.kubernetes.io/unschedulable", "", "NoSchedule"});
  for (const Toleration& t : facts.tolerations) {
    if (t.effect.empty() || t.effect == "PreferNoSchedule") prefer_tolerations.push_back(t);
  }
}

namespace {

void reject(FilterResult& r, FilterCode code, std::string_view reason) {
  r.code = code;
  r.reasons.emplace_back(reason);
}

// NodeResourcesFit: every insufficient resource is a reason of its own.
void fit_resources(const PodContext& pod, const NodeFacts& node, const NodeInfo& info, FilterResult& r) {
  bool unresolvable = false;
  if (info.pod_count + 1 > node.allowed_pods) r.reasons.emplace_back(kReasonTooManyPods);
  const Resources& want = pod.facts.requests;
  if (want.milli_cpu != 0 || want.memory != 0) {
    if (want.milli_cpu > 0 && want.milli_cpu > node.allocatable.milli_cpu - info.requested.milli_cpu) {
      r.reasons.emplace_back(kReasonInsufficientCpu);
      unresolvable |= want.milli_cpu > node.allocatable.milli_cpu;
    }
    if (want.memory > 0 && want.memory > node.allocatable.memory - info.requested.memory) {
      r.reasons.emplace_back(kReasonInsufficientMemory);
      unresolvable |= want.memory > node.allocatable.memory;
    }
  }
  if (!r.reasons.empty()) r.code = unresolvable ? FilterCode::kUnresolvable : FilterCode::kUnschedulable;
}

}  // namespace

FilterResult filter_node(const PodContext& pod, const NodeFacts& node, const NodeInfo& info) {
  FilterResult r;
  // NodeUnschedulable (a cordoned node), unless the pod tolerates the cordon taint.
  if (node.unschedulable && !pod.tolerates_unschedulable) {
    reject(r, FilterCode::kUnresolvable, kReasonUnschedulable);
    return r;
  }
  // TaintToleration: the first NoSchedule/NoExecute taint not tolerated is the reason.
  for (const Taint& t : node.taints) {
    if (t.effect != "NoSchedule" && t.effect != "NoExecute") continue;
    if (tolerations_tolerate(pod.facts.tolerations, t)) continue;
    reject(r, FilterCode::kUnresolvable, "node(s) had untolerated taint {" + t.key + ": " + t.value + "}");
    return r;
  }
  // NodeAffinity: nodeSelector and required node affinity.
  if (!pod.affinity.required_matches(node)) {
    reject(r, FilterCode::kUnresolvable, kReasonNodeAffinity);
    return r;
  }
  // NodePorts.
  for (const HostPort& hp : pod.facts.host_ports) {
    if (info.port_conflicts(hp)) {
      reject(r, FilterCode::kUnschedulable, kReasonNodePorts);
      return r;
    }
  }
  fit_resources(pod, node, info, r);
  return r;
}

std::string fit_error_message(size_t num_nodes, const std::vector<const std::vector<std::string>*>& reasons,
                              size_t extra_count, std::string_view extra_reason, std::string_view post_filter) {
  std::map<std::string_view, size_t> histogram;
  for (const auto* list : reasons) {
    for (const std::string& r : *list) ++histogram[r];
  }
  if (extra_count > 0) histogram[extra_reason] += extra_count;
  std::vector<std::string> parts;
  parts.reserve(histogram.size());
  for (const auto& [reason, count] : histogram) parts.push_back(std::to_string(count) + " " + std::string(reason));
  // Upstream sorts the "<count> <reason>" strings as text: "10 ..." sorts before "2 ...".
  std::sort(parts.begin(), parts.end());
  std::string msg = "0/" + std::to_string(num_nodes) + " nodes are available:";
  if (!parts.empty()) {
    msg += ' ';
    for (size_t i = 0; i < parts.size(); ++i) {
      if (i) msg += ", ";
      msg += parts[i];
    }
    msg += '.';
  }
  if (!post_filter.empty()) {
    msg += ' ';
    msg += post_filter;
  }
  return msg;
}

}  // namespace v6k::kube::scheduler
