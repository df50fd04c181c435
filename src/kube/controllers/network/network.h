// The network-facing control loops of kube-controller-manager: the EndpointSlice
// controller and the (legacy) Endpoints controller. Both keep, for every Service with a
// selector, the objects that list the Service's pods — decided by the pure planners in
// kube/controllers/netplan, written here through the API client.
//
//   ControllerContext ctx{client, informers, events, options};
//   auto slices = make_endpointslice_controller(ctx);   // registers informer handlers
//   auto eps = make_endpoints_controller(ctx);
//   informers.start(); informers.wait_synced(10s);
//   slices->start(); eps->start();
//   ...
//   slices->stop(); eps->stop();      // then stop the informers, then destroy
//
// Each controller queues Service keys ("ns/name"): a Service change, a change of a pod
// the Service selects (before or after the change), or a change of an object the
// controller owns (a slice labelled kubernetes.io/service-name, the Endpoints of the same
// name) brings the Service back for a level-triggered sync. Handlers capture the
// controller: stop the informers before destroying a controller.
#pragma once

#include <memory>

#include "kube/controllers/base/controller.h"

namespace v6k::kube {

// Upstream's controller names (kube-controller-manager --controllers).
inline constexpr const char* kEndpointSliceControllerName = "endpointslice-controller";
inline constexpr const char* kEndpointsControllerName = "endpoint-controller";

// Informers used: services, pods, endpointslices, nodes (zones).
std::unique_ptr<Controller> make_endpointslice_controller(ControllerContext& ctx);
// Informers used: services, pods, endpoints.
std::unique_ptr<Controller> make_endpoints_controller(ControllerContext& ctx);

}  // namespace v6k::kube
