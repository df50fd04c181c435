// The kernel floor of pod startup: the same network work v6k-cni does for a pod, done by
// iproute2 with nothing of ours in between, as bench/cni/cni-bench's floor does. Per pod,
// two `ip -batch` processes:
//   node side (run in the node netns): netns add <pod>; the veth pair with its peer moved
//     into the pod netns as eth0; host end up; the pod's /128 route and permanent
//     neighbour on the host end;
//   pod side (run in the pod netns): lo up; the pod's /128 with nodad; eth0 up; the
//     fe80::1 host route, its permanent neighbour (the host end's MAC) and the default
//     route via fe80::1.
// The processes are started with posix_spawn from a thread that entered the namespace
// (no fork of this process's memory: the floor should not pay for our size).
//
//   auto f = run_floor({.prefix = "v6kb-ps-123-", .pods = 100});
//   f->total_ms, f->per_pod_ms (sorted)
#pragma once

#include <string>
#include <vector>

#include "common/result.h"

namespace v6k::bench_startup {

struct FloorOptions {
  std::string prefix;  // namespace names: <prefix>floor-node, <prefix>floor-<i>
  int pods = 100;
  int mtu = 9001;
};

struct FloorResult {
  double total_ms = 0;               // all pods, one after another
  std::vector<double> per_pod_ms;    // sorted
  double node_batch_ms = 0, pod_batch_ms = 0;  // medians
};

// Makes the namespaces, measures, and deletes them again (also on failure).
Result<FloorResult> run_floor(const FloorOptions& o);

}  // namespace v6k::bench_startup
