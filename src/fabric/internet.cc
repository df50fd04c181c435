// The internet namespace, its three hosts, and the gateway links joining VPC routers to it.
//
// Every host hangs off inet by its own veth ("h-<host>" in inet, "eth0" in the host). The
// inet side of each carries 203.0.113.1/32 plus a /32 route to the host, with proxy ARP on,
// so hosts keep their /24 and still reach each other through inet. svc46's link adds
// fe80::1 and 2001:db8:ffff::1/64. All neighbours are permanent (fixed MACs), so nothing
// waits for ARP/ND.
#include <linux/if_addr.h>
#include <sys/socket.h>

#include "fabric/fabric_impl.h"
#include "fabric/names.h"

namespace v6k::fabric::internal {
namespace {

using netlink::Neighbour;
using netlink::Route;

addr::IpAddress ip(const std::string& text) { return addr::parse_ip(text).value(); }

Route default_via(const addr::IpAddress& gw, bool onlink) {
  Route r;
  r.dst_len = 0;
  r.gateway = gw;
  r.onlink = onlink;
  return r;
}

Route host_route(const addr::IpAddress& dst) {
  Route r;
  r.dst = dst;
  r.dst_len = addr::is_v6(dst) ? 128 : 32;
  r.scope = RT_SCOPE_LINK;
  return r;
}

Result<netlink::NetNs> open_or_create(const std::string& name, bool* created) {
  *created = false;
  auto ns = netlink::NetNs::open_named(name);
  if (ns || ns.error().code() != ENOENT) return ns;
  auto made = netlink::NetNs::create(name);
  if (made) *created = true;
  return made;
}

Result<LinkState> state_unless_created(netlink::Rtnl& rtnl, int index, bool created) {
  if (created) return LinkState{};
  return read_link_state(rtnl, index, nullptr);
}

}  // namespace

Result<> FabricImpl::ensure_internet() {
  std::lock_guard lock(mu_);
  return ensure_internet_locked();
}

Result<> FabricImpl::ensure_internet_locked() {
  bool created = false;
  auto ns = open_or_create(netns_name("inet"), &created);
  if (!ns) return fail(std::move(ns.error()).wrap("creating the internet namespace"));
  V6K_TRY(write_sysctls(*ns, {{"net/ipv4/ip_forward", "1"},
                              {"net/ipv6/conf/all/forwarding", "1"},
                              {"net/ipv6/conf/all/accept_dad", "0"},
                              {"net/ipv6/conf/default/accept_dad", "0"},
                              {"net/ipv6/conf/default/addr_gen_mode", "1"},
                              {"net/ipv4/conf/default/proxy_arp", "1"}}),
          "configuring the internet router");
  auto rtnl = netlink::Rtnl::open_in(*ns);
  if (!rtnl) return fail(std::move(rtnl.error()).wrap("opening netlink in the internet namespace"));
  inet_ns_.emplace(std::move(*ns));
  inet_.emplace(std::move(*rtnl));
  using H = InternetHosts;
  std::vector<NewPair> pending;
  V6K_TRY(ensure_host("laptop", H::kLaptopIpv4, "", pending), "creating internet host laptop");
  V6K_TRY(ensure_host("svc4", H::kService4Ipv4, "", pending), "creating internet host svc4");
  V6K_TRY(ensure_host("svc46", H::kService46Ipv4, H::kService46Ipv6, pending), "creating internet host svc46");
  wait_until_ready(pending);
  return {};
}

Result<> FabricImpl::ensure_host(const std::string& host, const std::string& ipv4, const std::string& ipv6,
                                 std::vector<NewPair>& pending) {
  bool created = false;
  auto ns = open_or_create(netns_name(host), &created);
  if (!ns) return fail(std::move(ns.error()));
  if (ipv6.empty()) {
    V6K_TRY(write_sysctls(*ns, {{"net/ipv6/conf/all/disable_ipv6", "1"}, {"net/ipv6/conf/default/disable_ipv6", "1"}}),
            "making " + host + " IPv4-only");
  } else {
    V6K_TRY(write_sysctls(*ns, {{"net/ipv6/conf/all/accept_dad", "0"}, {"net/ipv6/conf/default/accept_dad", "0"}}),
            "configuring " + host);
  }
  auto opened = netlink::Rtnl::open_in(*ns);
  if (!opened) return fail(std::move(opened.error()));
  auto hr = std::make_shared<netlink::Rtnl>(std::move(*opened));

  const addr::IpAddress v4 = ip(ipv4);
  const addr::IpAddress gw4 = ip("203.0.113.1");
  netlink::Mac host_mac = derived_mac("host/" + host), inet_mac = derived_mac("inet/" + host);
  host_mac.bytes[0] = 0x02;
  auto pair = ensure_pair(*inet_, *hr, *ns, {"h-" + host, inet_mac, kInstanceLink, host_mac, 0}, !created);
  if (!pair) return fail(std::move(pair.error()));

  V6K_TRY(proxy_arp_without_delay(*inet_ns_, "h-" + host), "");

  LinkPlan inet_side, host_side;
  inet_side.addresses.push_back({{gw4, 32}, 0});
  inet_side.routes.push_back(host_route(v4));
  inet_side.neighbours.push_back({0, v4, host_mac, true});
  host_side.addresses.push_back({{v4, 24}, 0});
  host_side.routes.push_back(default_via(gw4, true));
  host_side.neighbours.push_back({0, gw4, inet_mac, true});
  if (!ipv6.empty()) {
    const addr::IpAddress v6 = ip(ipv6);
    inet_side.addresses.push_back({{ll(1), 64}, IFA_F_NODAD});
    inet_side.addresses.push_back({{ip("2001:db8:ffff::1"), 64}, IFA_F_NODAD});
    inet_side.neighbours.push_back({0, v6, host_mac, true});
    host_side.addresses.push_back({{v6, 64}, IFA_F_NODAD});
    host_side.routes.push_back(default_via(ll(1), false));
    host_side.neighbours.push_back({0, ll(1), inet_mac, true});
  }
  auto is = state_unless_created(*inet_, pair->index, pair->created);
  if (!is) return fail(std::move(is.error()));
  V6K_TRY(converge_link(*inet_, pair->index, inet_side, *is), "configuring inet link h-" + host);
  auto hs = state_unless_created(*hr, pair->peer_index, pair->created);
  if (!hs) return fail(std::move(hs.error()));
  V6K_TRY(converge_link(*hr, pair->peer_index, host_side, *hs), "configuring " + host + " eth0");
  if (pair->created) {
    std::vector<addr::Ipv6Address> v6;
    if (!ipv6.empty()) v6.push_back(addr::Ipv6Address::parse(ipv6).value());
    pending.push_back({&*inet_, pair->index, hr.get(), pair->peer_index, v6, hr});
  }
  return {};
}

// ---- gateway links ------------------------------------------------------------------
//
// Router side "igw"/"eigw": fe80::2/64 (+ 100.64.0.2/32 on igw); inet side "v…"/"e…":
// fe80::1/64 (+ 100.64.0.1/32). The same addresses on every VPC's link are fine: inet routes
// by link. The inet side routes the VPC's /56 (to igw when attached, else to eigw) and each
// public IPv4 (igw only) back to the router.

LinkPlan FabricImpl::gateway_inet_plan(const Vpc& vpc, bool igw) const {
  const std::string seed = vpc.id + (igw ? "/igw" : "/eigw");
  const netlink::Mac router_mac = derived_mac(seed + "/router");
  LinkPlan p;
  p.addresses.push_back({{ll(1), 64}, IFA_F_NODAD});
  p.neighbours.push_back({0, ll(2), router_mac, true});
  if (igw) {
    p.addresses.push_back({{gw_inet_v4(), 32}, 0});
    p.neighbours.push_back({0, gw_router_v4(), router_mac, true});
  }
  bool carries_v6 = igw ? vpc.internet_gateway : (!vpc.internet_gateway && vpc.egress_only_gateway);
  if (vpc.ipv6 && carries_v6) {
    Route r;
    r.dst = vpc.ipv6->address();
    r.dst_len = vpc.ipv6->length();
    r.gateway = ll(2);
    p.routes.push_back(r);
  }
  if (igw) {
    for (const auto& e : vpc.enis) {
      if (!e.public_ipv4) continue;
      Route r;
      r.dst = *e.public_ipv4;
      r.dst_len = 32;
      r.gateway = gw_router_v4();
      r.onlink = true;
      p.routes.push_back(r);
    }
  }
  return p;
}

Result<> FabricImpl::converge_gateway(VpcLive& live, const Vpc& vpc, bool igw, bool known) {
  GatewayLive& g = igw ? live.igw : live.eigw;
  const bool want = igw ? vpc.internet_gateway : vpc.egress_only_gateway;
  const std::string rname = igw ? kIgwLink : kEigwLink;
  const std::string iname = igw ? igw_inet_link(vpc.id) : eigw_inet_link(vpc.id);
  if (!want) {
    if (!known || g.router_index != 0) {
      // Deleting one end deletes the pair; the other call finds nothing.
      V6K_TRY(delete_link_if_present(*inet_, iname), "removing gateway link " + iname);
      V6K_TRY(delete_link_if_present(live.rtnl, rname), "removing gateway link " + rname);
    }
    g = GatewayLive{};
    return {};
  }
  LinkPlan inet_plan = gateway_inet_plan(vpc, igw);
  if (known && g.router_index != 0) {
    V6K_TRY(converge_link(*inet_, g.inet_index, inet_plan, state_of(g.inet_plan)), "updating inet routes of " + iname);
    g.inet_plan = std::move(inet_plan);
    return {};
  }
  const std::string seed = vpc.id + (igw ? "/igw" : "/eigw");
  const netlink::Mac rmac = derived_mac(seed + "/router"), imac = derived_mac(seed + "/inet");
  auto pair = ensure_pair(live.rtnl, *inet_, *inet_ns_, {rname, rmac, iname, imac, 0}, true);
  if (!pair) return fail(std::move(pair.error()).wrap("creating gateway link " + rname));
  LinkPlan router_plan;
  router_plan.addresses.push_back({{ll(2), 64}, IFA_F_NODAD});
  router_plan.neighbours.push_back({0, ll(1), imac, true});
  if (igw) {
    router_plan.addresses.push_back({{gw_router_v4(), 32}, 0});
    router_plan.neighbours.push_back({0, gw_inet_v4(), imac, true});
  }
  auto rs = state_unless_created(live.rtnl, pair->index, pair->created);
  if (!rs) return fail(std::move(rs.error()));
  V6K_TRY(converge_link(live.rtnl, pair->index, router_plan, *rs), "configuring router link " + rname);
  auto is = state_unless_created(*inet_, pair->peer_index, pair->created);
  if (!is) return fail(std::move(is.error()));
  V6K_TRY(converge_link(*inet_, pair->peer_index, inet_plan, *is), "configuring inet link " + iname);
  if (pair->created) {
    std::vector<NewPair> pending{{&live.rtnl, pair->index, &*inet_, pair->peer_index, {}, nullptr}};
    wait_until_ready(pending);
  }
  g = GatewayLive{pair->index, pair->peer_index, std::move(inet_plan)};
  return {};
}

}  // namespace v6k::fabric::internal
