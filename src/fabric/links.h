// Internal to src/fabric: making one veth pair exist and one link carry exactly a planned
// set of addresses, routes and permanent neighbours — the building block for ENIs,
// gateway links and the internet hosts. Convergence is a diff against what the kernel
// has (or, on the hot path, against what we know it has) sent as one netlink batch.
#pragma once

#include <initializer_list>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "addr/ip.h"
#include "common/result.h"
#include "netlink/netns.h"
#include "netlink/rtnl.h"

namespace v6k::fabric::internal {

struct AddressWant {
  addr::IpInterface address;
  uint32_t flags = 0;  // IFA_F_NODAD for IPv6
};

// What one link should carry. Routes are main-table routes through this link (protocol
// kRouteProto); neighbours are permanent.
struct LinkPlan {
  std::vector<AddressWant> addresses;
  std::vector<netlink::Route> routes;
  std::vector<netlink::Neighbour> neighbours;
};

// What one link carries now: its addresses, our routes through it, its neighbours.
struct LinkState {
  bool up = false;
  std::vector<netlink::AddressInfo> addresses;
  std::vector<netlink::Route> routes;
  std::vector<netlink::Neighbour> neighbours;
};

using RoutesByLink = std::map<int, std::vector<netlink::Route>>;

// Main-table routes with protocol kRouteProto, IPv4 and IPv6, grouped by output link: one
// dump for a router with many links instead of one per link.
Result<RoutesByLink> dump_routes_by_link(netlink::Rtnl& rtnl);
// `routes`: a dump_routes_by_link() result, or null to dump here.
Result<LinkState> read_link_state(netlink::Rtnl& rtnl, int ifindex, const RoutesByLink* routes);
// The state a link has after converge_link(plan) succeeded (for diffing the next plan
// against it without asking the kernel).
LinkState state_of(const LinkPlan& plan);

// Makes link `ifindex` up and carry exactly `plan`, given that it carries `have` now:
// removes what `have` has beyond the plan (never IPv6 link-local addresses the plan does
// not mention: the kernel made those), adds what it lacks. One netlink batch.
Result<> converge_link(netlink::Rtnl& rtnl, int ifindex, const LinkPlan& plan, const LinkState& have);

struct PairSpec {
  std::string name;       // in `near`'s namespace
  netlink::Mac mac;
  std::string peer_name;  // in `far_ns`
  netlink::Mac peer_mac;
  uint32_t mtu = 0;
};
struct Pair {
  int index = 0;       // near side
  int peer_index = 0;  // far side
  bool created = false;
};
// Makes the pair exist with these names and MACs. With may_exist, an existing correct pair
// is kept (processes in far_ns keep their eth0) and a broken one (one end missing, or ends
// that are not each other's peers) replaced; without, the pair is created directly and
// only an EEXIST falls back to that check.
Result<Pair> ensure_pair(netlink::Rtnl& near, netlink::Rtnl& far, const netlink::NetNs& far_ns,
                         const PairSpec& spec, bool may_exist);

// Writes sysctls (keys relative to /proc/sys) inside `ns`, on the calling thread.
Result<> write_sysctls(const netlink::NetNs& ns,
                       std::initializer_list<std::pair<const char*, const char*>> kv);

// A pair made by this apply, to wait for before apply() returns.
struct NewPair {
  netlink::Rtnl* near = nullptr;
  int index = 0;
  netlink::Rtnl* far = nullptr;
  int peer_index = 0;
  std::vector<addr::Ipv6Address> far_v6;  // addresses on the far end that must be usable
  std::shared_ptr<netlink::Rtnl> far_owned;  // keeps `far` open when nothing else does
};

// Waits (up to ~1 s in all) until both ends of every new pair are operationally up and
// their far side's IPv6 addresses resolve as local. Both happen asynchronously after the
// netlink ACK: the link watcher sets the carrier from a work queue, and IPv6 inserts an
// address's local route only when its DAD work runs, also for IFA_F_NODAD (measured here:
// up to ~3.5 ms, one jiffy, when that work finds the RTNL lock taken). Before that a SYN to
// the address is dropped ("no route") and retried only a second later. Waiting for all
// pairs of an apply at once overlaps their delays. Best effort: returns after the timeout.
void wait_until_ready(std::vector<NewPair>& pairs);

// Proxy ARP on `link` (in `ns`) answers at once. The kernel holds a proxied reply to a
// broadcast request for a random part of proxy_delay (0.8 s), and a namespace other than
// the initial one has no neigh/default to change it for every new link.
Result<> proxy_arp_without_delay(const netlink::NetNs& ns, const std::string& link);

// Deletes a link by name; absent is fine.
Result<> delete_link_if_present(netlink::Rtnl& rtnl, const std::string& name);

}  // namespace v6k::fabric::internal
