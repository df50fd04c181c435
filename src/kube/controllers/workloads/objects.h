// Defensive readers and small builders over Kubernetes objects held as nlohmann::json, shared
// by the ReplicaSet and Deployment planners. Every reader accepts any JSON (missing fields,
// wrong types) and answers the Kubernetes default instead of throwing, because the planners
// run on whatever the informers hold.
//
//   int64_t replicas = int_at(rs["spec"], "replicas", 1);
//   if (const json* ref = controller_ref(pod); ref && str_at(*ref, "uid") == uid) ...
//   auto t = parse_time("2024-05-01T10:00:00Z");   // nanoseconds since the epoch
//   format_time(*t) == "2024-05-01T10:00:00Z"
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace v6k::kube::workloads {

using json = nlohmann::json;

// obj[key] when obj is an object holding key, else a static null.
const json& at(const json& obj, std::string_view key);
// Integer field (JSON number; floats truncate), `def` when absent or of another type.
int64_t int_at(const json& obj, std::string_view key, int64_t def);
// String field, "" when absent or not a string.
std::string_view str_at(const json& obj, std::string_view key);
bool bool_at(const json& obj, std::string_view key, bool def);

// metadata helpers.
std::string_view name_of(const json& obj);
std::string_view uid_of(const json& obj);
std::string_view namespace_of(const json& obj);
bool being_deleted(const json& obj);  // metadata.deletionTimestamp set
// The ownerReferences entry with controller: true, or nullptr (metav1.GetControllerOf).
const json* controller_ref(const json& obj);
// An ownerReference making `owner` the controller (metav1.NewControllerRef).
json controller_ref_to(const json& owner, std::string_view api_version, std::string_view kind);
// Strategic-merge patch bodies the upstream ref managers send to adopt / release an object:
// the uid precondition makes the patch fail if the object was replaced meanwhile.
json adopt_patch(const json& obj, const json& ref);
json release_patch(const json& obj, std::string_view owner_uid);

// Times: RFC 3339 ("2024-05-01T10:00:00Z", fractions and offsets accepted) <-> ns since epoch.
std::optional<int64_t> parse_time(std::string_view text);
// Second precision UTC, as metav1.Time marshals.
std::string format_time(int64_t ns);
inline constexpr int64_t kNanosPerSecond = 1'000'000'000;

// Pods (k8s.io/kubernetes/pkg/api/v1/pod and controller_utils).
bool pod_active(const json& pod);  // not Succeeded/Failed and not being deleted
bool pod_ready(const json& pod);   // condition Ready=True
// lastTransitionTime of the Ready=True condition; nullopt when not ready or unset.
std::optional<int64_t> pod_ready_since(const json& pod);
// Ready, and ready for more than minReadySeconds (upstream IsPodAvailable: strictly after).
bool pod_available(const json& pod, int64_t min_ready_seconds, int64_t now_ns);

}  // namespace v6k::kube::workloads
