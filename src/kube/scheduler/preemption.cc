// DefaultPreemption (PostFilter): when no node fits, find a node where evicting pods of
// lower priority makes room, and the fewest, least important such pods; else explain why
// not. PodDisruptionBudgets are not considered (no PDB is ever violated here).
#include <algorithm>
#include <limits>
#include <optional>
#include <string_view>
#include <tuple>

#include "kube/scheduler/plugins.h"

namespace v6k::kube::scheduler {
namespace {

struct Victim {
  const std::string* key;
  const PodEntry* entry;
};

// A pod not started yet is treated as started "now": later than any recorded start.
std::string_view start_of(const PodEntry& e) { return e.start_time.empty() ? std::string_view("\x7f") : e.start_time; }

// util.MoreImportantPod: higher priority, then earlier start.
bool more_important(const Victim& a, const Victim& b) {
  if (a.entry->priority != b.entry->priority) return a.entry->priority > b.entry->priority;
  return start_of(*a.entry) < start_of(*b.entry);
}

struct Candidate {
  const std::string* node;
  std::vector<Victim> victims;  // most important first
};

// SelectVictimsOnNode: remove every lower-priority pod; if the pod then fits, give back as
// many as possible, most important first. Returns the failure status when it cannot fit.
std::optional<FilterResult> select_victims(const PodContext& pod, const ClusterSnapshot& snapshot,
                                           const NodeStatus& st, std::vector<Victim>& victims_out) {
  std::vector<Victim> potential;
  for (const std::string& key : st.info->pods) {
    const PodEntry* e = snapshot.pod(key);
    if (e && e->priority < pod.facts.priority) potential.push_back({&key, e});
  }
  if (potential.empty()) {
    FilterResult r;
    r.code = FilterCode::kUnresolvable;
    r.reasons.emplace_back(kReasonNoVictims);
    return r;
  }
  NodeInfo trial = *st.info;
  for (const Victim& v : potential) trial.remove(*v.key, *v.entry);
  FilterResult fit = filter_node(pod, *st.node, trial);
  if (!fit.ok()) return fit;
  std::sort(potential.begin(), potential.end(), more_important);
  for (const Victim& v : potential) {
    trial.add(*v.key, *v.entry);
    if (!filter_node(pod, *st.node, trial).ok()) {
      trial.remove(*v.key, *v.entry);
      victims_out.push_back(v);
    }
  }
  return std::nullopt;
}

// pickOneNodeForPreemption without PDBs: lowest highest-victim priority, lowest sum of
// priorities, fewest victims, latest start among the highest-priority victims, then name.
const Candidate& pick(const std::vector<Candidate>& cands) {
  auto highest = [](const Candidate& c) { return int64_t(c.victims.front().entry->priority); };
  auto sum = [](const Candidate& c) {
    int64_t s = 0;
    for (const Victim& v : c.victims) s += int64_t(v.entry->priority) + (int64_t(1) << 31);
    return s;
  };
  auto earliest_top = [](const Candidate& c) {
    int32_t top = c.victims.front().entry->priority;
    std::string_view t = start_of(*c.victims.front().entry);
    for (const Victim& v : c.victims) {
      if (v.entry->priority == top) t = std::min(t, start_of(*v.entry));
    }
    return t;
  };
  const Candidate* best = &cands.front();
  for (const Candidate& c : cands) {
    if (&c == best) continue;
    auto key_c = std::make_tuple(-highest(c), -sum(c), -int64_t(c.victims.size()));
    auto key_b = std::make_tuple(-highest(*best), -sum(*best), -int64_t(best->victims.size()));
    if (key_c > key_b || (key_c == key_b && earliest_top(c) > earliest_top(*best))) best = &c;
  }
  return *best;
}

}  // namespace

PreemptionOutcome preempt(const PodContext& pod, const ClusterSnapshot& snapshot,
                          const std::vector<NodeStatus>& statuses) {
  PreemptionOutcome out;
  if (pod.facts.preempt_never) {
    out.message = "preemption: not eligible due to preemptionPolicy=Never.";
    return out;
  }
  // Only nodes rejected for resolvable reasons (resources, ports) may be helped.
  std::vector<FilterResult> failed;  // statuses of the potential nodes that cannot be helped
  std::vector<Candidate> candidates;
  size_t potential = 0;
  for (const NodeStatus& st : statuses) {
    if (st.result.code != FilterCode::kUnschedulable) continue;
    ++potential;
    std::vector<Victim> victims;
    if (auto fail = select_victims(pod, snapshot, st, victims)) {
      failed.push_back(std::move(*fail));
    } else if (!victims.empty()) {
      candidates.push_back({st.name, std::move(victims)});
    }
  }
  if (!candidates.empty()) {
    const Candidate& c = pick(candidates);
    out.node = *c.node;
    for (const Victim& v : c.victims) out.victims.push_back(*v.key);
    return out;
  }
  std::vector<const std::vector<std::string>*> reasons;
  for (const FilterResult& f : failed) reasons.push_back(&f.reasons);
  out.message = "preemption: " + fit_error_message(snapshot.num_nodes(), reasons, statuses.size() - potential,
                                                   kReasonPreemptionNotHelpful, "");
  return out;
}

}  // namespace v6k::kube::scheduler
