// Shared helpers for the kube_tables tests: a fixed "now" and terse object construction.
#pragma once

#include <chrono>
#include <string>

#include <nlohmann/json.hpp>

#include "kube/tables/internal.h"
#include "kube/tables/tables.h"

namespace v6k::kube::testing {

using nlohmann::json;

// 2024-06-01T12:00:00Z: every test object's timestamps are relative to it.
inline std::chrono::system_clock::time_point test_now() {
  return *tables::parse_time("2024-06-01T12:00:00Z");
}

inline TableOptions opts(IncludeObject include = IncludeObject::kMetadata) {
  TableOptions o;
  o.include = include;
  o.now = test_now();
  return o;
}

// The cells of one object's row.
inline json cells(std::string_view group, std::string_view resource, const json& object) {
  return table_row(group, resource, object, opts())["cells"];
}

}  // namespace v6k::kube::testing
