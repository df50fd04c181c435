// Shared by the label selector's parser and its requirement/JSON code; not public API.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "kube/selector/selector.h"

namespace v6k::kube::selector_internal {

// field.Invalid(path, value, detail).Error(): `<path>: Invalid value: "<value>": <detail>`.
std::string invalid_value(std::string_view path, std::string_view value, std::string_view detail);
// utilerrors.Aggregate.Error(): one message alone, several deduplicated as "[a, b]".
std::string aggregate(const std::vector<std::string>& errs);
// labels.NewRequirement with upstream's nil field path: validates the key (errors under
// "key"), operator arity ("values"), Gt/Lt integers ("values[i]") and values ("values[i][key]").
Result<LabelRequirement> new_requirement(std::string key, LabelRequirement::Op op,
                                         std::vector<std::string> values);
// strconv.ParseInt(s, 10, 64).
bool parse_int64(std::string_view s, long long& out);

}  // namespace v6k::kube::selector_internal
