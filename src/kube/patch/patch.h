// RFC 7386 JSON merge patch and RFC 6902 JSON patch, as the API server applies
// `PATCH` bodies of type application/merge-patch+json and application/json-patch+json.
//
// Errors carry the wording of the libraries the real API server uses
// (evanphx/json-patch v4), so kubectl prints what users expect:
//
//   auto r = json_patch(pod, json::parse(R"([{"op":"replace","path":"/spec/foo","value":1}])"));
//   // r.error().message() ==
//   //   "replace operation does not apply: doc is missing key: /spec/foo: missing value"
//
//   auto m = json_merge_patch(deploy, json::parse(R"({"spec":{"replicas":3}})"));
//
// Exceptions never escape: every failure is a Result error.
#pragma once

#include <nlohmann/json.hpp>

#include "common/result.h"

namespace v6k::kube {

using nlohmann::json;

// application/merge-patch+json (RFC 7386): null deletes a key, objects merge recursively,
// anything else replaces. The top-level patch must be an object ("Invalid JSON Patch"
// otherwise, as the API server answers); a non-object original is treated as {}.
Result<json> json_merge_patch(const json& original, const json& patch);

// application/json-patch+json (RFC 6902): add/remove/replace/move/copy/test with JSON
// pointers (~0 ~1 escapes, "-" appends, negative indices count from the end as in
// evanphx/json-patch). Operations apply in order; the first failure aborts the patch.
Result<json> json_patch(const json& original, const json& operations);

}  // namespace v6k::kube
