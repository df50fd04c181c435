// plan_replicaset: claim pods, diff against spec.replicas, rank surplus pods, compute status.
#include "kube/controllers/workloads/replicaset.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <tuple>
#include <unordered_map>

#include "kube/controllers/workloads/objects.h"
#include "kube/selector/selector.h"

namespace v6k::kube::workloads {

namespace {

// podPhaseToOrdinal: Pending (and unset) 0, Unknown 1, Running 2.
int phase_ordinal(const json& pod) {
  std::string_view phase = str_at(at(pod, "status"), "phase");
  if (phase == "Unknown") return 1;
  if (phase == "Running") return 2;
  return 0;
}

int64_t max_restarts(const json& pod) {
  int64_t m = 0;
  const json& statuses = at(at(pod, "status"), "containerStatuses");
  if (!statuses.is_array()) return 0;
  for (const json& s : statuses) m = std::max(m, int_at(s, "restartCount", 0));
  return m;
}

// helper.GetDeletionCostFromPodAnnotations: an int32 in decimal; anything else counts as 0.
int64_t deletion_cost(const json& pod) {
  std::string_view v = str_at(at(at(pod, "metadata"), "annotations"), kPodDeletionCostAnnotation);
  if (v.empty()) return 0;
  size_t i = (v[0] == '-' || v[0] == '+') ? 1 : 0;
  if (i == v.size()) return 0;
  int64_t n = 0;
  for (; i < v.size(); ++i) {
    if (v[i] < '0' || v[i] > '9') return 0;
    n = n * 10 + (v[i] - '0');
    if (n > 2147483648LL) return 0;
  }
  n = v[0] == '-' ? -n : n;
  return (n < -2147483648LL || n > 2147483647LL) ? 0 : n;
}

// The log2 rank of an age (logarithmicRankDiff); an unset time sorts first, as afterOrZero.
int64_t time_rank(std::optional<int64_t> t, int64_t now_ns) {
  if (!t || *t == 0) return std::numeric_limits<int64_t>::min();
  int64_t age = 0;
  if (__builtin_sub_overflow(now_ns, *t, &age)) return 63;  // older than int64 can say: the oldest rank
  if (age <= 0) return -1;
  return static_cast<int64_t>(std::log2(static_cast<double>(age)));
}

using RankKey = std::tuple<int, int, int, int64_t, int64_t, int64_t, int64_t, int64_t,
                           std::string_view, std::string_view>;

bool labels_superset(const json& pod_labels, const json& template_labels) {
  if (!template_labels.is_object()) return true;
  for (auto it = template_labels.begin(); it != template_labels.end(); ++it) {
    const json& v = at(pod_labels, it.key());
    if (v != *it) return false;
  }
  return true;
}

// controller.GetPodFromTemplate plus the generateName prefix "<rs>-".
json pod_from_template(const json& rs, const json& ref) {
  const json& tmpl = at(at(rs, "spec"), "template");
  const json& tmeta = at(tmpl, "metadata");
  json meta = json::object();
  meta["generateName"] = std::string(name_of(rs)) + "-";
  if (!namespace_of(rs).empty()) meta["namespace"] = namespace_of(rs);
  for (const char* f : {"labels", "annotations", "finalizers"}) {
    const json& v = at(tmeta, f);
    if (!v.is_null() && !v.empty()) meta[f] = v;
  }
  meta["ownerReferences"] = json::array({ref});
  const json& spec = at(tmpl, "spec");
  return json{{"apiVersion", "v1"},
              {"kind", "Pod"},
              {"metadata", std::move(meta)},
              {"spec", spec.is_object() ? spec : json::object()}};
}

void plan_impl(const json& rs, std::span<const json* const> pods, std::string_view now_text,
               ReplicaSetPlan& plan) {
  auto now = parse_time(now_text);
  if (!now) {
    plan.error = "invalid current time \"" + std::string(now_text) + "\"";
    return;
  }
  const json& spec = at(rs, "spec");
  auto sel = LabelSelector::from_json(at(spec, "selector"));
  if (!sel) {
    plan.error = "invalid selector: " + sel.error().what();
    return;
  }
  const std::string_view uid = uid_of(rs);
  const std::string_view ns = namespace_of(rs);
  const bool rs_deleting = being_deleted(rs);
  const json ref = controller_ref_to(rs, "apps/v1", "ReplicaSet");

  // claimPods over the active pods (FilterActivePods runs first upstream).
  std::vector<const json*> owned;
  for (const json* pod : pods) {
    if (pod == nullptr || !pod_active(*pod)) continue;
    if (!ns.empty() && !namespace_of(*pod).empty() && namespace_of(*pod) != ns) continue;
    // An empty selector would select everything; validation forbids it, so claim nothing.
    bool matches = !sel->empty() && sel->matches(at(at(*pod, "metadata"), "labels"));
    if (const json* cref = controller_ref(*pod)) {
      if (str_at(*cref, "uid") != uid) continue;
      if (matches) {
        owned.push_back(pod);
      } else if (!rs_deleting) {
        plan.release.push_back({std::string(name_of(*pod)), release_patch(*pod, uid)});
      }
      continue;
    }
    if (!matches || rs_deleting) continue;
    plan.adopt.push_back({std::string(name_of(*pod)), adopt_patch(*pod, ref)});
    owned.push_back(pod);
  }

  // manageReplicas.
  int64_t want = std::max<int64_t>(0, int_at(spec, "replicas", 1));
  int64_t diff = static_cast<int64_t>(owned.size()) - want;
  if (!rs_deleting && diff < 0) {
    int64_t n = std::min(-diff, kBurstReplicas);
    json body = pod_from_template(rs, ref);
    plan.create.assign(static_cast<size_t>(n), body);
  } else if (!rs_deleting && diff > 0) {
    size_t n = static_cast<size_t>(std::min(diff, kBurstReplicas));
    for (size_t i : rank_pods_for_deletion(owned, owned, n, *now)) {
      std::string name(name_of(*owned[i]));
      plan.events.push_back({"Normal", "SuccessfulDelete", "Deleted pod: " + name});
      plan.delete_pods.push_back(std::move(name));
    }
  }

  // calculateStatus over the claimed pods, as observed before this plan's actions.
  const json& template_labels = at(at(at(spec, "template"), "metadata"), "labels");
  const int64_t min_ready = int_at(spec, "minReadySeconds", 0);
  int64_t fully = 0, ready = 0, available = 0;
  std::optional<int64_t> next_available_ns;
  for (const json* pod : owned) {
    if (labels_superset(at(at(*pod, "metadata"), "labels"), template_labels)) ++fully;
    if (!pod_ready(*pod)) continue;
    ++ready;
    if (pod_available(*pod, min_ready, *now)) {
      ++available;
    } else if (auto since = pod_ready_since(*pod)) {
      int64_t at_ns = *since + min_ready * kNanosPerSecond;
      if (!next_available_ns || at_ns < *next_available_ns) next_available_ns = at_ns;
    }
  }
  if (next_available_ns) {
    // Available once strictly past the instant: wake a whole second after it.
    int64_t wait_ns = std::max<int64_t>(0, *next_available_ns - *now);
    plan.requeue_after_seconds = wait_ns / kNanosPerSecond + 1;
  }

  const json& cur = at(rs, "status");
  const int64_t generation = int_at(at(rs, "metadata"), "generation", 0);
  const int64_t replicas = static_cast<int64_t>(owned.size());
  if (int_at(cur, "replicas", 0) == replicas && int_at(cur, "fullyLabeledReplicas", 0) == fully &&
      int_at(cur, "readyReplicas", 0) == ready &&
      int_at(cur, "availableReplicas", 0) == available &&
      int_at(cur, "observedGeneration", 0) == generation) {
    return;
  }
  json status = cur.is_object() ? cur : json::object();
  status["replicas"] = replicas;
  // Zero counts are left out, as the omitempty Go fields marshal.
  auto put = [&status](const char* key, int64_t v) {
    if (v != 0) {
      status[key] = v;
    } else {
      status.erase(key);
    }
  };
  put("fullyLabeledReplicas", fully);
  put("readyReplicas", ready);
  put("availableReplicas", available);
  put("observedGeneration", generation);
  plan.status = std::move(status);
}

}  // namespace

std::vector<size_t> rank_pods_for_deletion(std::span<const json* const> pods,
                                           std::span<const json* const> related, size_t count,
                                           int64_t now_ns) {
  // getPodsRankedByRelatedPodsOnSameNode: active related pods per node name.
  std::unordered_map<std::string_view, int64_t> on_node;
  for (const json* p : related) {
    if (p != nullptr && pod_active(*p)) ++on_node[str_at(at(*p, "spec"), "nodeName")];
  }
  std::vector<RankKey> keys;
  keys.reserve(pods.size());
  for (const json* p : pods) {
    const json& pod = *p;
    std::string_view node = str_at(at(pod, "spec"), "nodeName");
    bool ready = pod_ready(pod);
    auto it = on_node.find(node);
    int64_t colocated = it == on_node.end() ? 0 : it->second;
    auto created = parse_time(str_at(at(pod, "metadata"), "creationTimestamp"));
    keys.emplace_back(node.empty() ? 0 : 1, phase_ordinal(pod), ready ? 1 : 0, deletion_cost(pod),
                      -colocated, ready ? time_rank(pod_ready_since(pod), now_ns) : 0,
                      -max_restarts(pod), time_rank(created, now_ns), uid_of(pod), name_of(pod));
  }
  std::vector<size_t> idx(pods.size());
  for (size_t i = 0; i < idx.size(); ++i) idx[i] = i;
  count = std::min(count, idx.size());
  std::partial_sort(idx.begin(), idx.begin() + static_cast<ptrdiff_t>(count), idx.end(),
                    [&keys](size_t a, size_t b) { return keys[a] < keys[b]; });
  idx.resize(count);
  return idx;
}

ReplicaSetPlan plan_replicaset(const json& rs, std::span<const json* const> pods_in_namespace,
                               std::string_view now_rfc3339) {
  ReplicaSetPlan plan;
  try {
    plan_impl(rs, pods_in_namespace, now_rfc3339, plan);
  } catch (const std::exception& e) {
    plan = ReplicaSetPlan{};
    plan.error = std::string("planning replica set: ") + e.what();
  }
  return plan;
}

}  // namespace v6k::kube::workloads
