// Per-node state the datapath needs once, not per pod: forwarding sysctls and the one
// static nftables rule set for IPv4 egress (SNAT 169.254.172.0/22 to the node IPv4 when
// leaving the node; drop pod-to-pod IPv4 on that range) or, for IPv4 pods, the VPC CNI's
// SNAT of pod traffic leaving the VPC. Applied by the first ADD in a
// node namespace and re-applied only when the namespace or the egress config changes,
// which a marker file (namespace inode + rule-set digest) tells in one stat and one read.
#pragma once

#include <string>
#include <vector>

#include "cni/spec.h"
#include "common/result.h"

namespace v6k::cni {

// The nftables rule set for a node (a complete, idempotent batch).
std::string egress_ruleset(const Ipv4Egress& egress);
// IPv4 pod mode's: SNAT to the node's IPv4 for traffic leaving the VPC (table ip v6k-snat).
std::string snat_ruleset(const Ipv4Snat& snat);

// Ensures sysctls and rules are in place in the calling thread's network namespace.
Result<> ensure_node_setup(const NetConf& conf, const std::string& state_dir);

// CHECK's view: problems with the node's egress rules (empty = fine). When the table is
// gone (someone flushed the ruleset), the marker is removed so the next ADD reinstalls it.
Result<std::vector<std::string>> check_node_setup(const NetConf& conf, const std::string& state_dir);

}  // namespace v6k::cni
