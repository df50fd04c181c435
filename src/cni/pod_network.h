// The pod datapath of DESIGN.md "Pod datapath": one veth per pod, no bridge, no overlay.
//
// IPv6 pods (an IPv6 cluster, with the optional IPv4 egress address):
//
//   pod netns                               node netns
//   eth0  <pod>/128 (nodad)         <--->   v6k<hash>   (no address)
//         169.254.172.x/32                  route <pod>/128 dev v6k<hash>
//   fe80::1 dev eth0 (scope link)           route 169.254.172.x/32 dev v6k<hash>
//   default via fe80::1                     neigh <pod> / 169.254.172.x -> pod MAC (permanent)
//   default via 169.254.172.1 onlink
//   neigh fe80::1, 169.254.172.1 -> host veth MAC (permanent)
//
// IPv4 pods (an IPv4 cluster: the address is one of the ENI's secondary private IPv4s,
// which the VPC routes to the node) have only the IPv4 half: <pod>/32, default via
// 169.254.1.1 onlink, a permanent neighbour for it, and the node's /32 route + neighbour.
//
// Both MACs are derived from the attachment, so neither side ever needs ND or ARP and no
// reply from the kernel is needed to configure the other side.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "addr/ip.h"
#include "common/result.h"
#include "netlink/netns.h"
#include "netlink/rtnl.h"

namespace v6k::cni {

struct PodAttachment {
  std::string container_id;
  std::string ifname;          // inside the pod (CNI_IFNAME)
  std::string veth_prefix;     // host side name prefix
  uint32_t mtu = 1500;
  std::optional<addr::Ipv6Address> v6;  // nullopt for an IPv4 pod
  std::optional<addr::Ipv4Address> v4;  // the IPv4 egress address or an IPv4 pod's address
  addr::Ipv4Address v4_gateway;         // 169.254.172.1 (egress) or 169.254.1.1 (IPv4 pods)
};

struct AttachedPod {
  std::string host_veth;
  netlink::Mac host_mac;
  netlink::Mac pod_mac;
};

// The gateway every pod routes IPv6 through (never configured on the host).
addr::Ipv6Address pod_gateway_v6();

// ADD, in two steps, so the caller can overlap address allocation (an fdatasync) with the
// kernel's veth creation: create_pod_veth needs only names and the MTU; configure_pod_veth
// then adds addresses, routes and neighbours on both ends.
struct PodVeth {
  AttachedPod names;
  int host_index = 0;
  int pod_index = 0;
  netlink::Rtnl pod;  // a socket bound to the pod's netns
};
Result<PodVeth> create_pod_veth(netlink::Rtnl& node, const netlink::NetNs& pod_ns, const PodAttachment& a);
Result<> configure_pod_veth(netlink::Rtnl& node, PodVeth& veth, const PodAttachment& a);

// DEL: cuts the pod off at once by setting the host veth down (the kernel drops its routes
// and the pod end loses carrier). The veth pair itself dies with the pod's netns, as with
// the VPC CNI: deleting a veth synchronously costs ~17 ms of RCU grace periods, while the
// kernel tears a dead netns down asynchronously. Succeeds when the veth is already gone.
Result<> detach_pod(netlink::Rtnl& node, const std::string& host_veth);

// Deletes a host veth now (GC, and an ADD that finds a leftover). ENODEV is success.
Result<> delete_host_veth(netlink::Rtnl& node, const std::string& host_veth);

// GC's sweep: deletes every host veth named `<prefix>` + 12 hex that is down, i.e. was
// detached by DEL but whose netns outlived it. Returns how many were deleted.
Result<int> sweep_detached_veths(netlink::Rtnl& node, const std::string& prefix);

// CHECK: every expected piece of the datapath, reported as human-readable problems
// (empty = healthy).
Result<std::vector<std::string>> check_pod(netlink::Rtnl& node, const netlink::NetNs& pod_ns,
                                           const PodAttachment& a);

}  // namespace v6k::cni
