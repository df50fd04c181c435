// The ipamd role at node start: learn the instance from the region's EC2 API and obtain
// the node's pod prefix the way the Amazon VPC CNI does in IPv6 mode — reuse a /80 already
// delegated to the primary ENI (an agent restart), else AssignIpv6Addresses with
// Ipv6PrefixCount=1 — then describe the node as the kubelet will register it. In an IPv4
// cluster there is no prefix: the node records its ENI, the ENI's secondary IPv4s (pod
// addresses; Ipv4Pool adds more) and the VPC's IPv4 CIDRs.
//
//   aws::Ec2Client ec2(aws::Ec2ClientOptions::from(*aws::load_region_access(state)));
//   auto id = bootstrap_node({.ec2 = &ec2, .instance_id = "i-0123…", .region = "us-west-2"});
//   id->pod_prefix   // "2001:db8:0:1:8000::/80"
#pragma once

#include <string>

#include "aws/ec2_client.h"
#include "common/result.h"
#include "node/agent/node_object.h"

namespace v6k::node {

struct BootstrapOptions {
  aws::Ec2Client* ec2 = nullptr;
  std::string instance_id;
  std::string region = "us-west-2";
  std::string kubelet_version = "v1.32.0";
  std::string nodegroup;
  bool ipv6_cluster = true;
  int64_t max_pods = 110;
};

Result<NodeIdentity> bootstrap_node(const BootstrapOptions& o);

// vCPUs and memory of an instance type (a small table of common types; others: 2 / 8 GiB).
std::pair<int64_t, int64_t> instance_shape(const std::string& instance_type);

}  // namespace v6k::node
