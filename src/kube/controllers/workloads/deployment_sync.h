// Internal to the Deployment planner: one sync of one Deployment over working copies of its
// ReplicaSets. Each upstream API call (scale a ReplicaSet, update the status) becomes an edit
// of a working copy; plan_deployment diffs the copies against the inputs at the end, so a
// ReplicaSet touched twice in a sync yields one update, as the next call would observe it.
#pragma once

#include <algorithm>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "kube/controllers/workloads/deployment.h"
#include "kube/controllers/workloads/objects.h"
#include "kube/selector/selector.h"

namespace v6k::kube::workloads::detail {

struct WorkingRS {
  json obj;                    // the ReplicaSet as this sync leaves it
  const json* orig = nullptr;  // as observed; nullptr when this sync creates it
  std::string name;
  std::string uid;
  int64_t created_ns = 0;
  bool deleted = false;

  // int32 upstream; clamped so arithmetic on replica counts cannot overflow.
  int64_t replicas() const { return std::clamp<int64_t>(int_at(at(obj, "spec"), "replicas", 1), 0, 2147483647); }
  int64_t status(std::string_view key) const { return int_at(at(obj, "status"), key, 0); }
  std::string_view annotation(std::string_view key) const {
    return str_at(at(at(obj, "metadata"), "annotations"), key);
  }
  bool has_annotation(std::string_view key) const {
    return at(at(at(obj, "metadata"), "annotations"), key).is_string();
  }
  json& annotations();  // metadata.annotations, created when absent
};

// Condition helpers over a status JSON object (deploymentutil.*DeploymentCondition).
const json* get_condition(const json& status, std::string_view type);
json new_condition(std::string_view type, std::string_view status, std::string_view reason,
                   std::string_view message, const std::string& now);
void set_condition(json& status, json cond);
void remove_condition(json& status, std::string_view type);

// Upstream's strconv.Atoi on an annotation; nullopt when absent or not a decimal integer.
std::optional<int64_t> parse_int(std::string_view s);

class DeploymentSync {
 public:
  DeploymentSync(const json& deploy, std::span<const json* const> rss,
                 std::span<const json* const> pods, int64_t now_ns, DeploymentPlan& plan);
  void run();

 private:
  // deployment_sync.cc: claiming, the new ReplicaSet, scaling primitives, the output diff.
  void claim(const LabelSelector& sel);
  void count_pods(const LabelSelector& sel, std::span<const json* const> pods);
  void resolve_new_rs(bool create);
  void sync_existing_new_rs(size_t i);
  void create_new_rs();
  bool set_new_rs_annotations(WorkingRS& rs, int64_t new_revision, bool exists);
  void set_deployment_revision(std::string_view revision);
  bool scale_rs(size_t i, int64_t new_scale, std::string_view op);
  bool scale_rs_and_record(size_t i, int64_t new_scale);
  void finish();

  // deployment_rollout.cc: sync (scale/paused), rolling update, recreate, history cleanup.
  void sync_scale_or_paused();
  bool is_scaling_event();
  void scale();
  int64_t proportion(const WorkingRS& rs, int64_t to_add, int64_t added) const;
  void rollout_rolling();
  bool reconcile_new_rs();
  int64_t new_rs_new_replicas() const;
  bool reconcile_old_rss();
  void rollout_recreate();
  bool old_pods_running() const;
  void cleanup_deployment();
  bool deployment_complete(const json& status) const;

  // deployment_status.cc: status and conditions.
  json calculate_status() const;
  void sync_rollout_status();
  void check_paused_conditions();

  std::vector<size_t> all_rss() const;  // old, then new
  int64_t max_unavailable() const;      // deploymentutil.MaxUnavailable
  int64_t max_surge() const;            // deploymentutil.MaxSurge

  const json& deploy_;
  std::span<const json* const> in_rss_;
  std::span<const json* const> in_pods_;
  int64_t now_ns_;
  std::string now_;
  DeploymentPlan& plan_;

  // Spec, read once with Kubernetes defaults.
  std::string name_, uid_, ns_;
  int64_t generation_ = 0;
  int64_t replicas_ = 1;
  int64_t min_ready_ = 0;
  bool rolling_ = true;
  bool paused_ = false;
  Fenceposts fence_;
  std::optional<int64_t> progress_deadline_;  // nullopt: none (MaxInt32)
  std::optional<int64_t> history_limit_;      // nullopt: keep all (MaxInt32)

  json annotations_;  // working metadata.annotations
  json status_;       // working .status (what the intermediate UpdateStatus calls leave)

  std::vector<WorkingRS> rss_;                             // owned, after claiming
  std::unordered_map<std::string, int64_t> running_pods_;  // RS uid -> non-terminal pods
  bool resolved_ = false;
  std::optional<size_t> new_rs_;
  std::vector<size_t> old_rss_;
  bool stop_ = false;  // a hash collision ends the sync after the collisionCount bump
};

}  // namespace v6k::kube::workloads::detail
