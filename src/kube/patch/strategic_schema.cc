// Merge rules of the built-in kinds, transcribed from the patchStrategy/patchMergeKey
// tags of k8s.io/api (core/v1, apps/v1, discovery/v1 types.go). Only lists that MERGE
// are listed; every other list (tolerations, args, command, envFrom, taints, subsets...)
// is atomic and replaced whole.
#include <vector>

#include "kube/patch/strategic.h"

namespace v6k::kube {
namespace {

using Path = std::span<const std::string>;

bool ends_with(Path path, std::initializer_list<std::string_view> tail) {
  if (path.size() < tail.size()) return false;
  size_t i = path.size() - tail.size();
  for (auto t : tail)
    if (path[i++] != t) return false;
  return true;
}

bool starts_with(Path path, const std::vector<std::string>& head) {
  if (path.size() < head.size()) return false;
  for (size_t i = 0; i < head.size(); ++i)
    if (path[i] != head[i]) return false;
  return true;
}

MergeRule by(std::string key, bool retain = false) { return MergeRule{std::move(key), retain}; }

bool is_container_list(std::string_view name) {
  return name == "containers" || name == "initContainers" || name == "ephemeralContainers";
}

// PodSpec and everything under it; `rel` is the path relative to the pod spec.
std::optional<MergeRule> pod_spec_rule(Path rel) {
  if (rel.size() == 1) {
    const std::string& f = rel[0];
    if (f == "volumes" || f == "resourceClaims") return by("name", true);
    if (is_container_list(f) || f == "imagePullSecrets" || f == "schedulingGates") return by("name");
    if (f == "hostAliases") return by("ip");
    if (f == "topologySpreadConstraints") return by("topologyKey");
    return std::nullopt;
  }
  if (rel.size() == 2 && is_container_list(rel[0])) {
    const std::string& f = rel[1];
    if (f == "ports") return by("containerPort");
    if (f == "env") return by("name");
    if (f == "volumeMounts") return by("mountPath");
    if (f == "volumeDevices") return by("devicePath");
  }
  return std::nullopt;
}

// Rules every object shares (ObjectMeta, and Conditions in status), at any depth of
// metadata so that pod templates get them too.
std::optional<MergeRule> common_rule(Path path) {
  if (ends_with(path, {"metadata", "finalizers"})) return by("");
  if (ends_with(path, {"metadata", "ownerReferences"})) return by("uid");
  if (path.size() == 2 && path[0] == "status" && path[1] == "conditions") return by("type");
  return std::nullopt;
}

std::vector<std::string> pod_spec_prefix(std::string_view group, std::string_view kind) {
  if (group.empty() && kind == "Pod") return {"spec"};
  if (group.empty() && kind == "PodTemplate") return {"template", "spec"};
  if (group.empty() && kind == "ReplicationController") return {"spec", "template", "spec"};
  if (group == "apps" && (kind == "Deployment" || kind == "ReplicaSet" || kind == "StatefulSet" ||
                          kind == "DaemonSet"))
    return {"spec", "template", "spec"};
  if (group == "batch" && kind == "Job") return {"spec", "template", "spec"};
  if (group == "batch" && kind == "CronJob") return {"spec", "jobTemplate", "spec", "template", "spec"};
  return {};
}

std::optional<MergeRule> kind_rule(std::string_view group, std::string_view kind, Path path) {
  auto is = [&](std::initializer_list<std::string_view> exact) {
    return path.size() == exact.size() && ends_with(path, exact);
  };
  if (group.empty()) {
    if (kind == "Pod" && (is({"status", "podIPs"}) || is({"status", "hostIPs"}))) return by("ip");
    if (kind == "Service" && is({"spec", "ports"})) return by("port");
    if (kind == "Node" && is({"status", "addresses"})) return by("type");
    if (kind == "Node" && (is({"spec", "podCIDRs"}))) return by("");
    if (kind == "ServiceAccount" && is({"secrets"})) return by("name");
  }
  if (group == "apps" && kind == "Deployment" && is({"spec", "strategy"})) return by("", true);
  if (group == "apps" && kind == "DaemonSet" && is({"spec", "updateStrategy"})) return by("", true);
  return std::nullopt;
}

}  // namespace

PatchSchema strategic_schema(std::string_view group_view, std::string_view kind_view) {
  std::string group(group_view), kind(kind_view);
  std::vector<std::string> prefix = pod_spec_prefix(group, kind);
  return [group, kind, prefix](Path path) -> std::optional<MergeRule> {
    if (auto r = common_rule(path)) return r;
    if (!prefix.empty() && starts_with(path, prefix))
      if (auto r = pod_spec_rule(path.subspan(prefix.size()))) return r;
    return kind_rule(group, kind, path);
  };
}

}  // namespace v6k::kube
