// `v6k agent --node <instance-id> --kubeconfig <file>`: the node agent of one region
// instance, in the foreground. It bootstraps from the region's EC2 API (instance facts,
// a /80 delegated to its ENI), writes the node's CNI conflist, registers the Node with
// heartbeats, and runs the pods bound to it in the instance's network namespace.
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
};

int agent(const DaemonOptions& d, const AgentOptions& o);

}  // namespace v6k::cli
