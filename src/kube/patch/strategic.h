// application/strategic-merge-patch+json, as kubectl apply/edit/label/patch send it.
//
// Lists are merged according to per-field rules (upstream's patchStrategy/patchMergeKey
// struct tags): a PatchSchema answers, for a field path from the object root with list
// elements skipped, how that list merges. Lists without a rule are replaced whole.
//
//   auto schema = strategic_schema("apps", "Deployment");
//   auto r = strategic_merge_patch(live, json::parse(R"({"spec":{"template":{"spec":{
//       "$setElementOrder/containers":[{"name":"nginx"}],
//       "containers":[{"name":"nginx","image":"nginx:1.27"}]}}}})"), schema);
//
// Supported directives: `$patch: replace|delete` (maps and list items, `$patch: merge`
// on a map is accepted as a plain merge), `$setElementOrder/<list>`, `$retainKeys`,
// `$deleteFromPrimitiveList/<list>`; the result never contains them.
// Ordering follows upstream apimachinery: `$setElementOrder` wins, then the patch's order,
// then the live order. Without `$setElementOrder` a new item is placed right after the
// patch item that precedes it (so a patch naming only a new item puts it FIRST, exactly
// as upstream does); kubectl apply always sends `$setElementOrder` when it adds items.
// Error texts follow apimachinery (e.g. `map: map[image:x] does not contain declared
// merge key: name`, `unknown patch type: foo in map: map[$patch:foo name:a]`).
#pragma once

#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "kube/patch/patch.h"

namespace v6k::kube {

struct MergeRule {
  std::string merge_key;     // "" = list of primitives merged as a set
  bool retain_keys = false;  // informational: upstream patchStrategy "retainKeys"
};

// path: field names from the object root, list elements skipped:
// {"spec","template","spec","containers"}. nullopt = replace the list whole.
using PatchSchema = std::function<std::optional<MergeRule>(std::span<const std::string> path)>;

// Built-in rules for v1 Pod, Service, Node, Namespace, ConfigMap, Secret, ServiceAccount,
// Endpoints, Event; apps/v1 Deployment, ReplicaSet, StatefulSet, DaemonSet; batch/v1 Job,
// CronJob; discovery.k8s.io/v1 EndpointSlice. Any other kind gets the rules shared by
// every object (metadata.finalizers, metadata.ownerReferences, status.conditions).
PatchSchema strategic_schema(std::string_view group, std::string_view kind);

Result<json> strategic_merge_patch(const json& original, const json& patch, const PatchSchema& schema);

}  // namespace v6k::kube
