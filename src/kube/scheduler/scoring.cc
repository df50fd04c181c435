// Score plugins of the default profile, each normalized to 0..100 and weighted as upstream.
#include <algorithm>
#include <cmath>
#include <limits>
#include <string_view>
#include <unordered_map>

#include "kube/scheduler/plugins.h"

namespace v6k::kube::scheduler {
namespace {

constexpr int64_t kMaxNodeScore = 100;
constexpr int64_t kWeightTaintToleration = 3;
constexpr int64_t kWeightNodeAffinity = 2;
constexpr int64_t kWeightTopologySpread = 2;
constexpr int64_t kWeightLeastAllocated = 1;
constexpr int64_t kWeightBalanced = 1;
// System-default PodTopologySpread constraints (ScheduleAnyway).
constexpr int kHostnameMaxSkew = 3;
constexpr int kZoneMaxSkew = 5;

// helper.DefaultNormalizeScore.
void default_normalize(std::vector<int64_t>& s, bool reverse) {
  int64_t max = 0;
  for (int64_t v : s) max = std::max(max, v);
  for (int64_t& v : s) {
    if (max == 0) {
      v = reverse ? kMaxNodeScore : 0;
      continue;
    }
    v = static_cast<int64_t>(static_cast<__int128>(kMaxNodeScore) * v / max);
    if (reverse) v = kMaxNodeScore - v;
  }
}

int64_t least_requested(int64_t requested, int64_t capacity) {
  if (capacity == 0 || requested > capacity) return 0;
  return static_cast<int64_t>(static_cast<__int128>(capacity - requested) * kMaxNodeScore / capacity);
}

// NodeResourcesFit LeastAllocated over cpu and memory (weight 1 each), using the
// non-zero requests so that pods without requests still spread.
int64_t least_allocated(const PodContext& pod, const Feasible& f) {
  const Resources& alloc = f.node->allocatable;
  const Resources used = Resources{f.info->non_zero_requested} += pod.facts.non_zero;
  int64_t score = 0, weights = 0;
  if (alloc.milli_cpu != 0) {
    score += least_requested(used.milli_cpu, alloc.milli_cpu);
    ++weights;
  }
  if (alloc.memory != 0) {
    score += least_requested(used.memory, alloc.memory);
    ++weights;
  }
  return weights == 0 ? 0 : score / weights;
}

// NodeResourcesBalancedAllocation: 100 * (1 - std deviation of the cpu/memory fractions).
int64_t balanced(const PodContext& pod, const Feasible& f) {
  const Resources& alloc = f.node->allocatable;
  const Resources used = Resources{f.info->requested} += pod.facts.requests;
  double fractions[2];
  int n = 0;
  if (alloc.milli_cpu != 0) fractions[n++] = std::min(1.0, double(used.milli_cpu) / double(alloc.milli_cpu));
  if (alloc.memory != 0) fractions[n++] = std::min(1.0, double(used.memory) / double(alloc.memory));
  double std_dev = n == 2 ? std::abs((fractions[0] - fractions[1]) / 2) : 0.0;
  return static_cast<int64_t>((1 - std_dev) * double(kMaxNodeScore));
}

// PodTopologySpread with the system-default constraints, counting pods of the same owner.
std::vector<int64_t> topology_spread(const PodContext& pod, const ClusterSnapshot& snapshot,
                                     const std::vector<Feasible>& feasible) {
  const std::string& owner = pod.facts.owner_key;
  // Zone domains present among the feasible nodes, and their pod counts over all nodes
  // that satisfy the pod's node selector/affinity.
  std::unordered_map<std::string_view, int64_t> zone_counts;
  for (const Feasible& f : feasible) {
    if (f.node->zone) zone_counts.emplace(*f.node->zone, 0);
  }
  if (!zone_counts.empty()) {
    for (const auto& [name, info] : snapshot.nodes()) {
      if (!info.node || !info.node->zone) continue;
      auto zc = zone_counts.find(*info.node->zone);
      if (zc == zone_counts.end() || !pod.affinity.required_matches(*info.node)) continue;
      zc->second += info.owner_count(owner);
    }
  }
  // Hostname: we read a node without the kubernetes.io/hostname label as its own domain.
  const double host_weight = std::log(double(feasible.size() + 2));
  const double zone_weight = std::log(double(zone_counts.size() + 2));
  std::vector<int64_t> s;
  s.reserve(feasible.size());
  for (const Feasible& f : feasible) {
    double score = double(f.info->owner_count(owner)) * host_weight + (kHostnameMaxSkew - 1);
    if (f.node->zone) score += double(zone_counts[*f.node->zone]) * zone_weight + (kZoneMaxSkew - 1);
    s.push_back(std::llround(score));
  }
  // Fewer matching pods -> higher score: 100 * (max + min - s) / max.
  int64_t min = std::numeric_limits<int64_t>::max(), max = 0;
  for (int64_t v : s) {
    min = std::min(min, v);
    max = std::max(max, v);
  }
  for (int64_t& v : s)
    v = max == 0 ? kMaxNodeScore
                 : static_cast<int64_t>(static_cast<__int128>(kMaxNodeScore) * (static_cast<__int128>(max) + min - v) / max);
  return s;
}

}  // namespace

std::vector<int64_t> score_nodes(const PodContext& pod, const ClusterSnapshot& snapshot,
                                 const std::vector<Feasible>& feasible) {
  const size_t n = feasible.size();
  std::vector<int64_t> total(n, 0);

  // TaintToleration: fewer PreferNoSchedule taints the pod does not tolerate is better.
  std::vector<int64_t> taints(n, 0);
  for (size_t i = 0; i < n; ++i) {
    for (const Taint& t : feasible[i].node->taints) {
      if (t.effect == "PreferNoSchedule" && !tolerations_tolerate(pod.prefer_tolerations, t)) ++taints[i];
    }
  }
  default_normalize(taints, /*reverse=*/true);

  // NodeAffinity: weights of the matching preferred terms.
  std::vector<int64_t> affinity(n, 0);
  if (pod.affinity.has_preferred()) {
    for (size_t i = 0; i < n; ++i) affinity[i] = pod.affinity.preferred_weight(*feasible[i].node);
    default_normalize(affinity, /*reverse=*/false);
  }

  std::vector<int64_t> spread = topology_spread(pod, snapshot, feasible);
  // BalancedAllocation skips pods that request nothing (best-effort).
  const bool best_effort = pod.facts.requests.milli_cpu == 0 && pod.facts.requests.memory == 0;

  for (size_t i = 0; i < n; ++i) {
    total[i] = kWeightTaintToleration * taints[i] + kWeightNodeAffinity * affinity[i] +
               kWeightTopologySpread * spread[i] + kWeightLeastAllocated * least_allocated(pod, feasible[i]) +
               (best_effort ? 0 : kWeightBalanced * balanced(pod, feasible[i]));
  }
  return total;
}

}  // namespace v6k::kube::scheduler
