// ipamd giving addresses back (an IPv4 cluster): when pods go, a node keeps `warm` free
// secondaries and returns the rest to the subnet, so a small subnet's addresses follow the
// pods instead of staying with the node that first asked for them.
//
// One pass, with no CNI ADD in flight: read which listed addresses a pod holds or which are
// still cooling down (the node's IPAM store, as v6k-cni keeps it), take the surplus out of the
// pool, publish the shorter conflist (ADDs resume with it), then UnassignPrivateIpAddresses.
// If EC2 refuses, the addresses rejoin the pool and the list is published again.
//
//   auto gone = release_ipv4_surplus(pool, cni, [&] { return write_conflist(); });
//   // *gone == {"10.0.2.9", "10.0.2.8"}: back in the subnet
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "node/agent/cni.h"
#include "node/agent/ipv4_pool.h"

namespace v6k::node {

// `publish` writes the node's conflist from the pool's current addresses and returns it.
Result<std::vector<std::string>> release_ipv4_surplus(Ipv4Pool& pool, const CniNetwork& cni,
                                                      const std::function<nlohmann::json()>& publish);

}  // namespace v6k::node
