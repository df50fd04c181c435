// Internal to src/kube/tables: non-throwing JSON accessors, time and label formatting
// shared by the per-resource printers, and the printers themselves.
//
// Every accessor tolerates any JSON shape (missing keys, wrong types, null): a printer
// sees the Kubernetes zero value instead, just as upstream sees a zero Go field.
#pragma once

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "kube/tables/tables.h"

namespace v6k::kube::tables {

using Json = nlohmann::json;
using Path = std::initializer_list<std::string_view>;
using TimePoint = std::chrono::system_clock::time_point;

// The value at path, or nullptr when a step is missing or not an object.
const Json* find(const Json& j, Path path);
// The string at path; "" when absent or not a string.
std::string str(const Json& j, Path path);
// The integer at path (doubles truncated); def when absent or not a number.
int64_t num(const Json& j, Path path, int64_t def = 0);
// true only when the value at path is the boolean true.
bool is_true(const Json& j, Path path);
// Whether the value at path is a JSON object (a non-nil Go pointer to a struct).
bool has_object(const Json& j, Path path);
// The array / object at path, or a shared empty one.
const Json& arr(const Json& j, Path path);
const Json& obj(const Json& j, Path path);
// Number of members of the object or array at path (0 otherwise).
int64_t count(const Json& j, Path path);

// RFC 3339 ("2024-05-01T10:00:00Z", "...T10:00:00.123456+02:00"); nullopt if malformed.
std::optional<TimePoint> parse_time(std::string_view text);
// upstream translateTimestampSince: human_duration(now - t), "<unknown>" when t is
// absent, null or unparsable (Go's zero time).
std::string since(const Json& timestamp, TimePoint now);
// The Age cell: since(metadata.creationTimestamp).
std::string age(const Json& object, TimePoint now);
// Go's t.UTC().Format(time.RFC3339); the zero time when absent.
std::string rfc3339_utc(const Json& timestamp);

// labels.FormatLabels: "a=1,b=2" sorted by key; "<none>" when empty.
std::string format_labels(const Json& labels);
// metav1.LabelSelectorAsSelector(sel).String(): requirements sorted by key, "" for a
// null or empty selector; nullopt when the selector is invalid.
std::optional<std::string> selector_string(const Json& selector);
// metav1.FormatLabelSelector: like selector_string but "<none>" when empty, "<error>"
// when invalid.
std::string format_label_selector(const Json& selector);
// layoutContainerCells: names and images joined by ",".
void layout_containers(const Json& containers, std::string& names, std::string& images);
// net.JoinHostPort: brackets IPv6 literals.
std::string join_host_port(const std::string& host, int64_t port);
// Go's strings.TrimSpace for ASCII whitespace.
std::string trim_space(std::string_view s);
std::string to_lower(std::string_view s);

// Column definition helper: {name,type,format,description,priority}.
Json column(std::string_view name, std::string_view type, std::string_view description,
            int priority = 0, std::string_view format = "");
extern const char* const kNameDoc;               // ObjectMeta.name
extern const char* const kCreationTimestampDoc;  // ObjectMeta.creationTimestamp

// Per-resource printers: the full (wide) cells of one object. pod_cells also fills
// `conditions` for Succeeded/Failed pods (upstream's TableRowConditions).
Json pod_columns();
Json pod_cells(const Json& pod, TimePoint now, Json& conditions);
Json node_columns();
Json node_cells(const Json& node, TimePoint now);
Json service_columns();
Json service_cells(const Json& svc, TimePoint now);
Json endpoints_columns();
Json endpoints_cells(const Json& ep, TimePoint now);
Json endpointslice_columns();
Json endpointslice_cells(const Json& slice, TimePoint now);
Json deployment_columns();
Json deployment_cells(const Json& d, TimePoint now);
Json replicaset_columns();
Json replicaset_cells(const Json& rs, TimePoint now);
Json namespace_columns();
Json namespace_cells(const Json& ns, TimePoint now);
Json event_columns();
Json event_cells(const Json& ev, TimePoint now);  // core/v1 or events.k8s.io/v1 shape
Json configmap_columns();
Json configmap_cells(const Json& cm, TimePoint now);
Json secret_columns();
Json secret_cells(const Json& s, TimePoint now);
Json serviceaccount_columns();
Json serviceaccount_cells(const Json& sa, TimePoint now);
Json default_columns();
Json default_cells(const Json& obj);

}  // namespace v6k::kube::tables
