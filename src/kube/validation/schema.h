// Known-field schemas of the kinds of validation.h, for fieldValidation=Strict: the
// server answers 400 `strict decoding error: unknown field "spec.foo", unknown field "x"`.
//
//   auto unknown = unknown_fields("apps", "Deployment", obj);
//   // {"spec.template.spec.containers[0].imagee"}
//
// The schema is data (a small type table, see schema_types.cc), covering every field
// of the upstream v1 types a user plausibly writes. Map-valued fields (labels,
// annotations, data, nodeSelector, resources.limits, ...) accept any key; values of a
// scalar field are not type-checked here. Unknown kinds report nothing.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace v6k::kube {

// Paths of fields in obj that the kind's schema does not know, in upstream text form
// ("spec.foo", "spec.template.spec.containers[0].imagee"), in document order (which for
// nlohmann::json objects is key order). Never throws.
std::vector<std::string> unknown_fields(std::string_view group, std::string_view kind, const nlohmann::json& obj);

// The 400 message for a non-empty result: `strict decoding error: unknown field "a", unknown field "b"`.
std::string strict_decoding_message(const std::vector<std::string>& unknown);

}  // namespace v6k::kube
