// The legacy v1 Endpoints object of a Service, as kube-controller-manager's endpoints
// controller computes it (pkg/controller/endpoint/endpoints_controller.go syncService and
// pkg/api/v1/endpoints RepackSubsets; 1.32 semantics).
//
//   auto want = plan_endpoints(svc, pods_in_ns, existing_or_null, trigger_time);
//   if (want) existing ? client.update("endpoints", *want) : client.create("endpoints", *want);
//
// Rules kept: only Services with a selector (and not ExternalName); pods matching it,
// not terminal, with an IP of the Service's first family (spec.ipFamilies[0], else the
// clusterIP's, else the pod IP's); terminating pods only with publishNotReadyAddresses;
// ready pods (or all, with publishNotReadyAddresses) go to addresses, the others to
// notReadyAddresses, each {ip, nodeName, targetRef{kind Pod, namespace, name, uid}} plus
// hostname when pod.spec.subdomain names the Service; ports {name, port (resolved target
// port), protocol, appProtocol}; subsets repacked so ports sharing the same address set
// form one subset; headless Services without ports get port-less subsets. Labels are the
// Service's labels, plus service.kubernetes.io/headless: "" for headless Services;
// annotations endpoints.kubernetes.io/last-change-trigger-time (the trigger_time given,
// removed when empty) and endpoints.kubernetes.io/over-capacity: truncated past 1000
// addresses (the addresses are then truncated as upstream does).
#pragma once

#include <optional>
#include <span>
#include <string_view>

#include <nlohmann/json.hpp>

namespace v6k::kube::netplan {

inline constexpr const char* kAnnotationOverCapacity = "endpoints.kubernetes.io/over-capacity";
inline constexpr size_t kEndpointsMaxCapacity = 1000;

// The desired Endpoints object (to create when existing is null, else to update: a copy of
// existing keeping its metadata and resourceVersion) — or nullopt when the Service gets no
// Endpoints from the controller or the existing object already matches (subsets compared
// ignoring order and targetRef.resourceVersion; labels ignoring the headless label).
std::optional<nlohmann::json> plan_endpoints(const nlohmann::json& service,
                                             std::span<const nlohmann::json* const> pods_in_namespace,
                                             const nlohmann::json* existing, std::string_view trigger_time = {});

}  // namespace v6k::kube::netplan
