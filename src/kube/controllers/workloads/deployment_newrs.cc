// The new ReplicaSet of a Deployment (upstream getNewReplicaSet): find the one whose template
// equals the Deployment's, sync its revision and annotations, or create it; and the scaling
// primitive every strategy uses (scaleReplicaSet).
#include <algorithm>
#include <string>

#include "kube/controllers/workloads/deployment_sync.h"
#include "kube/controllers/workloads/hash.h"

namespace v6k::kube::workloads::detail {

namespace {

// Revision history annotations are cut to this many characters (maxRevHistoryLengthInChars).
constexpr size_t kMaxRevisionHistoryChars = 2000;

// Deployment annotations never copied to its ReplicaSets (annotationsToSkip).
bool skip_copy_annotation(std::string_view key) {
  return key == "kubectl.kubernetes.io/last-applied-configuration" || key == kRevisionAnnotation ||
         key == kRevisionHistoryAnnotation || key == kDesiredReplicasAnnotation ||
         key == kMaxReplicasAnnotation || key == "deprecated.deployment.rollback.to";
}

// deploymentutil.Revision: a missing annotation is 0; an unparsable one counts as 0 here
// (upstream skips it in MaxRevision, which has the same effect).
int64_t revision_of(const WorkingRS& rs) {
  return parse_int(rs.annotation(kRevisionAnnotation)).value_or(0);
}

}  // namespace

const json* get_condition(const json& status, std::string_view type) {
  const json& conds = at(status, "conditions");
  if (!conds.is_array()) return nullptr;
  for (const json& c : conds) {
    if (str_at(c, "type") == type) return &c;
  }
  return nullptr;
}

json new_condition(std::string_view type, std::string_view status, std::string_view reason,
                   std::string_view message, const std::string& now) {
  return json{{"type", type},          {"status", status},
              {"lastUpdateTime", now}, {"lastTransitionTime", now},
              {"reason", reason},      {"message", message}};
}

void set_condition(json& status, json cond) {
  std::string_view type = str_at(cond, "type");
  if (const json* cur = get_condition(status, type)) {
    if (str_at(*cur, "status") == str_at(cond, "status") &&
        str_at(*cur, "reason") == str_at(cond, "reason")) {
      return;
    }
    // lastTransitionTime moves only when the status does.
    if (str_at(*cur, "status") == str_at(cond, "status")) {
      cond["lastTransitionTime"] = at(*cur, "lastTransitionTime");
    }
  }
  std::string t(type);
  remove_condition(status, t);
  if (!status["conditions"].is_array()) status["conditions"] = json::array();
  status["conditions"].push_back(std::move(cond));
}

void remove_condition(json& status, std::string_view type) {
  if (!status.is_object() || !status.contains("conditions")) return;
  json& conds = status["conditions"];
  if (!conds.is_array()) return;
  json kept = json::array();
  for (const json& c : conds) {
    if (str_at(c, "type") != type) kept.push_back(c);
  }
  conds = std::move(kept);
}

void DeploymentSync::resolve_new_rs(bool create) {
  if (!resolved_) {
    resolved_ = true;
    // FindNewReplicaSet: the oldest ReplicaSet whose template equals the Deployment's.
    std::vector<size_t> order(rss_.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(), [this](size_t a, size_t b) {
      if (rss_[a].created_ns != rss_[b].created_ns) return rss_[a].created_ns < rss_[b].created_ns;
      return rss_[a].name < rss_[b].name;
    });
    const json norm = normalize_template(at(at(deploy_, "spec"), "template"));
    for (size_t i : order) {
      if (!new_rs_ && normalize_template(at(at(rss_[i].obj, "spec"), "template")) == norm) {
        new_rs_ = i;
      } else {
        old_rss_.push_back(i);
      }
    }
    if (new_rs_) sync_existing_new_rs(*new_rs_);
  }
  if (!new_rs_ && create && !stop_) create_new_rs();
}

void DeploymentSync::sync_existing_new_rs(size_t i) {
  int64_t max_old = 0;
  for (size_t o : old_rss_) max_old = std::max(max_old, revision_of(rss_[o]));
  WorkingRS& rs = rss_[i];
  set_new_rs_annotations(rs, max_old + 1, true);
  if (int_at(at(rs.obj, "spec"), "minReadySeconds", 0) != min_ready_) {
    rs.obj["spec"]["minReadySeconds"] = min_ready_;
  }
  set_deployment_revision(rs.annotation(kRevisionAnnotation));
  if (progress_deadline_ && get_condition(status_, "Progressing") == nullptr) {
    set_condition(status_, new_condition("Progressing", "True", "FoundNewReplicaSet",
                                         "Found new replica set \"" + rs.name + "\"", now_));
  }
}

void DeploymentSync::create_new_rs() {
  const json& spec = at(deploy_, "spec");
  const int64_t collisions = int_at(status_, "collisionCount", 0);
  json tmpl = at(spec, "template").is_object() ? at(spec, "template") : json::object();
  const std::string hash = pod_template_hash(tmpl, collisions);
  if (!tmpl["metadata"].is_object()) tmpl["metadata"] = json::object();
  if (!tmpl["metadata"]["labels"].is_object()) tmpl["metadata"]["labels"] = json::object();
  tmpl["metadata"]["labels"][std::string(kPodTemplateHashLabel)] = hash;
  json selector = at(spec, "selector").is_object() ? at(spec, "selector") : json::object();
  if (!selector["matchLabels"].is_object()) selector["matchLabels"] = json::object();
  selector["matchLabels"][std::string(kPodTemplateHashLabel)] = hash;
  const std::string rs_name = name_ + "-" + hash;

  // A ReplicaSet already holds the name but is not ours with this template: a hash
  // collision. Bump status.collisionCount; the next sync hashes differently.
  for (const json* other : in_rss_) {
    if (other == nullptr || name_of(*other) != rs_name) continue;
    const json* cref = controller_ref(*other);
    bool ours =
        cref != nullptr && str_at(*cref, "uid") == uid_ &&
        templates_equal_ignore_hash(at(spec, "template"), at(at(*other, "spec"), "template"));
    if (!ours) status_["collisionCount"] = collisions + 1;
    stop_ = true;  // ours: it is not claimed (labels off the selector); nothing to do yet
    return;
  }

  WorkingRS w;
  w.name = rs_name;
  w.created_ns = now_ns_;
  json meta = {
      {"name", rs_name},
      {"ownerReferences", json::array({controller_ref_to(deploy_, "apps/v1", "Deployment")})},
      {"labels", tmpl["metadata"]["labels"]}};
  if (!ns_.empty()) meta["namespace"] = ns_;
  w.obj = json{{"apiVersion", "apps/v1"},
               {"kind", "ReplicaSet"},
               {"metadata", std::move(meta)},
               {"spec",
                {{"replicas", 0},
                 {"minReadySeconds", min_ready_},
                 {"selector", std::move(selector)},
                 {"template", std::move(tmpl)}}}};
  rss_.push_back(std::move(w));
  new_rs_ = rss_.size() - 1;
  const int64_t replicas = new_rs_new_replicas();
  WorkingRS& rs = rss_[*new_rs_];
  rs.obj["spec"]["replicas"] = replicas;
  int64_t max_old = 0;
  for (size_t o : old_rss_) max_old = std::max(max_old, revision_of(rss_[o]));
  set_new_rs_annotations(rs, max_old + 1, false);
  if (replicas > 0) {
    plan_.events.push_back(
        {"Normal", "ScalingReplicaSet",
         "Scaled up replica set " + rs_name + " to " + std::to_string(replicas)});
  }
  set_deployment_revision(std::to_string(max_old + 1));
  if (progress_deadline_) {
    set_condition(status_, new_condition("Progressing", "True", "NewReplicaSetCreated",
                                         "Created new replica set \"" + rs_name + "\"", now_));
  }
}

// deploymentutil.SetNewReplicaSetAnnotations.
bool DeploymentSync::set_new_rs_annotations(WorkingRS& rs, int64_t new_revision, bool exists) {
  bool changed = false;
  json& ann = rs.annotations();
  for (auto it = annotations_.begin(); it != annotations_.end(); ++it) {
    if (skip_copy_annotation(it.key()) || (ann.contains(it.key()) && ann[it.key()] == *it))
      continue;
    ann[it.key()] = *it;
    changed = true;
  }
  const bool had_revision = ann.contains(std::string(kRevisionAnnotation));
  const std::string old_revision(rs.annotation(kRevisionAnnotation));
  auto old_int = parse_int(old_revision);
  if (!old_int && !old_revision.empty()) return changed;  // not a number: leave it alone
  if (old_int.value_or(0) < new_revision) {
    ann[std::string(kRevisionAnnotation)] = std::to_string(new_revision);
    changed = true;
    // Rolling back to this ReplicaSet: remember the revisions it served before.
    if (had_revision) {
      std::string history(rs.annotation(kRevisionHistoryAnnotation));
      if (history.empty()) {
        history = old_revision;
      } else {
        history += "," + old_revision;
        // Drop the oldest entries until it fits.
        while (history.size() > kMaxRevisionHistoryChars) {
          size_t comma = history.find(',');
          if (comma == std::string::npos) break;
          history.erase(0, comma + 1);
        }
      }
      ann[std::string(kRevisionHistoryAnnotation)] = history;
    }
  }
  if (!exists) {
    ann[std::string(kDesiredReplicasAnnotation)] = std::to_string(replicas_);
    ann[std::string(kMaxReplicasAnnotation)] = std::to_string(replicas_ + max_surge());
    changed = true;
  }
  return changed;
}

void DeploymentSync::set_deployment_revision(std::string_view revision) {
  annotations_[std::string(kRevisionAnnotation)] = revision;
}

// scaleReplicaSet: sets the size and the desired/max-replicas annotations; records an Event
// when the size changes.
bool DeploymentSync::scale_rs(size_t i, int64_t new_scale, std::string_view op) {
  WorkingRS& rs = rss_[i];
  const std::string desired = std::to_string(replicas_);
  const std::string max = std::to_string(replicas_ + max_surge());
  const int64_t old_scale = rs.replicas();
  const bool size_changes = old_scale != new_scale;
  const bool annotations_change = !rs.has_annotation(kDesiredReplicasAnnotation) ||
                                  rs.annotation(kDesiredReplicasAnnotation) != desired ||
                                  !rs.has_annotation(kMaxReplicasAnnotation) ||
                                  rs.annotation(kMaxReplicasAnnotation) != max;
  if (!size_changes && !annotations_change) return false;
  rs.obj["spec"]["replicas"] = new_scale;
  json& ann = rs.annotations();
  ann[std::string(kDesiredReplicasAnnotation)] = desired;
  ann[std::string(kMaxReplicasAnnotation)] = max;
  if (size_changes) {
    plan_.events.push_back({"Normal", "ScalingReplicaSet",
                            "Scaled " + std::string(op) + " replica set " + rs.name + " to " +
                                std::to_string(new_scale) + " from " + std::to_string(old_scale)});
  }
  return size_changes;
}

bool DeploymentSync::scale_rs_and_record(size_t i, int64_t new_scale) {
  if (rss_[i].replicas() == new_scale) return false;
  return scale_rs(i, new_scale, rss_[i].replicas() < new_scale ? "up" : "down");
}

}  // namespace v6k::kube::workloads::detail
