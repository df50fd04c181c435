// The pod-template-hash of Deployments: names a Deployment's ReplicaSets ("web-7d4b9c8f5")
// and labels their pods, so each template revision selects only its own pods.
//
// Upstream (controller.ComputeHash) runs FNV-1a 32 over a spew dump of the Go struct, appends
// the collision count as 8 little-endian bytes, prints the uint32 in decimal and maps every
// digit through rand.SafeEncodeString's alphabet "bcdfghjklmnpqrstvwxz2456789". We hash a
// canonical JSON dump instead (keys sorted, nulls and empty label/annotation maps dropped, the
// pod-template-hash label stripped), so the values differ from a real cluster's but have the
// same shape and properties.
//
//   std::string h = pod_template_hash(deploy["spec"]["template"], 0);   // e.g. "6d5f8b4c79"
//   bool same = templates_equal_ignore_hash(rs["spec"]["template"], deploy["spec"]["template"]);
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace v6k::kube::workloads {

inline constexpr std::string_view kPodTemplateHashLabel = "pod-template-hash";

// FNV-1a 32-bit (exposed for tests).
uint32_t fnv1a32(std::string_view data, uint32_t hash = 2166136261u);
// rand.SafeEncodeString: each byte b becomes alphabet[b % 27].
std::string safe_encode_string(std::string_view s);

// The template with the pod-template-hash label removed and the values Go's semantic
// equality treats as absent (null, empty labels/annotations maps, empty arrays) dropped.
nlohmann::json normalize_template(const nlohmann::json& pod_template);

// Hash of a pod template; a collision_count of 0 hashes as if none was recorded.
std::string pod_template_hash(const nlohmann::json& pod_template, int64_t collision_count);

// deploymentutil.EqualIgnoreHash.
bool templates_equal_ignore_hash(const nlohmann::json& a, const nlohmann::json& b);

}  // namespace v6k::kube::workloads
