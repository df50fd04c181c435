// EndpointSlice planning for one Service, as kube-controller-manager's endpointslice
// controller reconciles (k8s.io/endpointslice reconciler.go, utils.go; 1.32 semantics).
//
// Given the Service, the pods of its namespace and the slices now labelled with its name,
// returns the writes that bring the slices to the desired state — and nothing at all when
// they already are (endpoints compared by identity, ignoring order and pod
// resourceVersions), so a steady state costs no API calls:
//
//   EndpointSliceOptions opt;  opt.node_zones = &zones;   // optional
//   auto plan = plan_endpoint_slices(svc, pods, slices, opt);
//   for (auto& s : plan.creates) client.create("endpointslices", s);   // generateName "<svc>-"
//   for (auto& s : plan.updates) client.update("endpointslices", s);   // name + resourceVersion kept
//   for (auto& n : plan.deletes) client.remove("endpointslices", n);
//
// Upstream behaviour kept: only Services with a selector (and not ExternalName) are
// managed; one address type per spec.ipFamilies entry; endpoints grouped by their resolved
// port list (a named targetPort resolving differently splits pods into different slices);
// at most max_endpoints_per_slice per slice, filling partially full slices before creating;
// endpoint conditions ready = publishNotReadyAddresses || (serving && !terminating),
// serving = pod Ready, terminating = deletionTimestamp set; terminal pods and pods without
// an IP are left out; slices not owned by this Service (uid) are deleted; a placeholder slice
// with no endpoints and no ports exists when nothing else would; a create paired with a
// delete becomes an update of the deleted slice. Slice labels are the Service's labels plus
// kubernetes.io/service-name, endpointslice.kubernetes.io/managed-by and
// service.kubernetes.io/headless (headless Services).
// Left out: topology hints / trafficDistribution, the node-not-found skip (the caller's
// zone map is advisory), endpoint hints on existing slices.
#pragma once

#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

namespace v6k::kube::netplan {

inline constexpr const char* kEndpointSliceControllerName = "endpointslice-controller.k8s.io";
inline constexpr const char* kLabelServiceName = "kubernetes.io/service-name";
inline constexpr const char* kLabelManagedBy = "endpointslice.kubernetes.io/managed-by";
inline constexpr const char* kLabelHeadless = "service.kubernetes.io/headless";
inline constexpr const char* kAnnotationTriggerTime = "endpoints.kubernetes.io/last-change-trigger-time";

struct EndpointSliceOptions {
  size_t max_endpoints_per_slice = 100;  // kube-controller-manager --max-endpoints-per-slice
  // Node name -> its topology.kubernetes.io/zone label; endpoints on listed nodes get "zone".
  const std::unordered_map<std::string, std::string>* node_zones = nullptr;
  // RFC3339Nano time for endpoints.kubernetes.io/last-change-trigger-time on every written
  // slice; empty removes the annotation from written slices (as upstream with no trigger).
  std::string trigger_time;
  std::string controller_name = kEndpointSliceControllerName;
};

struct EndpointSlicePlan {
  std::vector<nlohmann::json> creates;  // full objects with metadata.generateName
  std::vector<nlohmann::json> updates;  // full objects with metadata.name and resourceVersion
  std::vector<std::string> deletes;     // names of slices to delete
  bool empty() const { return creates.empty() && updates.empty() && deletes.empty(); }
};

// pods_in_namespace: every pod of the Service's namespace (the selector is applied here);
// existing_slices_for_service: the slices labelled kubernetes.io/service-name=<service>
// and managed by this controller. Never throws; malformed objects count as absent.
EndpointSlicePlan plan_endpoint_slices(const nlohmann::json& service,
                                       std::span<const nlohmann::json* const> pods_in_namespace,
                                       std::span<const nlohmann::json* const> existing_slices_for_service,
                                       const EndpointSliceOptions& options = {});

}  // namespace v6k::kube::netplan
