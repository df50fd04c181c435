// Internal: the schema table (schema_types.cc) and its parsed form (schema.cc).
#pragma once

#include <map>
#include <string>
#include <vector>

namespace v6k::kube::detail {

extern const char* const kSchemaText;

struct SchemaField {
  enum class Shape { kLeaf, kObject, kList } shape = Shape::kLeaf;
  std::string type;  // for kObject / kList
};
using SchemaType = std::map<std::string, SchemaField, std::less<>>;
using Schema = std::map<std::string, SchemaType, std::less<>>;

// The parsed table (built once). Top-level kinds are named "Kind.<group.>Kind".
const Schema& schema();
// Type names referenced but never defined (empty when the table is consistent).
std::vector<std::string> schema_undefined_types();

}  // namespace v6k::kube::detail
