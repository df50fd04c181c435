// Deterministic per-attachment names and MACs, derived from (containerID, ifname) so that
// ADD, CHECK, DEL and GC find the same host veth without any lookup table, and so that
// each side's permanent neighbour entry can be written without asking the kernel for the
// peer's MAC.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "netlink/rtnl.h"

namespace v6k::cni {

uint64_t attachment_hash(std::string_view container_id, std::string_view ifname);
// `prefix` (1-4 chars) + hex of the hash, 15 characters in all (IFNAMSIZ - 1).
std::string host_veth_name(std::string_view prefix, std::string_view container_id, std::string_view ifname);
// Locally administered unicast MACs, different for the two ends.
netlink::Mac host_veth_mac(std::string_view container_id, std::string_view ifname);
netlink::Mac pod_mac(std::string_view container_id, std::string_view ifname);

}  // namespace v6k::cni
