// Internal helpers of the netplan planners (not a public API): tolerant JSON reads and the
// pod/service predicates upstream's endpoint controllers share (k8s.io/endpointslice/util,
// pkg/api/v1/pod): readiness, terminal phase, selector match, target port resolution.
//
//   if (pod_selected(svc_spec, pod) && should_pod_be_in_endpoints(pod, true)) {
//     auto port = resolve_target_port(pod, svc_port);   // nullopt: pod lacks the named port
//   }
//
// Everything tolerates missing or mistyped fields (they read as the Kubernetes default).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace v6k::kube::netplan::detail {

using nlohmann::json;

// obj[key] when obj is an object holding key, else a null json (never throws).
const json& at(const json& obj, std::string_view key);
// obj[key] as a string; "" when absent or not a string.
std::string str(const json& obj, std::string_view key);
// obj[key] as an integer; `def` when absent or not an integer.
int64_t integer(const json& obj, std::string_view key, int64_t def);
// An object of strings, or an empty object (labels/annotations).
json string_map(const json& m);

// Service-level facts.
bool service_has_selector(const json& svc);          // non-empty spec.selector map
bool selector_matches(const json& selector, const json& labels);  // map selector: every pair present
bool service_ip_set(const json& svc);                // spec.clusterIP neither "" nor "None"
bool is_headless(const json& svc);                   // spec.clusterIP == "None"

// Pod-level facts.
bool pod_ready(const json& pod);        // status.conditions Ready == "True"
bool pod_terminal(const json& pod);     // phase Succeeded or Failed
bool pod_terminating(const json& pod);  // metadata.deletionTimestamp set
// ShouldPodBeInEndpoints: not terminal, has an IP, terminating only if include_terminating.
bool should_pod_be_in_endpoints(const json& pod, bool include_terminating);
// status.podIPs[].ip (or status.podIP when podIPs is empty), as written by the kubelet.
std::vector<std::string> pod_ips(const json& pod);
// true: IPv6, false: IPv4, nullopt: not an IP.
std::optional<bool> ip_is_v6(std::string_view ip);
// RFC 5952 / dotted-quad canonical text (net.ParseIP + String), or nullopt.
std::optional<std::string> canonical_ip(std::string_view ip);
// FindPort: a numeric targetPort (missing: the service port) or the container port of the
// named port with the same protocol (containers, then restartable init containers).
std::optional<int64_t> resolve_target_port(const json& pod, const json& service_port);
// ShouldSetHostname: pod.spec.hostname set and pod.spec.subdomain names the Service.
bool should_set_hostname(const json& pod, const json& svc);

}  // namespace v6k::kube::netplan::detail
