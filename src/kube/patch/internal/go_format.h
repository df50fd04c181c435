// Go-flavoured rendering of JSON values for error texts that upstream builds with
// fmt's %v (maps print as `map[k:v k2:v2]` with sorted keys, lists as `[a b]`), and
// reflect type names (`map[string]interface {}`) for type-mismatch errors.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace v6k::kube::internal {

std::string go_format(const nlohmann::json& v);
std::string go_type(const nlohmann::json& v);
// The word encoding/json uses in "cannot unmarshal <word> into ..." (object, array, ...).
std::string go_json_word(const nlohmann::json& v);

}  // namespace v6k::kube::internal
