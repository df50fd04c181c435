// Deployment status (upstream calculateStatus, syncRolloutStatus, checkPausedConditions):
// the counts kubectl rollout status compares, the Available condition, and the Progressing
// condition whose lastUpdateTime marks the last observed progress (for the deadline) while
// lastTransitionTime moves only when its status changes.
#include <algorithm>

#include "kube/controllers/workloads/deployment_sync.h"

namespace v6k::kube::workloads::detail {

json DeploymentSync::calculate_status() const {
  int64_t replicas = 0, ready = 0, available = 0, total_spec = 0;
  for (size_t i : all_rss()) {
    replicas += rss_[i].status("replicas");
    ready += rss_[i].status("readyReplicas");
    available += rss_[i].status("availableReplicas");
    total_spec += rss_[i].replicas();
  }
  json s = json::object();
  s["observedGeneration"] = generation_;
  s["replicas"] = replicas;
  s["updatedReplicas"] = new_rs_ ? rss_[*new_rs_].status("replicas") : 0;
  s["readyReplicas"] = ready;
  s["availableReplicas"] = available;
  // More available than desired (while scaling down) is not negative unavailability.
  s["unavailableReplicas"] = std::max<int64_t>(0, total_spec - available);
  if (int64_t c = int_at(status_, "collisionCount", 0); c != 0) s["collisionCount"] = c;
  const json& conds = at(status_, "conditions");
  s["conditions"] = conds.is_array() ? conds : json::array();
  if (available >= replicas_ - max_unavailable()) {
    set_condition(s, new_condition("Available", "True", "MinimumReplicasAvailable",
                                   "Deployment has minimum availability.", now_));
  } else {
    set_condition(s, new_condition("Available", "False", "MinimumReplicasUnavailable",
                                   "Deployment does not have minimum availability.", now_));
  }
  return s;
}

void DeploymentSync::sync_rollout_status() {
  json s = calculate_status();
  if (!progress_deadline_) remove_condition(s, "Progressing");
  const json* cur = get_condition(status_, "Progressing");
  const bool complete_before = int_at(s, "replicas", 0) == int_at(s, "updatedReplicas", 0) &&
                               cur != nullptr && str_at(*cur, "reason") == "NewReplicaSetAvailable";
  const std::string subject =
      new_rs_ ? "ReplicaSet \"" + rss_[*new_rs_].name + "\"" : "Deployment \"" + name_ + "\"";
  if (progress_deadline_ && !complete_before) {
    if (deployment_complete(s)) {
      set_condition(s, new_condition("Progressing", "True", "NewReplicaSetAvailable",
                                     subject + " has successfully progressed.", now_));
    } else if (int_at(s, "updatedReplicas", 0) > int_at(status_, "updatedReplicas", 0) ||
               int_at(s, "replicas", 0) - int_at(s, "updatedReplicas", 0) <
                   int_at(status_, "replicas", 0) - int_at(status_, "updatedReplicas", 0) ||
               int_at(s, "readyReplicas", 0) > int_at(status_, "readyReplicas", 0) ||
               int_at(s, "availableReplicas", 0) > int_at(status_, "availableReplicas", 0)) {
      // Progress: refresh lastUpdateTime even with the same reason; keep lastTransitionTime
      // while the condition stays True.
      json cond = new_condition("Progressing", "True", "ReplicaSetUpdated",
                                subject + " is progressing.", now_);
      if (cur != nullptr) {
        if (str_at(*cur, "status") == "True")
          cond["lastTransitionTime"] = at(*cur, "lastTransitionTime");
        remove_condition(s, "Progressing");
      }
      set_condition(s, std::move(cond));
    } else if (const json* pc = get_condition(s, "Progressing");
               pc != nullptr && str_at(*pc, "reason") != "NewReplicaSetAvailable") {
      // DeploymentTimedOut: no progress for progressDeadlineSeconds since lastUpdateTime.
      auto from = parse_time(str_at(*pc, "lastUpdateTime"));
      bool timed_out = str_at(*pc, "reason") == "ProgressDeadlineExceeded" ||
                       (from && *from + *progress_deadline_ * kNanosPerSecond < now_ns_);
      if (timed_out) {
        set_condition(s, new_condition("Progressing", "False", "ProgressDeadlineExceeded",
                                       subject + " has timed out progressing.", now_));
      }
    }
  }

  // ReplicaFailure conditions of the ReplicaSets (the new one's first) surface here.
  const json* failure = nullptr;
  std::vector<size_t> order;
  if (new_rs_) order.push_back(*new_rs_);
  for (size_t i : all_rss()) order.push_back(i);
  for (size_t i : order) {
    if (failure != nullptr) break;
    failure = get_condition(at(rss_[i].obj, "status"), "ReplicaFailure");
  }
  if (failure != nullptr) {
    json cond = {{"type", "ReplicaFailure"},
                 {"status", at(*failure, "status")},
                 {"lastTransitionTime", at(*failure, "lastTransitionTime")},
                 {"lastUpdateTime", at(*failure, "lastTransitionTime")},
                 {"reason", at(*failure, "reason")},
                 {"message", at(*failure, "message")}};
    set_condition(s, std::move(cond));
  } else {
    remove_condition(s, "ReplicaFailure");
  }
  status_ = std::move(s);

  // requeueStuckDeployment: look again when the deadline would pass without progress.
  const json* pc = get_condition(status_, "Progressing");
  if (progress_deadline_ && pc != nullptr && !deployment_complete(status_) &&
      str_at(*pc, "reason") != "ProgressDeadlineExceeded" &&
      str_at(*pc, "reason") != "NewReplicaSetAvailable") {
    if (auto from = parse_time(str_at(*pc, "lastUpdateTime"))) {
      int64_t after = *from + *progress_deadline_ * kNanosPerSecond - now_ns_;
      // One second past the deadline: timed out means strictly after it.
      plan_.requeue_after_seconds = std::max<int64_t>(0, after / kNanosPerSecond) + 1;
    }
  }
}

// checkPausedConditions: an Unknown Progressing condition while paused, so the time spent
// paused never counts against progressDeadlineSeconds.
void DeploymentSync::check_paused_conditions() {
  if (!progress_deadline_) return;
  const json* cond = get_condition(status_, "Progressing");
  if (cond != nullptr && str_at(*cond, "reason") == "ProgressDeadlineExceeded") return;
  const bool paused_cond = cond != nullptr && str_at(*cond, "reason") == "DeploymentPaused";
  if (paused_ && !paused_cond) {
    set_condition(status_, new_condition("Progressing", "Unknown", "DeploymentPaused",
                                         "Deployment is paused", now_));
  } else if (!paused_ && paused_cond) {
    set_condition(status_, new_condition("Progressing", "Unknown", "DeploymentResumed",
                                         "Deployment is resumed", now_));
  }
}

}  // namespace v6k::kube::workloads::detail
