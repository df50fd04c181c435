// The public API: picks the printer for (group, resource), builds rows with the object
// form includeObject asks for, and assembles the Table.
#include <exception>
#include <string>

#include "kube/tables/internal.h"
#include "kube/tables/tables.h"

namespace v6k::kube {

namespace {

using tables::Json;
using tables::TimePoint;

// One printer: its columns and how one object becomes cells.
struct Printer {
  std::string_view group;
  std::string_view resource;
  Json (*columns)();
  Json (*cells)(const Json&, TimePoint);
};

Json pod_cells_no_conditions(const Json& pod, TimePoint now) {
  Json ignored;
  return tables::pod_cells(pod, now, ignored);
}

constexpr Printer kPrinters[] = {
    {"", "pods", tables::pod_columns, pod_cells_no_conditions},
    {"", "nodes", tables::node_columns, tables::node_cells},
    {"", "services", tables::service_columns, tables::service_cells},
    {"", "endpoints", tables::endpoints_columns, tables::endpoints_cells},
    {"", "namespaces", tables::namespace_columns, tables::namespace_cells},
    {"", "events", tables::event_columns, tables::event_cells},
    {"events.k8s.io", "events", tables::event_columns, tables::event_cells},
    {"", "configmaps", tables::configmap_columns, tables::configmap_cells},
    {"", "secrets", tables::secret_columns, tables::secret_cells},
    {"", "serviceaccounts", tables::serviceaccount_columns, tables::serviceaccount_cells},
    {"apps", "deployments", tables::deployment_columns, tables::deployment_cells},
    {"apps", "replicasets", tables::replicaset_columns, tables::replicaset_cells},
    {"discovery.k8s.io", "endpointslices", tables::endpointslice_columns,
     tables::endpointslice_cells},
};

const Printer* printer_for(std::string_view group, std::string_view resource) {
  for (const Printer& p : kPrinters)
    if (p.group == group && p.resource == resource) return &p;
  return nullptr;
}

// PartialObjectMetadata as the API server embeds it in rows by default.
Json partial_metadata(const Json& object) {
  Json meta = Json::object();
  if (const Json* m = tables::find(object, {"metadata"}); m && m->is_object()) {
    // Copy all but managedFields (often half the metadata): never copy-then-erase.
    for (auto it = m->begin(); it != m->end(); ++it)
      if (it.key() != "managedFields") meta[it.key()] = it.value();
  }
  return Json{{"kind", "PartialObjectMetadata"},
              {"apiVersion", "meta.k8s.io/v1"},
              {"metadata", std::move(meta)}};
}

Json build_row(std::string_view group, std::string_view resource, const Json& object,
               const TableOptions& opts) {
  Json row = Json::object();
  const Printer* p = printer_for(group, resource);
  if (!p) {
    row["cells"] = tables::default_cells(object);
  } else if (p->resource == "pods" && p->group.empty()) {
    Json conditions;
    row["cells"] = tables::pod_cells(object, opts.now, conditions);
    if (conditions.is_array()) row["conditions"] = std::move(conditions);
  } else {
    row["cells"] = p->cells(object, opts.now);
  }
  switch (opts.include) {
    case IncludeObject::kNone:
      break;
    case IncludeObject::kMetadata:
      row["object"] = partial_metadata(object);
      break;
    case IncludeObject::kObject:
      row["object"] = object;
      break;
  }
  return row;
}

// Last resort if something unexpected throws (allocation): the name, then empty cells,
// so the row still has one cell per column.
Json fallback_row(std::string_view group, std::string_view resource, const Json& object) {
  Json cells = Json::array();
  try {
    const size_t n = column_definitions(group, resource).size();
    cells.push_back(tables::str(object, {"metadata", "name"}));
    while (cells.size() < n) cells.push_back("");
  } catch (...) {
  }
  return Json{{"cells", std::move(cells)}};
}

}  // namespace

nlohmann::json column_definitions(std::string_view group, std::string_view resource) {
  try {
    const Printer* p = printer_for(group, resource);
    return p ? p->columns() : tables::default_columns();
  } catch (...) {
    return Json::array();
  }
}

nlohmann::json table_row(std::string_view group, std::string_view resource,
                         const nlohmann::json& object, const TableOptions& opts) {
  try {
    return build_row(group, resource, object, opts);
  } catch (...) {
  }
  try {
    return fallback_row(group, resource, object);
  } catch (...) {
    return Json();
  }
}

nlohmann::json make_table(std::string_view group, std::string_view resource,
                          const std::vector<nlohmann::json>& objects,
                          const nlohmann::json& list_metadata, const TableOptions& opts) {
  try {
    Json rows = Json::array();
    for (const Json& o : objects) rows.push_back(table_row(group, resource, o, opts));
    return Json{{"kind", "Table"},
                {"apiVersion", "meta.k8s.io/v1"},
                {"metadata", list_metadata.is_object() ? list_metadata : Json::object()},
                {"columnDefinitions", column_definitions(group, resource)},
                {"rows", std::move(rows)}};
  } catch (...) {
    return Json{{"kind", "Table"},
                {"apiVersion", "meta.k8s.io/v1"},
                {"metadata", Json::object()},
                {"columnDefinitions", Json::array()},
                {"rows", Json::array()}};
  }
}

}  // namespace v6k::kube
