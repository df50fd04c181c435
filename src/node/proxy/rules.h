// The service proxy's nftables state as pure data: which elements each set/map of table
// `inet v6k-proxy` holds and which shared chains exist, computed from Services and
// EndpointSlices; plus the nft text that builds it whole and the text that turns one
// state into another. No kernel here, so all of it is table-tested.
//
//   ProxyState want = compute_state(services, slices, {.node_name = "ip-10-0-0-5"});
//   nft.run(full_script(want));            // replaces the table in one transaction
//   nft.run(delta_script(have, want));     // the same result, touching only what changed
//
// Layout (per family F = 6 / 4; "ip6"/"ip" in matches):
//   map service_ipsF  clusterIP . l4proto . port : goto pickF_<proto>_<N>  (N ready backends)
//   map backendsF_<proto>  clusterIP . port . bucket(0..N-1) : backend addr . port
//   chain pickF_<proto>_<N>  "dnat ipF to ipF daddr . <proto> dport . numgen random mod N
//                     map @backendsF_<proto>" — one chain shared by every (F, proto, N)
//   set no_endpointsF clusterIP . l4proto . port of service ports with no usable endpoint:
//                     rejected before NAT, in prerouting and output (chain reject_chain:
//                     TCP reset for TCP, ICMP port unreachable for the rest)
//   set cluster_ipsF  every ClusterIP; a NEW packet still addressed to one after DNAT
//                     (a port the Service does not have) is rejected (forward, output)
//   set hairpinF      backend . backend: postrouting masquerades a DNATed packet whose
//                     source is the backend it was sent to (a pod reaching itself)
//
// Why this shape (not upstream's chain per service and per endpoint): every Service and
// endpoint change is then only element updates, which libnftables applies without
// reading back thousands of chains and rules, so one change costs about the same at 10
// or 10,000 services. Chains change only when a new backend count N first appears.
#pragma once

#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "node/proxy/objects.h"

namespace v6k::node::proxy {

inline constexpr const char* kTableName = "v6k-proxy";  // family inet

struct PickChain {
  int family = 6;
  Protocol protocol = Protocol::kTcp;
  int backends = 1;
  std::string name() const;  // "pick6_tcp_3"
  auto operator<=>(const PickChain&) const = default;
};

struct ProxyState {
  // set/map name -> element key text -> value text ("" for plain sets).
  std::map<std::string, std::map<std::string, std::string>> elements;
  std::set<PickChain> chains;
  bool operator==(const ProxyState&) const = default;
};

struct StateOptions {
  // This node's name, for internalTrafficPolicy: Local (only endpoints on this node).
  std::string node_name;
};

// Services by key ("ns/name"), slices by key; slices are joined to their Service by
// namespace + kubernetes.io/service-name and to each service port by port name and
// protocol. Endpoints used per service port and family: ready ones; if none, serving
// and terminating ones (upstream's fallback); duplicates (same address and port) once.
ProxyState compute_state(const std::map<std::string, ServiceInfo>& services,
                         const std::map<std::string, SliceInfo>& slices, const StateOptions& options = {});

// One Service's share of compute_state (its slices: those naming it, any family).
ProxyState service_state(const ServiceInfo& svc, const std::vector<const SliceInfo*>& slices,
                         const StateOptions& options = {});
// Adds every set and map of the layout, empty, to `s` (compute_state does this).
void ensure_sets(ProxyState& s);

// Whole table: create-if-absent, delete, re-create and fill, so atomic and idempotent.
std::string full_script(const ProxyState& s);
// From `before` (what the kernel holds) to `after`: new chains, element deletes, element
// adds, chains no longer used. "" when equal. One batch = one transaction.
std::string delta_script(const ProxyState& before, const ProxyState& after);
// Removes the table if present.
std::string delete_script();

}  // namespace v6k::node::proxy
