// `v6k agent --node <instance-id> --kubeconfig <file>`: the node agent of one region
// instance, in the foreground. It bootstraps from the region's EC2 API (instance facts,
// a /80 delegated to its ENI), writes the node's CNI conflist, registers the Node with
// heartbeats, and runs the pods bound to it in the instance's network namespace. With
// --service-cidr it also runs the node's ClusterIP DNAT and cluster DNS at <base>::a.
// State (runtime, IPAM, conflist, pod logs) lives in <state>/agents/<instance-id>/.
#pragma once

#include <string>

#include "cli/daemon.h"

namespace v6k::cli {

struct AgentOptions {
  std::string instance_id;
  std::string kubeconfig;     // the cluster's API server, CA and token (JSON kubeconfig)
  std::string nodegroup;      // eks.amazonaws.com/nodegroup label
  std::string cluster_version = "v1.32.0";
  // "ipv6": pods get IPv6 from the node's /80; "ipv4": pods get the ENI's secondary IPv4s
  // (the VPC CNI's modes). "" = the family of --service-cidr, else ipv6.
  std::string ip_family;
  int warm_ip_target = 3;     // IPv4: secondaries assigned ahead of need
  // Services and cluster DNS (node/agent/services.h); "" = off on this node.
  std::string service_cidr;                 // the cluster's, e.g. fd5a:1b2c:3d4e::/108
  std::string cluster_domain = "cluster.local";
  std::string dns_upstream;                 // resolver for other names; "" = NXDOMAIN
  // kubelet's --node-labels "k=v,…" and --register-with-taints "k=v:NoSchedule,…".
  std::string node_labels;
  std::string register_with_taints;
};

int agent(const DaemonOptions& d, const AgentOptions& o);

// Where an agent keeps what only lives as long as the machine's boot — the runtime's
// per-container state, the pods' resolv.conf/hosts, their logs and the node's pod address
// store: on tmpfs (common/volatile_dir.h: /run, or /dev/shm where /run is on disk), as
// containerd keeps /run/containerd and the VPC CNI /var/run/aws-node (creating files
// there costs a fraction of what it costs on disk, and pod startup creates many). One
// directory per region state dir and instance: <root>/v6k/<hash of the state dir>/<instance-id>.
std::string agent_run_dir(const std::string& state_dir, const std::string& instance_id);
// The part of <root>/v6k that belongs to this state dir (what `v6k down --purge` removes).
std::string region_run_dir(const std::string& state_dir);

}  // namespace v6k::cli
