#include "kube/scheduler/algorithm.h"

#include <exception>

#include "kube/scheduler/plugins.h"

namespace v6k::kube::scheduler {

using nlohmann::json;

namespace {

// ErrNoNodesAvailable: no FitError (and so no preemption text) when there are no nodes.
constexpr std::string_view kNoNodes = "no nodes available to schedule pods";

// Among the best-scored nodes, the first after `last` in name order (wrapping around).
size_t pick_rotating(const std::vector<Feasible>& feasible, const std::vector<const std::string*>& names,
                     const std::vector<int64_t>& scores, const std::string& last) {
  int64_t best = scores[0];
  for (int64_t s : scores) best = std::max(best, s);
  size_t first_tied = feasible.size();
  for (size_t i = 0; i < feasible.size(); ++i) {
    if (scores[i] != best) continue;
    if (first_tied == feasible.size()) first_tied = i;
    if (*names[i] > last) return i;
  }
  return first_tied;
}

ScheduleDecision schedule(const json& pod, const ClusterSnapshot& snapshot) {
  ScheduleDecision d;
  if (snapshot.num_nodes() == 0) {
    d.message = kNoNodes;
    return d;
  }
  const PodContext ctx(pod);
  std::vector<Feasible> feasible;
  std::vector<const std::string*> feasible_names;
  std::vector<NodeStatus> rejected;
  feasible.reserve(snapshot.num_nodes());
  feasible_names.reserve(snapshot.num_nodes());
  for (const auto& [name, info] : snapshot.nodes()) {
    if (!info.node) continue;
    FilterResult r = filter_node(ctx, *info.node, info);
    if (r.ok()) {
      feasible.push_back({&info, &*info.node});
      feasible_names.push_back(&name);
    } else if (feasible.empty()) {
      // Reasons only matter when no node fits; stop collecting once one does.
      rejected.push_back({&name, &*info.node, &info, std::move(r)});
    }
  }
  if (!feasible.empty()) {
    if (feasible.size() == 1) {
      d.node = *feasible_names[0];
      return d;
    }
    std::vector<int64_t> scores = score_nodes(ctx, snapshot, feasible);
    d.node = *feasible_names[pick_rotating(feasible, feasible_names, scores, snapshot.last_assumed_node())];
    return d;
  }

  PreemptionOutcome pre = preempt(ctx, snapshot, rejected);
  std::vector<const std::vector<std::string>*> reasons;
  reasons.reserve(rejected.size());
  for (NodeStatus& st : rejected) {
    reasons.push_back(&st.result.reasons);
  }
  d.message = fit_error_message(snapshot.num_nodes(), reasons, 0, "", pre.message);
  for (NodeStatus& st : rejected) {
    d.failures.push_back({*st.name, std::move(st.result.reasons), st.result.code == FilterCode::kUnresolvable});
  }
  if (pre.node) d.preemption = Preemption{*pre.node, std::move(pre.victims)};
  return d;
}

}  // namespace

ScheduleDecision schedule_pod(const json& pod, const ClusterSnapshot& snapshot) {
  try {
    return schedule(pod, snapshot);
  } catch (const std::exception& e) {
    // Only allocation failure can get here; report it rather than crash the loop.
    ScheduleDecision d;
    d.message = std::string("scheduling failed: ") + e.what();
    return d;
  }
}

bool needs_scheduling(const json& pod, std::string_view scheduler_name) {
  const json* spec = child(pod, "spec");
  if (!spec) return false;
  if (!str_at(*spec, "nodeName").empty()) return false;
  std::string_view sched = str_at(*spec, "schedulerName");
  if (!sched.empty() && sched != scheduler_name) return false;
  const json* gates = child(*spec, "schedulingGates");
  if (gates && gates->is_array() && !gates->empty()) return false;
  const json* meta = child(pod, "metadata");
  const json* del = meta ? child(*meta, "deletionTimestamp") : nullptr;
  if (del && !del->is_null()) return false;
  const json* status = child(pod, "status");
  std::string_view phase = status ? str_at(*status, "phase") : std::string_view();
  return phase != "Succeeded" && phase != "Failed";
}

}  // namespace v6k::kube::scheduler
