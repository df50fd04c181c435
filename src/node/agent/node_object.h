// The Node object a node agent registers and keeps current, as the kubelet (with the AWS
// cloud provider and EKS's bootstrap) writes it: name = the instance's private DNS name,
// providerID aws:///<zone>/<instance>, EKS's labels, InternalIP = the node's IPv6 in an
// IPv6 cluster (its IPv4 in an IPv4 one), ExternalIP = its public IPv4, nodeInfo with the
// v6k runtime, capacity and allocatable (pods = max pods), and the four conditions.
//
//   NodeIdentity id = ...;                       // from the instance (EC2) and the host
//   json node = make_node(id, now);              // POST /api/v1/nodes, then PATCH /status
//   json st = node_status(id, now, {.ready = true});
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"

namespace v6k::node {

struct NodeIdentity {
  std::string instance_id;     // i-0123456789abcdef0
  std::string node_name;       // ip-10-0-1-23.us-west-2.compute.internal
  std::string instance_type;   // m5.large
  std::string architecture;    // EC2's: x86_64 | arm64
  std::string region;          // us-west-2
  std::string zone;            // us-west-2a
  std::string internal_ipv6;   // the ENI's primary IPv6
  std::string internal_ipv4;   // private IPv4
  std::string external_ipv4;   // public IPv4 ("" = none)
  std::string pod_prefix;      // the delegated /80 (an IPv6 cluster)
  std::string eni_id;          // the primary ENI (an IPv4 cluster's pods get its secondaries)
  std::vector<std::string> pod_ipv4s;       // its secondary private IPv4s at bootstrap
  std::vector<std::string> vpc_ipv4_cidrs;  // the VPC's IPv4 CIDRs (pod SNAT stops at them)
  std::string nodegroup;       // eks.amazonaws.com/nodegroup ("" = none)
  bool ipv6_cluster = true;    // InternalIP is the IPv6 address
  int64_t max_pods = 110;
  int64_t cpu = 2;             // vCPUs
  int64_t memory_bytes = 8ll << 30;
  std::string kubelet_version = "v1.32.0";  // the cluster's version
  std::string runtime_version = "v6k://0.1.0";
  std::string kernel_version;  // uname -r
  std::string os_image;        // PRETTY_NAME of /etc/os-release
  std::string boot_id, machine_id;
  uint16_t kubelet_port = 10250;  // status.daemonEndpoints.kubeletEndpoint.Port
  // kubelet --node-labels / --register-with-taints (an EKS node group's labels and taints).
  std::vector<std::pair<std::string, std::string>> extra_labels;
  nlohmann::json taints = nlohmann::json::array();  // [{key, value, effect: NoSchedule…}]
};

// kubelet's flag syntaxes: "k1=v1,k2=v2" and "k1=v1:NoSchedule,k2:NoExecute". Label keys
// and values are validated as Kubernetes does; effects must be NoSchedule, PreferNoSchedule
// or NoExecute.
Result<std::vector<std::pair<std::string, std::string>>> parse_node_labels(std::string_view flag);
Result<nlohmann::json> parse_taints(std::string_view flag);

// "amd64" / "arm64" (Kubernetes GOARCH names) for EC2's x86_64 / arm64.
std::string kube_arch(const std::string& ec2_architecture);

// The labels the kubelet and EKS put on a node.
nlohmann::json node_labels(const NodeIdentity& id);

struct NodeHealth {
  bool ready = true;
  std::string not_ready_reason = "KubeletNotReady";
  std::string not_ready_message;  // e.g. "container runtime network not ready: ..."
};

// status: capacity, allocatable, addresses, nodeInfo, daemonEndpoints, conditions
// (lastHeartbeatTime = now; lastTransitionTime = now unless `previous` has the same status).
nlohmann::json node_status(const NodeIdentity& id, const std::string& now_rfc3339, const NodeHealth& health,
                           const nlohmann::json& previous_conditions = nlohmann::json());

// The whole Node for its first POST (status is written through /status afterwards).
nlohmann::json make_node(const NodeIdentity& id);

// The node's Lease in kube-node-lease (holderIdentity = node name, 40 s duration).
nlohmann::json make_lease(const NodeIdentity& id, const std::string& now_micro);

}  // namespace v6k::node
