// How a Deployment moves its ReplicaSets (upstream sync.go, rolling.go, recreate.go):
// proportional scaling on scaling events and while paused, the rolling update bounded by
// maxSurge/maxUnavailable, Recreate, and the revision history cleanup.
#include <algorithm>
#include <cmath>

#include "kube/controllers/workloads/deployment_sync.h"

namespace v6k::kube::workloads::detail {

namespace {

// deploymentutil.Revision for ReplicaSetsByRevision (unparsable reads as 0).
int64_t revision_key(const WorkingRS& rs) {
  return parse_int(rs.annotation(kRevisionAnnotation)).value_or(0);
}

bool older(const WorkingRS& a, const WorkingRS& b) {  // ReplicaSetsByCreationTimestamp
  if (a.created_ns != b.created_ns) return a.created_ns < b.created_ns;
  return a.name < b.name;
}

}  // namespace

// sync(): scaling events and paused Deployments; no rollout progress is estimated.
void DeploymentSync::sync_scale_or_paused() {
  resolve_new_rs(false);
  scale();
  if (paused_) cleanup_deployment();
  status_ = calculate_status();
}

// isScalingEvent: an active ReplicaSet was sized for another spec.replicas.
bool DeploymentSync::is_scaling_event() {
  resolve_new_rs(false);
  for (size_t i : all_rss()) {
    if (rss_[i].replicas() <= 0) continue;
    auto desired = parse_int(rss_[i].annotation(kDesiredReplicasAnnotation));
    if (desired && *desired != replicas_) return true;
  }
  return false;
}

void DeploymentSync::scale() {
  // FindActiveOrLatest: with at most one active ReplicaSet, it (or the newest) takes all.
  std::vector<size_t> active;
  for (size_t i : all_rss()) {
    if (rss_[i].replicas() > 0) active.push_back(i);
  }
  std::optional<size_t> only;
  if (active.size() == 1) {
    only = active[0];
  } else if (active.empty() && new_rs_) {
    only = new_rs_;
  } else if (active.empty() && !old_rss_.empty()) {
    only = *std::max_element(old_rss_.begin(), old_rss_.end(),
                             [this](size_t a, size_t b) { return older(rss_[a], rss_[b]); });
  }
  if (only || (active.empty() && rss_.empty())) {
    if (only && rss_[*only].replicas() != replicas_) scale_rs_and_record(*only, replicas_);
    return;
  }
  // A saturated new ReplicaSet: the old ones go to zero.
  if (new_rs_) {
    const WorkingRS& n = rss_[*new_rs_];
    auto desired = parse_int(n.annotation(kDesiredReplicasAnnotation));
    if (desired && *desired == replicas_ && n.replicas() == replicas_ &&
        n.status("availableReplicas") == replicas_) {
      for (size_t o : old_rss_) {
        if (rss_[o].replicas() > 0) scale_rs_and_record(o, 0);
      }
      return;
    }
  }
  if (!rolling_) return;
  // Proportional scaling: spread (replicas + maxSurge) - current over the active sets,
  // larger ones first; newer first when scaling up, older first when scaling down.
  int64_t current = 0;
  for (size_t i : active) current += rss_[i].replicas();
  const int64_t allowed = replicas_ > 0 ? replicas_ + max_surge() : 0;
  const int64_t to_add = allowed - current;
  std::string_view op;
  if (to_add != 0) {
    op = to_add > 0 ? "up" : "down";
    std::sort(active.begin(), active.end(), [this, to_add](size_t a, size_t b) {
      const WorkingRS& x = rss_[a];
      const WorkingRS& y = rss_[b];
      if (x.replicas() != y.replicas()) return x.replicas() > y.replicas();
      return to_add > 0 ? older(y, x) : older(x, y);
    });
  }
  std::vector<int64_t> sizes;
  int64_t added = 0;
  for (size_t i : active) {
    int64_t p = to_add != 0 ? proportion(rss_[i], to_add, added) : 0;
    sizes.push_back(rss_[i].replicas() + p);
    added += p;
  }
  for (size_t k = 0; k < active.size(); ++k) {
    if (k == 0 && to_add != 0) sizes[0] = std::max<int64_t>(0, sizes[0] + to_add - added);
    scale_rs(active[k], sizes[k], op);
  }
}

// deploymentutil.GetProportion / getReplicaSetFraction.
int64_t DeploymentSync::proportion(const WorkingRS& rs, int64_t to_add, int64_t added) const {
  if (rs.replicas() == 0 || to_add == 0 || to_add == added) return 0;
  int64_t fraction = 0;
  if (replicas_ == 0) {
    fraction = -rs.replicas();
  } else {
    auto annotated = parse_int(rs.annotation(kMaxReplicasAnnotation));
    int64_t base = annotated ? *annotated : int_at(at(deploy_, "status"), "replicas", 0);
    if (base > 0) {
      double size = static_cast<double>(rs.replicas() * (replicas_ + max_surge())) /
                    static_cast<double>(base);
      fraction = std::llround(size) - rs.replicas();
    }
  }
  const int64_t allowed = to_add - added;
  return to_add > 0 ? std::min(fraction, allowed) : std::max(fraction, allowed);
}

void DeploymentSync::rollout_rolling() {
  resolve_new_rs(true);
  if (stop_ || !new_rs_) return;
  if (reconcile_new_rs() || reconcile_old_rss()) {
    sync_rollout_status();
    return;
  }
  if (deployment_complete(status_)) cleanup_deployment();
  sync_rollout_status();
}

bool DeploymentSync::reconcile_new_rs() {
  const size_t n = *new_rs_;
  if (rss_[n].replicas() == replicas_) return false;
  if (rss_[n].replicas() > replicas_) return scale_rs_and_record(n, replicas_);
  return scale_rs_and_record(n, new_rs_new_replicas());
}

// deploymentutil.NewRSNewReplicas, with one deliberate difference: a set counts the larger of
// its spec and its reported (non-terminating) replicas. Upstream sums spec only, so right after
// an old set is scaled down, and before its controller has deleted the pod, the new set may
// grow and maxSurge is briefly exceeded in real pods. Here the new set waits for the old set's
// status to show the pod gone (its controller writes status right after the delete).
int64_t DeploymentSync::new_rs_new_replicas() const {
  const int64_t cur_new = rss_[*new_rs_].replicas();
  if (!rolling_) return replicas_;
  int64_t current = 0;
  for (size_t i : all_rss()) current += std::max(rss_[i].replicas(), rss_[i].status("replicas"));
  const int64_t max_total = replicas_ + fence_.max_surge;
  if (current >= max_total) return cur_new;
  return cur_new + std::min(max_total - current, replicas_ - cur_new);
}

// reconcileOldReplicaSets: scale old sets down without dropping below minAvailable, counting
// the new set's unavailable pods; unhealthy old replicas go first (cleanupUnhealthyReplicas).
bool DeploymentSync::reconcile_old_rss() {
  std::vector<size_t> old_active;
  for (size_t o : old_rss_) {
    if (rss_[o].replicas() > 0) old_active.push_back(o);
  }
  if (old_active.empty()) return false;
  int64_t all_pods = 0;
  for (size_t i : all_rss()) all_pods += rss_[i].replicas();
  const WorkingRS& n = rss_[*new_rs_];
  const int64_t min_available = replicas_ - max_unavailable();
  const int64_t new_unavailable = n.replicas() - n.status("availableReplicas");
  const int64_t max_scaled_down = all_pods - min_available - new_unavailable;
  if (max_scaled_down <= 0) return false;

  std::sort(old_active.begin(), old_active.end(),
            [this](size_t a, size_t b) { return older(rss_[a], rss_[b]); });
  int64_t cleaned = 0;
  for (size_t o : old_active) {
    if (cleaned >= max_scaled_down) break;
    const int64_t r = rss_[o].replicas();
    const int64_t avail = rss_[o].status("availableReplicas");
    if (r == 0 || r == avail) continue;
    const int64_t down = std::min(max_scaled_down - cleaned, r - avail);
    if (down < 0) return false;  // upstream: "invalid request to scale down", sync ends
    scale_rs_and_record(o, r - down);
    cleaned += down;
  }

  // scaleDownOldReplicaSetsForRollingUpdate.
  int64_t available = n.status("availableReplicas");
  for (size_t o : old_active) available += rss_[o].status("availableReplicas");
  int64_t scaled = 0;
  if (available > min_available) {
    const int64_t total = available - min_available;
    for (size_t o : old_active) {
      if (scaled >= total) break;
      const int64_t r = rss_[o].replicas();
      if (r == 0) continue;
      const int64_t down = std::min(r, total - scaled);
      scale_rs_and_record(o, r - down);
      scaled += down;
    }
  }
  return cleaned + scaled > 0;
}

void DeploymentSync::rollout_recreate() {
  resolve_new_rs(false);
  bool scaled = false;
  for (size_t o : old_rss_) {
    if (rss_[o].replicas() != 0 && scale_rs_and_record(o, 0)) scaled = true;
  }
  if (scaled || old_pods_running()) {
    sync_rollout_status();
    return;
  }
  if (!new_rs_) {
    resolve_new_rs(true);
    if (stop_ || !new_rs_) return;
  }
  scale_rs_and_record(*new_rs_, replicas_);
  if (deployment_complete(status_)) cleanup_deployment();
  sync_rollout_status();
}

// oldPodsRunning: old sets still report pods, or pods of theirs are not yet terminal.
bool DeploymentSync::old_pods_running() const {
  for (size_t o : old_rss_) {
    if (rss_[o].status("replicas") > 0) return true;
    auto it = running_pods_.find(rss_[o].uid);
    if (it != running_pods_.end() && it->second > 0) return true;
  }
  return false;
}

// cleanupDeployment: keep revisionHistoryLimit old sets; delete the oldest revisions among
// the rest, only when scaled to zero, without pods, observed, and untouched by this sync.
void DeploymentSync::cleanup_deployment() {
  if (!history_limit_) return;
  std::vector<size_t> alive;
  for (size_t o : old_rss_) {
    if (rss_[o].orig != nullptr && !being_deleted(rss_[o].obj)) alive.push_back(o);
  }
  int64_t diff = static_cast<int64_t>(alive.size()) - *history_limit_;
  if (diff <= 0) return;
  std::sort(alive.begin(), alive.end(), [this](size_t a, size_t b) {
    int64_t ra = revision_key(rss_[a]), rb = revision_key(rss_[b]);
    if (ra != rb) return ra < rb;
    return older(rss_[a], rss_[b]);
  });
  for (int64_t k = 0; k < diff; ++k) {
    WorkingRS& rs = rss_[alive[static_cast<size_t>(k)]];
    auto pods = running_pods_.find(rs.uid);
    if (rs.status("replicas") != 0 || rs.replicas() != 0 ||
        int_at(at(rs.obj, "metadata"), "generation", 0) > rs.status("observedGeneration") ||
        rs.obj != *rs.orig || (pods != running_pods_.end() && pods->second > 0)) {
      continue;
    }
    rs.deleted = true;
    plan_.delete_replicasets.push_back(rs.name);
  }
}

// DeploymentComplete: every desired replica updated and available, no old pods left.
bool DeploymentSync::deployment_complete(const json& status) const {
  return int_at(status, "updatedReplicas", 0) == replicas_ &&
         int_at(status, "replicas", 0) == replicas_ &&
         int_at(status, "availableReplicas", 0) == replicas_ &&
         int_at(status, "observedGeneration", 0) >= generation_;
}

}  // namespace v6k::kube::workloads::detail
