#include "cni/pod_network.h"

#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include "cni/names.h"

namespace v6k::cni {

using addr::IpAddress;
using addr::IpInterface;
using netlink::Neighbour;
using netlink::Route;

addr::Ipv6Address pod_gateway_v6() {
  std::array<uint8_t, 16> b{};
  b[0] = 0xfe;
  b[1] = 0x80;
  b[15] = 1;
  return addr::Ipv6Address(b);
}

namespace {

Route host_route(const IpAddress& dst, int ifindex) {
  Route r;
  r.dst = dst;
  r.dst_len = addr::is_v6(dst) ? 128 : 32;
  r.ifindex = ifindex;
  r.scope = RT_SCOPE_LINK;
  return r;
}

Route pod_v6_gateway_route(int ifindex) { return host_route(pod_gateway_v6(), ifindex); }

Route pod_v6_default(int ifindex) {
  Route r;
  r.dst = addr::Ipv6Address();
  r.dst_len = 0;
  r.gateway = pod_gateway_v6();
  r.ifindex = ifindex;
  return r;
}

Route pod_v4_default(int ifindex, const addr::Ipv4Address& gw) {
  Route r;
  r.dst = addr::Ipv4Address();
  r.dst_len = 0;
  r.gateway = gw;
  r.ifindex = ifindex;
  r.onlink = true;
  return r;
}

// The pod end: addresses, link up, gateway routes and permanent neighbours, sent as one
// netlink batch (one sendmsg, ACKs read together).
Result<> configure_pod_side(netlink::Rtnl& pod, int idx, const PodAttachment& a, const netlink::Mac& host_mac) {
  pod.begin_batch();
  if (a.v6) (void)pod.add_address(idx, IpInterface{*a.v6, 128}, IFA_F_NODAD);
  if (a.v4) (void)pod.add_address(idx, IpInterface{*a.v4, 32});
  (void)pod.set_link_up(idx);
  if (a.v6) {
    (void)pod.add_route(pod_v6_gateway_route(idx), true);
    (void)pod.add_neighbour(Neighbour{idx, pod_gateway_v6(), host_mac, true});
    (void)pod.add_route(pod_v6_default(idx), true);
  }
  if (a.v4) {
    (void)pod.add_neighbour(Neighbour{idx, a.v4_gateway, host_mac, true});
    (void)pod.add_route(pod_v4_default(idx, a.v4_gateway), true);
  }
  V6K_TRY(pod.commit_batch(), "configuring the pod side");
  return {};
}

Result<> configure_host_side(netlink::Rtnl& node, int idx, const PodAttachment& a, const netlink::Mac& pmac) {
  node.begin_batch();
  (void)node.set_link_up(idx);
  if (a.v6) {
    (void)node.add_neighbour(Neighbour{idx, *a.v6, pmac, true});
    (void)node.add_route(host_route(*a.v6, idx), true);
  }
  if (a.v4) {
    (void)node.add_neighbour(Neighbour{idx, *a.v4, pmac, true});
    (void)node.add_route(host_route(*a.v4, idx), true);
  }
  V6K_TRY(node.commit_batch(), "configuring the node side");
  return {};
}

}  // namespace

Result<PodVeth> create_pod_veth(netlink::Rtnl& node, const netlink::NetNs& pod_ns, const PodAttachment& a) {
  AttachedPod names;
  names.host_veth = host_veth_name(a.veth_prefix, a.container_id, a.ifname);
  names.host_mac = host_veth_mac(a.container_id, a.ifname);
  names.pod_mac = pod_mac(a.container_id, a.ifname);

  netlink::VethSpec spec;
  spec.name = names.host_veth;
  spec.peer_name = a.ifname;
  spec.peer_netns_fd = pod_ns.fd();
  spec.mtu = a.mtu;
  spec.mac = names.host_mac;
  spec.peer_mac = names.pod_mac;
  auto created = node.create_veth(spec);
  if (!created && created.error().code() == EEXIST) {
    // A repeated ADD (or a leftover of a crashed or DEL'ed one): rebuild from scratch.
    V6K_TRY(delete_host_veth(node, names.host_veth), "replacing a leftover veth");
    created = node.create_veth(spec);
  }
  if (!created) return fail(std::move(created.error()).wrap("creating veth " + names.host_veth));

  auto undo = [&](Error e) {
    (void)node.delete_link(names.host_veth);
    return fail(std::move(e));
  };
  int host_index = created->index, pod_index = created->peer_index;
  if (host_index == 0) {  // the kernel did not echo the new link (Linux < 6.1)
    auto host = node.get_link(names.host_veth);
    if (!host) return undo(std::move(host.error()).wrap("finding host veth " + names.host_veth));
    host_index = host->index;
  }
  auto pod = netlink::Rtnl::open_in(pod_ns);
  if (!pod) return undo(std::move(pod.error()).wrap("opening netlink in the pod namespace"));
  if (pod_index == 0) {
    auto peer = pod->get_link(a.ifname);
    if (!peer) return undo(std::move(peer.error()).wrap("finding " + a.ifname + " in the pod"));
    pod_index = peer->index;
  }
  return PodVeth{names, host_index, pod_index, std::move(*pod)};
}

Result<> configure_pod_veth(netlink::Rtnl& node, PodVeth& v, const PodAttachment& a) {
  auto r = configure_pod_side(v.pod, v.pod_index, a, v.names.host_mac);
  if (r) r = configure_host_side(node, v.host_index, a, v.names.pod_mac);
  if (!r) {
    (void)node.delete_link(v.host_index);
    return fail(std::move(r.error()));
  }
  return {};
}

Result<> detach_pod(netlink::Rtnl& node, const std::string& host_veth) {
  auto link = node.get_link(host_veth);
  if (!link) {
    if (link.error().code() == ENODEV) return {};
    return fail(std::move(link.error()).wrap("finding veth " + host_veth));
  }
  auto r = node.set_link_up(link->index, false);
  if (!r && r.error().code() != ENODEV) return fail(std::move(r.error()).wrap("detaching veth " + host_veth));
  return {};
}

Result<> delete_host_veth(netlink::Rtnl& node, const std::string& host_veth) {
  auto r = node.delete_link(host_veth);
  if (!r && r.error().code() != ENODEV) return fail(std::move(r.error()).wrap("deleting veth " + host_veth));
  return {};
}

Result<int> sweep_detached_veths(netlink::Rtnl& node, const std::string& prefix) {
  auto links = node.list_links();
  if (!links) return fail(std::move(links.error()).wrap("listing node links"));
  int deleted = 0;
  for (const auto& l : *links) {
    if (l.up || l.kind != "veth" || l.name.size() != 15 || l.name.rfind(prefix, 0) != 0) continue;
    if (l.name.find_first_not_of("0123456789abcdef", prefix.size()) != std::string::npos) continue;
    auto r = node.delete_link(l.index);
    if (!r && r.error().code() != ENODEV) return fail(std::move(r.error()).wrap("deleting detached veth " + l.name));
    ++deleted;
  }
  return deleted;
}

namespace {

bool has_route(const std::vector<Route>& routes, const Route& want) {
  for (const auto& r : routes) {
    if (r.ifindex != want.ifindex || r.dst_len != want.dst_len) continue;
    if (want.dst_len > 0 && r.dst != want.dst) continue;
    if (want.gateway && r.gateway != want.gateway) continue;
    return true;
  }
  return false;
}

bool has_neighbour(const std::vector<Neighbour>& ns, const IpAddress& ip, const netlink::Mac& mac) {
  for (const auto& n : ns)
    if (n.ip == ip && n.mac == mac && n.permanent) return true;
  return false;
}

bool has_address(const std::vector<netlink::AddressInfo>& as, const IpInterface& want) {
  for (const auto& a : as)
    if (a.address == want) return true;
  return false;
}

void check_pod_side(netlink::Rtnl& pod, const PodAttachment& a, const netlink::Mac& host_mac,
                    std::vector<std::string>& problems) {
  auto link = pod.get_link(a.ifname);
  if (!link) {
    problems.push_back("interface " + a.ifname + " is missing in the pod: " + link.error().message());
    return;
  }
  int idx = link->index;
  if (!link->up) problems.push_back("pod interface " + a.ifname + " is down");
  if (link->mtu != a.mtu)
    problems.push_back("pod interface MTU is " + std::to_string(link->mtu) + ", expected " + std::to_string(a.mtu));
  auto addrs = pod.list_addresses(idx);
  if (!addrs) {
    problems.push_back("cannot list pod addresses: " + addrs.error().message());
  } else {
    if (a.v6 && !has_address(*addrs, IpInterface{*a.v6, 128}))
      problems.push_back("pod address " + a.v6->to_string() + "/128 is missing");
    if (a.v4 && !has_address(*addrs, IpInterface{*a.v4, 32}))
      problems.push_back(std::string(a.v6 ? "pod IPv4 egress address " : "pod address ") + a.v4->to_string() +
                         "/32 is missing");
  }
  if (a.v6) {
    auto r6 = pod.list_routes(AF_INET6);
    if (!r6) {
      problems.push_back("cannot list pod IPv6 routes: " + r6.error().message());
    } else {
      if (!has_route(*r6, pod_v6_gateway_route(idx)))
        problems.push_back("pod route fe80::1 dev " + a.ifname + " is missing");
      if (!has_route(*r6, pod_v6_default(idx))) problems.push_back("pod IPv6 default route via fe80::1 is missing");
    }
    auto n6 = pod.list_neighbours(idx, AF_INET6);
    if (n6 && !has_neighbour(*n6, pod_gateway_v6(), host_mac))
      problems.push_back("pod neighbour fe80::1 -> " + host_mac.to_string() + " is missing");
  }
  if (a.v4) {
    auto r4 = pod.list_routes(AF_INET);
    if (r4 && !has_route(*r4, pod_v4_default(idx, a.v4_gateway)))
      problems.push_back("pod IPv4 default route via " + a.v4_gateway.to_string() + " is missing");
    auto n4 = pod.list_neighbours(idx, AF_INET);
    if (n4 && !has_neighbour(*n4, a.v4_gateway, host_mac))
      problems.push_back("pod neighbour " + a.v4_gateway.to_string() + " is missing");
  }
}

}  // namespace

Result<std::vector<std::string>> check_pod(netlink::Rtnl& node, const netlink::NetNs& pod_ns,
                                           const PodAttachment& a) {
  std::vector<std::string> problems;
  std::string veth = host_veth_name(a.veth_prefix, a.container_id, a.ifname);
  netlink::Mac hmac = host_veth_mac(a.container_id, a.ifname);
  netlink::Mac pmac = pod_mac(a.container_id, a.ifname);
  auto host = node.get_link(veth);
  if (!host) {
    problems.push_back("host veth " + veth + " is missing");
  } else {
    if (!host->up) problems.push_back("host veth " + veth + " is down");
    if (a.v6) {
      auto r6 = node.list_routes(AF_INET6);
      if (r6 && !has_route(*r6, host_route(*a.v6, host->index)))
        problems.push_back("node route " + a.v6->to_string() + "/128 dev " + veth + " is missing");
      auto n6 = node.list_neighbours(host->index, AF_INET6);
      if (n6 && !has_neighbour(*n6, *a.v6, pmac))
        problems.push_back("node neighbour " + a.v6->to_string() + " -> " + pmac.to_string() + " is missing");
    }
    if (a.v4) {
      auto r4 = node.list_routes(AF_INET);
      if (r4 && !has_route(*r4, host_route(*a.v4, host->index)))
        problems.push_back("node route " + a.v4->to_string() + "/32 dev " + veth + " is missing");
    }
  }
  auto pod = netlink::Rtnl::open_in(pod_ns);
  if (!pod) return fail(std::move(pod.error()).wrap("opening netlink in the pod namespace"));
  check_pod_side(*pod, a, hmac, problems);
  return problems;
}

}  // namespace v6k::cni
