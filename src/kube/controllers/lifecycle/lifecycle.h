// The lifecycle control loops of kube-controller-manager: the garbage collector (owner
// references: background, foreground and orphan deletion), the namespace controller
// (empties a terminating namespace, then finalizes it), the node lifecycle controller
// (node health from Leases: conditions, taints, NodeNotReady events) and the pod garbage
// collector (pods bound to nodes that no longer exist).
//
//   ControllerContext ctx{client, informers, events, options};
//   std::vector<std::unique_ptr<Controller>> cs;
//   cs.push_back(make_garbage_collector(ctx));        // each registers informer handlers
//   cs.push_back(make_namespace_controller(ctx));
//   cs.push_back(make_node_lifecycle_controller(ctx));
//   cs.push_back(make_pod_gc_controller(ctx));
//   informers.start(); informers.wait_synced(10s);
//   for (auto& c : cs) c->start();
//   ...
//   for (auto& c : cs) c->stop();    // then stop the informers, then destroy
//
// Handlers capture the controller: stop the informers before destroying a controller.
#pragma once

#include <memory>

#include "kube/controllers/base/controller.h"

namespace v6k::kube {

// Upstream's controller names (kube-controller-manager --controllers).
inline constexpr const char* kGarbageCollectorName = "garbage-collector-controller";
inline constexpr const char* kNamespaceControllerName = "namespace-controller";
inline constexpr const char* kNodeLifecycleControllerName = "node-lifecycle-controller";
inline constexpr const char* kPodGcControllerName = "pod-garbage-collector-controller";

// Informers: pods, replicasets, deployments, endpointslices, services (the owners and
// dependents it tracks). Owners of other kinds are checked with a GET.
std::unique_ptr<Controller> make_garbage_collector(ControllerContext& ctx);
// Informers: namespaces. Finds namespaced resources through discovery (/api, /apis).
std::unique_ptr<Controller> make_namespace_controller(ControllerContext& ctx);
// Informers: nodes, leases, pods. Runs every options.node_monitor_period with
// options.node_monitor_grace.
std::unique_ptr<Controller> make_node_lifecycle_controller(ControllerContext& ctx);
// Informers: pods, nodes. Runs every options.node_monitor_period; a node missing for a
// whole period (and confirmed absent by a GET) has its pods force-deleted.
std::unique_ptr<Controller> make_pod_gc_controller(ControllerContext& ctx);

}  // namespace v6k::kube
