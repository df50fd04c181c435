// The kubelet's pod loop for one node: watch the pods bound to it, and for each one make
// its network namespace, call v6k-cni ADD (the pod's IPv6 from the node's /80), create the
// sandbox and start its containers in the runtime, restart them by the pod's restartPolicy
// with back-off, and write the pod's status (phase, podIP/podIPs, hostIP, container states,
// restart counts, conditions). A pod being deleted is stopped within its grace period,
// its network released (CNI DEL) and its namespace removed, then the deletion confirmed.
// After an agent restart, running pods are adopted (runtime state + their API status), and
// CNI GC frees the addresses of pods the node no longer has.
// Probes (probes.h) decide the containers' readiness, and liveness/startup failures
// restart them. Every container gets the pod's resolv.conf (by dnsPolicy, pointing at
// cluster_dns) and the kubelet-managed /etc/hosts, bind-mounted read-only from
// <pod_root>/<uid>/{resolv.conf,etc-hosts}.
//
//   PodManager::start({.client = c, .node_name = n, .host_ip = ipv6, .netns_prefix = "v6k-",
//                      .cni = &cni, .runtime = &rt});
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "common/result.h"
#include "kube/client/client.h"
#include "node/agent/cni.h"
#include "node/runtime/runtime.h"

namespace v6k::node {

struct PodManagerOptions {
  std::shared_ptr<kube::Client> client;
  std::string node_name;
  std::string host_ip;       // the node's InternalIP (status.hostIP)
  std::string netns_prefix;  // pod namespaces are /var/run/netns/<prefix>pod-<uid>
  const CniNetwork* cni = nullptr;
  runtime::Runtime* runtime = nullptr;
  std::string log_root = "/var/log/pods";
  int workers = 4;
  std::chrono::milliseconds monitor_period{200};      // how often container exits are noticed
  std::chrono::milliseconds restart_backoff{10000};   // first restart delay (upstream 10 s)
  std::chrono::milliseconds max_restart_backoff{300000};
  std::string cluster_dns;                      // the cluster DNS service IP; "" = none (ClusterFirst
                                                // then falls back to Default, as the kubelet does)
  std::string cluster_domain = "cluster.local";
  std::string resolv_conf;                      // the node's resolv.conf for dnsPolicy Default; "" = none
  // Per-pod files (<pod_root>/<uid>/...), keyed by pod UID like the kubelet's pods dir.
  std::string pod_root;                         // "" = <volatile_root()>/v6k/pods
};

struct PodManagerStats {
  uint64_t started = 0;    // pods whose sandbox was made
  uint64_t adopted = 0;    // pods found running at start
  uint64_t torn_down = 0;  // pods whose sandbox was removed
};

class PodManager {
 public:
  static Result<std::unique_ptr<PodManager>> start(PodManagerOptions opts);
  ~PodManager();
  void stop();
  PodManagerStats stats() const;

  struct Impl;

 private:
  explicit PodManager(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace v6k::node
