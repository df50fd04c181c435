// The workload controllers of kube-controller-manager: ReplicaSet (keeps spec.replicas
// pods running) and Deployment (rolls ReplicaSets out and back). The decisions are
// kube/controllers/workloads' planners; these are the loops around them: informer events
// to work queues, expectations so a lagging cache never creates or deletes twice, the
// plan applied through the API, Events recorded.
//
//   auto rs = make_replicaset_controller(ctx);   // before ctx.informers start
//   auto dep = make_deployment_controller(ctx);
//   ctx.informers.start(); ctx.informers.wait_synced(10s);
//   rs->start(); dep->start();
#pragma once

#include <memory>

#include "kube/controllers/base/controller.h"

namespace v6k::kube {

std::unique_ptr<Controller> make_replicaset_controller(ControllerContext& ctx);
std::unique_ptr<Controller> make_deployment_controller(ControllerContext& ctx);

}  // namespace v6k::kube
