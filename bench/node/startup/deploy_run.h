// One measured Deployment in the StartupLab: a watch on the pods of a fresh namespace
// starts first, then the Deployment of `replicas` pods is created, and each pod's times
// are taken (steady_clock, in this process) the first time the watch shows it:
//   added   - the pod exists (the ReplicaSet controller made it),
//   bound   - spec.nodeName is set (the scheduler bound it),
//   running - status.phase Running with a podIP (its node's PodManager wrote the status).
// Then the Deployment is deleted (background propagation) and the run waits until every
// pod is gone from the API and from both runtimes.
//
//   auto r = run_deployment(lab, {.ns = "bench-pause", .image = "registry.k8s.io/pause:3.9"});
//   r->running_ms  // per pod, create call -> Running, sorted
//
// With `direct`, the run is its own peer without the ReplicaSet controller: the same
// pods are created by this process through the API (4 client threads, as
// bench_kube_scheduler's burst), t0 = the first create call, and they are deleted with
// one deletecollection call.
#pragma once

#include <atomic>
#include <map>
#include <string>
#include <vector>

#include "lab.h"

namespace v6k::bench_startup {

struct DeployOptions {
  std::string ns;     // a namespace to create for this run
  std::string image;
  int replicas = 100;
  bool direct = false;  // create the pods directly instead of through a Deployment
  int timeout_s = 180;                       // for all Running, and again for all gone
  const std::atomic<bool>* interrupted = nullptr;  // set by SIGINT/SIGTERM: give up early
};

struct DeployResult {
  std::vector<double> running_ms;       // Deployment create call -> Running with an IP, sorted
  std::vector<double> added_to_running_ms;  // the pod's own ADDED event -> Running, sorted
  std::vector<double> create_to_added_ms, added_to_bound_ms, bound_to_running_ms;  // phases, sorted
  double all_running_ms = 0;            // create call -> the last pod Running
  double teardown_ms = 0;               // delete call -> every pod gone (API and runtimes)
  // CPU from the create call until the last pod Running: this process (the agents, and
  // the control plane when in process), its waited-for children (v6k-cni, runtime
  // helpers), the control plane's process, and the whole machine (/proc/stat, every core;
  // shims and containers included).
  double cpu_self_ms = 0, cpu_children_ms = 0, cpu_control_plane_ms = 0, cpu_machine_ms = 0;
  std::map<std::string, int> per_node;  // pods Running per node
  std::vector<std::string> sample_ips;  // a few pod IPs, to show where they came from
};

Result<DeployResult> run_deployment(StartupLab& lab, const DeployOptions& o);

// Waits until the machine is quiet (under 25% of all cores busy over 250 ms), at most
// `limit`; returns how long it waited. The kernel tears down deleted network namespaces
// asynchronously (kworkers), so a run right after another one's teardown or the floor's
// would pay for it.
double settle(std::chrono::milliseconds limit);

}  // namespace v6k::bench_startup
