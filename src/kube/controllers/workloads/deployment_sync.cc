// plan_deployment: reads the spec with defaults, claims ReplicaSets, dispatches like upstream
// syncDeployment, and turns the working copies into the plan.
#include "kube/controllers/workloads/deployment_sync.h"

#include <algorithm>
#include <cmath>
#include <unordered_set>

namespace v6k::kube::workloads {

namespace {

constexpr int64_t kMaxInt32 = 2147483647;

// intstr.GetScaledValueFromIntOrPercent; an absent value is apps/v1's default "25%".
int64_t scaled_value(const json& v, int64_t total, bool round_up) {
  if (v.is_number_integer()) return std::clamp<int64_t>(v.get<int64_t>(), -kMaxInt32 - 1, kMaxInt32);
  if (v.is_number_float())
    return std::fabs(v.get<double>()) < 1e9 ? static_cast<int64_t>(v.get<double>()) : 0;
  std::string_view s = v.is_string() ? std::string_view(v.get_ref<const std::string&>()) : "25%";
  if (s.empty() || s.back() != '%') return 0;
  auto pct = detail::parse_int(s.substr(0, s.size() - 1));
  if (!pct) return 0;
  double scaled = static_cast<double>(*pct) * static_cast<double>(total) / 100.0;
  scaled = round_up ? std::ceil(scaled) : std::floor(scaled);
  // Replica counts are int32 upstream; a larger percentage result is clamped there.
  return static_cast<int64_t>(std::clamp(scaled, -2147483648.0, 2147483647.0));
}

// Merge-patch map turning `before` into `after` (null deletes a key).
json map_diff(const json& before, const json& after) {
  json d = json::object();
  if (after.is_object()) {
    for (auto it = after.begin(); it != after.end(); ++it) {
      const json& old = at(before, it.key());
      if (old != *it) d[it.key()] = *it;
    }
  }
  if (before.is_object()) {
    for (auto it = before.begin(); it != before.end(); ++it) {
      if (!after.is_object() || !after.contains(it.key())) d[it.key()] = nullptr;
    }
  }
  return d;
}

// A status as Go marshals it: zero counts, nulls and empty lists are omitted, so two
// statuses compare as upstream's reflect.DeepEqual on the structs would.
json omit_empty(const json& status) {
  json out = json::object();
  if (!status.is_object()) return out;
  for (auto it = status.begin(); it != status.end(); ++it) {
    const json& v = *it;
    if (v.is_null() || (v.is_number() && v == 0) || (v.is_array() && v.empty())) continue;
    out[it.key()] = v;
  }
  return out;
}

}  // namespace

Fenceposts resolve_fenceposts(const json& max_surge, const json& max_unavailable,
                              int64_t replicas) {
  Fenceposts f{scaled_value(max_surge, replicas, true),
               scaled_value(max_unavailable, replicas, false)};
  // Rounding down may turn a non-zero percentage into 0; upstream then allows 1 unavailable.
  if (f.max_surge == 0 && f.max_unavailable == 0) f.max_unavailable = 1;
  return f;
}

namespace detail {

json& WorkingRS::annotations() {
  json& meta = obj["metadata"];
  if (!meta.is_object()) meta = json::object();
  json& a = meta["annotations"];
  if (!a.is_object()) a = json::object();
  return a;
}

std::optional<int64_t> parse_int(std::string_view s) {
  if (s.empty()) return std::nullopt;
  size_t i = (s[0] == '-' || s[0] == '+') ? 1 : 0;
  if (i == s.size() || s.size() - i > 18) return std::nullopt;
  int64_t n = 0;
  for (; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return std::nullopt;
    n = n * 10 + (s[i] - '0');
  }
  return s[0] == '-' ? -n : n;
}

DeploymentSync::DeploymentSync(const json& deploy, std::span<const json* const> rss,
                               std::span<const json* const> pods, int64_t now_ns,
                               DeploymentPlan& plan)
    : deploy_(deploy),
      in_rss_(rss),
      in_pods_(pods),
      now_ns_(now_ns),
      now_(format_time(now_ns)),
      plan_(plan) {
  const json& meta = at(deploy, "metadata");
  const json& spec = at(deploy, "spec");
  name_ = std::string(name_of(deploy));
  uid_ = std::string(uid_of(deploy));
  ns_ = std::string(namespace_of(deploy));
  generation_ = int_at(meta, "generation", 0);
  // int32 upstream: the API would refuse more (see validation), and sums must not overflow.
  replicas_ = std::clamp<int64_t>(int_at(spec, "replicas", 1), 0, 2147483647);
  min_ready_ = int_at(spec, "minReadySeconds", 0);
  const json& strategy = at(spec, "strategy");
  rolling_ = str_at(strategy, "type") != "Recreate";
  const json& ru = at(strategy, "rollingUpdate");
  fence_ = resolve_fenceposts(at(ru, "maxSurge"), at(ru, "maxUnavailable"), replicas_);
  paused_ = bool_at(spec, "paused", false);
  int64_t deadline = int_at(spec, "progressDeadlineSeconds", 600);
  if (deadline != kMaxInt32) progress_deadline_ = deadline;
  int64_t limit = int_at(spec, "revisionHistoryLimit", 10);
  if (limit != kMaxInt32) history_limit_ = std::max<int64_t>(0, limit);
  annotations_ = at(meta, "annotations").is_object() ? at(meta, "annotations") : json::object();
  status_ = at(deploy, "status").is_object() ? at(deploy, "status") : json::object();
}

int64_t DeploymentSync::max_surge() const { return rolling_ ? fence_.max_surge : 0; }

int64_t DeploymentSync::max_unavailable() const {
  if (!rolling_ || replicas_ == 0) return 0;
  return std::min(fence_.max_unavailable, replicas_);
}

std::vector<size_t> DeploymentSync::all_rss() const {
  std::vector<size_t> all = old_rss_;
  if (new_rs_) all.push_back(*new_rs_);
  return all;
}

void DeploymentSync::run() {
  const json& selector = at(at(deploy_, "spec"), "selector");
  auto sel = LabelSelector::from_json(selector);
  if (!sel) {
    plan_.error =
        "deployment " + ns_ + "/" + name_ + " has invalid label selector: " + sel.error().what();
    return;
  }
  if (sel->empty()) {
    plan_.events.push_back({"Warning", "SelectingAll",
                            "This deployment is selecting all pods. A non-empty selector is "
                            "required."});
    if (int_at(status_, "observedGeneration", 0) < generation_) {
      status_["observedGeneration"] = generation_;
    }
    finish();
    return;
  }
  claim(*sel);
  count_pods(*sel, in_pods_);
  if (being_deleted(deploy_)) {
    resolve_new_rs(false);
    status_ = calculate_status();
  } else {
    check_paused_conditions();
    if (paused_ || is_scaling_event()) {
      sync_scale_or_paused();
    } else if (rolling_) {
      rollout_rolling();
    } else {
      rollout_recreate();
    }
  }
  finish();
}

// getReplicaSetsForDeployment: ClaimReplicaSets by the Deployment's selector.
void DeploymentSync::claim(const LabelSelector& sel) {
  const bool deleting = being_deleted(deploy_);
  const json ref = controller_ref_to(deploy_, "apps/v1", "Deployment");
  for (const json* rs : in_rss_) {
    if (rs == nullptr) continue;
    if (!ns_.empty() && !namespace_of(*rs).empty() && namespace_of(*rs) != ns_) continue;
    bool matches = sel.matches(at(at(*rs, "metadata"), "labels"));
    const json* cref = controller_ref(*rs);
    if (cref != nullptr) {
      if (str_at(*cref, "uid") != uid_) continue;
      if (!matches) {
        if (!deleting)
          plan_.release_replicasets.push_back(
              {std::string(name_of(*rs)), release_patch(*rs, uid_)});
        continue;
      }
    } else {
      if (!matches || deleting || being_deleted(*rs)) continue;
      plan_.adopt_replicasets.push_back({std::string(name_of(*rs)), adopt_patch(*rs, ref)});
    }
    WorkingRS w;
    w.obj = *rs;
    w.orig = rs;
    w.name = std::string(name_of(*rs));
    w.uid = std::string(uid_of(*rs));
    w.created_ns = parse_time(str_at(at(*rs, "metadata"), "creationTimestamp")).value_or(0);
    rss_.push_back(std::move(w));
  }
}

// getPodMapForDeployment, reduced to what Recreate and cleanup ask: per owned ReplicaSet,
// how many of its pods are not in a terminal phase (terminating ones still count).
void DeploymentSync::count_pods(const LabelSelector& sel, std::span<const json* const> pods) {
  std::unordered_set<std::string_view> owned;
  for (const WorkingRS& rs : rss_) owned.insert(rs.uid);
  for (const json* pod : pods) {
    if (pod == nullptr) continue;
    const json* cref = controller_ref(*pod);
    if (cref == nullptr || !owned.contains(str_at(*cref, "uid"))) continue;
    if (!sel.matches(at(at(*pod, "metadata"), "labels"))) continue;
    std::string_view phase = str_at(at(*pod, "status"), "phase");
    if (phase == "Succeeded" || phase == "Failed") continue;
    ++running_pods_[std::string(str_at(*cref, "uid"))];
  }
}

void DeploymentSync::finish() {
  for (const WorkingRS& rs : rss_) {
    if (rs.orig == nullptr) {
      plan_.create_replicaset = rs.obj;
      continue;
    }
    if (rs.deleted || rs.obj == *rs.orig) continue;
    ReplicaSetUpdate u;
    u.name = rs.name;
    u.replicas = rs.replicas();
    json patch = json::object();
    json ann = map_diff(at(at(*rs.orig, "metadata"), "annotations"),
                        at(at(rs.obj, "metadata"), "annotations"));
    if (!ann.empty()) patch["metadata"]["annotations"] = std::move(ann);
    json spec = map_diff(at(*rs.orig, "spec"), at(rs.obj, "spec"));
    if (!spec.empty()) patch["spec"] = std::move(spec);
    u.patch = std::move(patch);
    plan_.update_replicasets.push_back(std::move(u));
  }
  json ann = map_diff(at(at(deploy_, "metadata"), "annotations"), annotations_);
  if (!ann.empty()) plan_.annotation_updates = std::move(ann);
  json before = omit_empty(at(deploy_, "status"));
  json after = omit_empty(status_);
  if (before != after) plan_.status = std::move(after);
}

}  // namespace detail

DeploymentPlan plan_deployment(const json& deploy,
                               std::span<const json* const> replicasets_in_namespace,
                               std::span<const json* const> pods_in_namespace,
                               std::string_view now) {
  DeploymentPlan plan;
  auto now_ns = parse_time(now);
  if (!now_ns) {
    plan.error = "invalid current time \"" + std::string(now) + "\"";
    return plan;
  }
  try {
    detail::DeploymentSync sync(deploy, replicasets_in_namespace, pods_in_namespace, *now_ns, plan);
    sync.run();
  } catch (const std::exception& e) {
    plan = DeploymentPlan{};
    plan.error = std::string("planning deployment: ") + e.what();
  }
  return plan;
}

}  // namespace v6k::kube::workloads
