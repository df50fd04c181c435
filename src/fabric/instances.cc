// ENIs: each instance namespace and the veth joining its eth0 to the VPC router.
//
// Router side "eni<12>": fe80::1/64 (nodad) and the subnet's .1/32, proxy ARP (inherited
// from the router's default), permanent neighbours ENI IPv4s (primary and secondaries)/IPv6
// -> ENI MAC, routes /32s + /128s "dev" the link and each delegated prefix via the ENI's
// first IPv6 (onlink). Secondary IPv4s are not configured in the instance (the CNI does it).
// Instance side "eth0" (the ENI's MAC): each IPv6 /128 (nodad), the IPv4 with the subnet's
// length, default via fe80::1 and via .1 onlink, permanent neighbours for both gateways.
//
// A new instance costs: netns create, 2 sysctls, one veth create (peer made directly in
// the instance namespace), one netlink batch per side. An existing namespace is never
// recreated: its eth0 is kept and its configuration diffed (processes inside survive).
#include <linux/if_addr.h>
#include <sys/socket.h>

#include "fabric/fabric_impl.h"
#include "fabric/names.h"

namespace v6k::fabric::internal {
namespace {

using netlink::Route;

Route link_route(const addr::IpAddress& dst) {
  Route r;
  r.dst = dst;
  r.dst_len = addr::is_v6(dst) ? 128 : 32;
  r.scope = RT_SCOPE_LINK;
  return r;
}

LinkPlan router_side(const Eni& e, const addr::Ipv4Address& gw, const netlink::Mac& eni_mac_) {
  LinkPlan p;
  p.addresses.push_back({{ll(1), 64}, IFA_F_NODAD});
  p.addresses.push_back({{gw, 32}, 0});
  p.routes.push_back(link_route(e.ipv4));
  p.neighbours.push_back({0, e.ipv4, eni_mac_, true});
  for (const auto& a : e.ipv4_secondaries) {
    p.routes.push_back(link_route(a));
    p.neighbours.push_back({0, a, eni_mac_, true});
  }
  for (const auto& a : e.ipv6) {
    p.routes.push_back(link_route(a));
    p.neighbours.push_back({0, a, eni_mac_, true});
  }
  for (const auto& pre : e.ipv6_prefixes) {
    Route r;
    r.dst = pre.address();
    r.dst_len = pre.length();
    if (!e.ipv6.empty()) {
      r.gateway = e.ipv6.front();
      r.onlink = true;
    } else {
      r.scope = RT_SCOPE_LINK;
    }
    p.routes.push_back(r);
  }
  return p;
}

LinkPlan instance_side(const Eni& e, const addr::Ipv4Prefix& subnet, const addr::Ipv4Address& gw,
                       const netlink::Mac& router_mac) {
  LinkPlan p;
  for (const auto& a : e.ipv6) p.addresses.push_back({{a, 128}, IFA_F_NODAD});
  p.addresses.push_back({{e.ipv4, subnet.length()}, 0});
  Route v6;
  v6.gateway = ll(1);
  p.routes.push_back(v6);
  Route v4;
  v4.gateway = gw;
  v4.onlink = true;
  p.routes.push_back(v4);
  p.neighbours.push_back({0, ll(1), router_mac, true});
  p.neighbours.push_back({0, gw, router_mac, true});
  return p;
}

}  // namespace

Result<> FabricImpl::realize_eni(VpcLive& live, const Eni& e, const Subnet& subnet, const EniLive* cached,
                                 std::optional<RoutesByLink>& router_routes, std::vector<NewPair>& pending) {
  const std::string name = netns_name(e.instance_id);
  std::optional<netlink::NetNs> ns;
  bool new_ns = false;
  if (cached == nullptr) {  // most likely a new instance: try the fast path first
    auto made = netlink::NetNs::create(name);
    if (made) {
      ns.emplace(std::move(*made));
      new_ns = true;
    } else if (made.error().code() != EEXIST) {
      return fail(std::move(made.error()));
    }
  }
  if (!ns) {
    auto opened = netlink::NetNs::open_named(name);
    if (!opened && opened.error().code() == ENOENT) {
      opened = netlink::NetNs::create(name);
      new_ns = opened.has_value();
    }
    if (!opened) return fail(std::move(opened.error()));
    ns.emplace(std::move(*opened));
  }
  auto undo = [&](Error err) {
    if (new_ns) {
      (void)delete_link_if_present(live.rtnl, eni_link(e.id));
      ns.reset();
      (void)netlink::NetNs::remove(name);
    }
    return fail(std::move(err).wrap("realising " + e.id + " in " + name));
  };
  // Before eth0 exists, so it inherits them: no DAD (a forwarding node must be able to
  // send ND from its link-local at once); forwarding stays off until a node agent wants it.
  if (auto r = write_sysctls(*ns, {{"net/ipv6/conf/all/accept_dad", "0"}, {"net/ipv6/conf/default/accept_dad", "0"}});
      !r)
    return undo(std::move(r.error()));
  auto opened_rtnl = netlink::Rtnl::open_in(*ns);
  if (!opened_rtnl) return undo(std::move(opened_rtnl.error()));
  auto inst = std::make_shared<netlink::Rtnl>(std::move(*opened_rtnl));

  const netlink::Mac rmac = eni_router_mac(e.id), imac = eni_mac(e);
  auto pair = ensure_pair(live.rtnl, *inst, *ns, {eni_link(e.id), rmac, kInstanceLink, imac, kEniMtu}, !new_ns);
  if (!pair) return undo(std::move(pair.error()));

  if (auto r = proxy_arp_without_delay(live.ns, eni_link(e.id)); !r) return undo(std::move(r.error()));

  const addr::Ipv4Address gw = subnet.ipv4.at(1).value_or(subnet.ipv4.address());
  LinkState inst_have, router_have;
  if (!pair->created) {
    auto s = read_link_state(*inst, pair->peer_index, nullptr);
    if (!s) return undo(std::move(s.error()));
    inst_have = std::move(*s);
    if (!router_routes) {
      auto dumped = dump_routes_by_link(live.rtnl);
      if (!dumped) return undo(std::move(dumped.error()));
      router_routes = std::move(*dumped);
    }
    auto r = read_link_state(live.rtnl, pair->index, &*router_routes);
    if (!r) return undo(std::move(r.error()));
    router_have = std::move(*r);
  }
  if (auto r = converge_link(*inst, pair->peer_index, instance_side(e, subnet.ipv4, gw, rmac), inst_have); !r)
    return undo(std::move(r.error()).wrap("configuring eth0"));
  if (auto r = converge_link(live.rtnl, pair->index, router_side(e, gw, imac), router_have); !r)
    return undo(std::move(r.error()).wrap("configuring router link " + eni_link(e.id)));
  // A new pair: wait for both links and the addresses; an existing one: for the addresses.
  if (pair->created)
    pending.push_back({&live.rtnl, pair->index, inst.get(), pair->peer_index, e.ipv6, inst});
  else
    pending.push_back({&live.rtnl, 0, inst.get(), 0, e.ipv6, inst});
  return {};
}

Result<> FabricImpl::remove_eni(VpcLive& live, const Eni& e) {
  // The link first: a process still inside the namespace would otherwise keep eth0 and the
  // router end alive after the namespace is unmounted.
  V6K_TRY(delete_link_if_present(live.rtnl, eni_link(e.id)), "removing " + e.id);
  V6K_TRY(remove_namespace(e.instance_id), "removing instance " + e.instance_id);
  return {};
}

Result<std::vector<std::string>> FabricImpl::instances_of_router(const std::string& vpc_id) {
  std::vector<std::string> out;
  auto router_ns = netlink::NetNs::open_named(netns_name(vpc_id));
  if (!router_ns) {
    if (router_ns.error().code() == ENOENT) return out;
    return fail(std::move(router_ns.error()));
  }
  auto router = netlink::Rtnl::open_in(*router_ns);
  if (!router) return fail(std::move(router.error()));
  auto links = router->list_links();
  if (!links) return fail(std::move(links.error()));
  // ENI links by their MAC, which each instance holds as its fe80::1 neighbour.
  std::map<std::string, int> eni_links;
  for (const auto& l : *links)
    if (l.kind == "veth" && l.name.rfind("eni", 0) == 0) eni_links[l.mac.to_string()] = l.index;
  if (eni_links.empty()) return out;
  auto names = list_namespaces();
  if (!names) return fail(std::move(names.error()));
  for (const auto& n : *names) {
    if (n == vpc_id || is_internet_name(n)) continue;
    auto ns = netlink::NetNs::open_named(netns_name(n));
    if (!ns) continue;
    auto r = netlink::Rtnl::open_in(*ns);
    if (!r) continue;
    auto eth0 = r->get_link(kInstanceLink);
    if (!eth0) continue;
    auto neigh = r->list_neighbours(eth0->index, AF_INET6);
    if (!neigh) continue;
    for (const auto& nb : *neigh) {
      auto it = eni_links.find(nb.mac.to_string());
      if (nb.ip == addr::IpAddress(ll(1)) && it != eni_links.end() && it->second == eth0->link_index) {
        out.push_back(n);
        break;
      }
    }
  }
  return out;
}

}  // namespace v6k::fabric::internal
