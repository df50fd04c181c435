// Server-side Tables: what `kubectl get` (and `-o wide`) prints.
//
// kubectl asks for `Accept: application/json;as=Table;v=v1;g=meta.k8s.io` and prints the
// returned Table as-is: column headers from columnDefinitions (priority >= 1 only with
// -o wide), one line per row of cells. So our columns and cells must be exactly what a
// real API server produces. This module reimplements upstream's printers
// (pkg/printers/internalversion) for the resources v6k serves and the default convertor
// (Name + Created At) for everything else. Like upstream, the server always generates
// the wide cells; kubectl hides priority >= 1 columns itself.
//
// Objects are v1 JSON exactly as stored; absent fields read as Kubernetes defaults
// (e.g. a Deployment without spec.replicas is 1, a port without protocol is TCP).
// No function here throws.
//
//   using namespace v6k::kube;
//   TableOptions opts;                               // includeObject=Metadata, now()
//   nlohmann::json t = make_table("", "pods", pods, {{"resourceVersion", "42"}}, opts);
//   // t["columnDefinitions"][1]["name"] == "Ready"
//   // t["rows"][0]["cells"] == ["web-1", "1/1", "Running", "0", "5m", "fd00::5", ...]
//   human_duration(std::chrono::seconds(200));       // "3m20s"
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace v6k::kube {

// The includeObject query parameter (None|Metadata|Object); the default is Metadata.
enum class IncludeObject { kNone, kMetadata, kObject };

struct TableOptions {
  IncludeObject include = IncludeObject::kMetadata;
  std::chrono::system_clock::time_point now = std::chrono::system_clock::now();  // for Age
};

// Column definitions [{name,type,format,description,priority}] for a resource.
// group: "" for core, "apps", "discovery.k8s.io", ...; resource: plural lower-case
// ("pods"). Unknown resources get the default columns: Name, Created At.
nlohmann::json column_definitions(std::string_view group, std::string_view resource);

// One row {"cells":[...], "object":...} (plus "conditions" for finished pods, as upstream).
// object per opts.include: kMetadata → {"kind":"PartialObjectMetadata","apiVersion":
// "meta.k8s.io/v1","metadata":<metadata without managedFields>}; kObject → the object
// itself; kNone → no "object" key.
nlohmann::json table_row(std::string_view group, std::string_view resource,
                         const nlohmann::json& object, const TableOptions& opts);

// The whole Table: {"kind":"Table","apiVersion":"meta.k8s.io/v1","metadata":list_metadata,
// "columnDefinitions":[...],"rows":[...]}. list_metadata is the list's
// {"resourceVersion":..,"continue":..}; a non-object is replaced by {}.
nlohmann::json make_table(std::string_view group, std::string_view resource,
                          const std::vector<nlohmann::json>& objects,
                          const nlohmann::json& list_metadata, const TableOptions& opts);

// k8s.io/apimachinery's HumanDuration: "0s".."119s", "2m1s".."9m59s", "10m".."179m",
// "3h".."7h59m", "8h".."47h", "2d".."7d23h", "8d".."729d", "2y".."7y364d", "8y"...;
// less than -1s is "<invalid>", -1s..0 is "0s".
std::string human_duration(std::chrono::nanoseconds d);

}  // namespace v6k::kube
