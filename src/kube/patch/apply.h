// Server-side apply (PATCH application/apply-patch+yaml) and managedFields bookkeeping,
// modelled on kubernetes-sigs/structured-merge-diff as the API server uses it.
//
//   auto r = server_side_apply(live, config, "kubectl", /*force=*/false, "apps/v1",
//                              strategic_schema("apps", "Deployment"), "2026-11-27T10:00:00Z");
//   if (r && !r->conflicts.empty())   // HTTP 409 with this text:
//     conflict_message(r->conflicts, "apps/v1");
//     // Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas
//
//   record_update(old, updated, "kubectl-edit", "apps/v1", "", schema, now);  // PUT/PATCH/POST
//
// Field sets use upstream's FieldsV1 keys: "f:<field>", list items of merging lists as
// "k:{<merge key json>}" (container/Service ports also carry "protocol", default "TCP",
// as upstream's list-map keys do), primitive set items as "v:<json>", atomic lists as a
// leaf. A manager is identified by (manager, operation, subresource, and apiVersion for
// Update), as upstream's manager identifiers are.
//
// Simplified compared to upstream:
//  - No OpenAPI schema: which lists merge comes from the PatchSchema; every map is
//    granular (upstream treats a few structs, e.g. LabelSelector, as atomic).
//  - Update entries mark a newly added map as owned itself ("." in FieldsV1) only when all
//    its values are scalars (labels, annotations, data, matchLabels, resources limits),
//    approximating which Go fields are pointers/maps rather than always-present structs.
//  - Pruning of fields a manager stopped applying removes the field when no other manager
//    (and not this apply) owns it or anything under it; maps left empty by pruning go too.
//  - No version conversion (all managers are compared in one version), no union
//    normalisation, no cap on the number of Update managers, no apply-time defaulting.
//  - Untracked: apiVersion, kind, metadata.{name,namespace,uid,resourceVersion,generation,
//    creationTimestamp,selfLink,managedFields}; status on the main resource, everything
//    but status on the status subresource.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "kube/patch/strategic.h"

namespace v6k::kube {

struct ApplyConflict {
  std::string manager;
  std::string field;  // upstream text form: `.spec.template.spec.containers[name="nginx"].image`
  std::string operation = "Update";  // of the conflicting manager: "Apply" prints no apiVersion
  std::string subresource;           // e.g. "status"
  std::string api_version;           // of the conflicting manager; "" = the request's
};

struct ApplyResult {
  json object;                          // the applied object (== live when conflicts)
  std::vector<ApplyConflict> conflicts; // non-empty = nothing applied (force=false)
};

// live: the current object or null (apply creates). applied: the configuration (JSON).
// Errors: applied not an object, metadata.managedFields set in applied, nesting too deep.
Result<ApplyResult> server_side_apply(const json& live, const json& applied, std::string_view manager, bool force,
                                      std::string_view api_version, const PatchSchema& schema,
                                      std::string_view now);

// The 409 Status message, worded as upstream (singular and plural forms).
std::string conflict_message(const std::vector<ApplyConflict>& conflicts, std::string_view api_version);
// One StatusCause message: `conflict with "kubectl-client-side-apply" using apps/v1`.
std::string conflict_cause(const ApplyConflict& conflict, std::string_view api_version);

// For every non-apply write: `manager` (operation "Update") takes the fields that differ
// between old_obj (null on create) and new_obj; other managers lose them. subresource is
// "" or "status". Rewrites new_obj's metadata.managedFields (from new_obj when it carries
// them, else from old_obj, as upstream).
void record_update(const json& old_obj, json& new_obj, std::string_view manager, std::string_view api_version,
                   std::string_view subresource, const PatchSchema& schema, std::string_view now);

}  // namespace v6k::kube
