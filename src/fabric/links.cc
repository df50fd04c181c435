#include "fabric/links.h"

#include <linux/if_addr.h>
#include <sys/socket.h>

#include <chrono>
#include <thread>

#include "fabric/names.h"
#include "netlink/sysctl.h"

namespace v6k::fabric::internal {
namespace {

using netlink::Neighbour;
using netlink::Route;

// Routes are the same when they lead the same destination to the same next hop.
bool same_route(const Route& a, const Route& b) {
  auto dst = [](const Route& r) { return r.dst_len == 0 ? std::optional<addr::IpAddress>() : r.dst; };
  return a.family() == b.family() && a.dst_len == b.dst_len && dst(a) == dst(b) && a.gateway == b.gateway &&
         a.table == b.table;
}

bool is_v6_link_local(const addr::IpAddress& a) {
  const auto* v6 = std::get_if<addr::Ipv6Address>(&a);
  return v6 && v6->is_link_local();
}

}  // namespace

Result<RoutesByLink> dump_routes_by_link(netlink::Rtnl& rtnl) {
  RoutesByLink out;
  for (int family : {AF_INET, AF_INET6}) {
    auto routes = rtnl.list_routes(family);
    if (!routes) return fail(std::move(routes.error()));
    for (auto& r : *routes)
      if (r.protocol == kRouteProto) out[r.ifindex].push_back(std::move(r));
  }
  return out;
}

Result<LinkState> read_link_state(netlink::Rtnl& rtnl, int ifindex, const RoutesByLink* routes) {
  LinkState s;
  auto link = rtnl.get_link(ifindex);
  if (!link) return fail(std::move(link.error()));
  s.up = link->up;
  auto addrs = rtnl.list_addresses(ifindex);
  if (!addrs) return fail(std::move(addrs.error()));
  s.addresses = std::move(*addrs);
  RoutesByLink own;
  if (routes == nullptr) {
    auto dumped = dump_routes_by_link(rtnl);
    if (!dumped) return fail(std::move(dumped.error()));
    own = std::move(*dumped);
    routes = &own;
  }
  if (auto it = routes->find(ifindex); it != routes->end()) s.routes = it->second;
  for (int family : {AF_INET, AF_INET6}) {
    auto n = rtnl.list_neighbours(ifindex, family);
    if (!n) return fail(std::move(n.error()));
    s.neighbours.insert(s.neighbours.end(), n->begin(), n->end());
  }
  return s;
}

LinkState state_of(const LinkPlan& plan) {
  LinkState s;
  s.up = true;
  for (const auto& a : plan.addresses) s.addresses.push_back({0, a.address, a.flags, 0});
  s.routes = plan.routes;
  s.neighbours = plan.neighbours;
  return s;
}

Result<> converge_link(netlink::Rtnl& rtnl, int ifindex, const LinkPlan& plan, const LinkState& have) {
  rtnl.begin_batch();
  if (!have.up) (void)rtnl.set_link_up(ifindex);
  for (const auto& a : have.addresses) {
    bool wanted = false;
    for (const auto& w : plan.addresses) wanted = wanted || w.address == a.address;
    if (!wanted && !is_v6_link_local(a.address.address)) (void)rtnl.delete_address(ifindex, a.address);
  }
  for (const auto& w : plan.addresses) {
    bool present = false;
    for (const auto& a : have.addresses) present = present || a.address == w.address;
    if (!present) (void)rtnl.add_address(ifindex, w.address, w.flags);
  }
  for (const auto& n : have.neighbours) {
    bool wanted = false;
    for (const auto& w : plan.neighbours) wanted = wanted || w.ip == n.ip;
    if (!wanted && n.permanent) (void)rtnl.delete_neighbour(Neighbour{ifindex, n.ip, n.mac, true});
  }
  for (const auto& w : plan.neighbours) {
    bool present = false;
    for (const auto& n : have.neighbours) present = present || (n.ip == w.ip && n.mac == w.mac && n.permanent);
    if (!present) (void)rtnl.add_neighbour(Neighbour{ifindex, w.ip, w.mac, true});
  }
  for (const auto& r : have.routes) {
    bool wanted = false;
    for (const auto& w : plan.routes) wanted = wanted || same_route(w, r);
    if (!wanted) {
      Route d = r;
      d.ifindex = ifindex;
      (void)rtnl.delete_route(d);
    }
  }
  for (const auto& w : plan.routes) {
    bool present = false;
    for (const auto& r : have.routes) present = present || same_route(w, r);
    if (present) continue;
    Route r = w;
    r.ifindex = ifindex;
    r.protocol = kRouteProto;
    (void)rtnl.add_route(r, true);
  }
  return rtnl.commit_batch();
}

Result<Pair> ensure_pair(netlink::Rtnl& near, netlink::Rtnl& far, const netlink::NetNs& far_ns,
                         const PairSpec& s, bool may_exist) {
  if (may_exist) {
    auto a = near.get_link(s.name);
    auto b = far.get_link(s.peer_name);
    if (!a && a.error().code() != ENODEV) return fail(std::move(a.error()));
    if (!b && b.error().code() != ENODEV) return fail(std::move(b.error()));
    if (a && b && a->kind == "veth" && a->link_index == b->index && b->link_index == a->index) {
      // The pair is there: fix its MACs in place (veth allows it while up).
      if (a->mac != s.mac) V6K_TRY(near.set_mac(a->index, s.mac), "correcting the MAC of " + s.name);
      if (b->mac != s.peer_mac) V6K_TRY(far.set_mac(b->index, s.peer_mac), "correcting the MAC of " + s.peer_name);
      return Pair{a->index, b->index, false};
    }
    if (a) V6K_TRY(delete_link_if_present(near, s.name), "replacing a broken link");
    if (b) V6K_TRY(delete_link_if_present(far, s.peer_name), "replacing a broken link");
  }
  netlink::VethSpec spec;
  spec.name = s.name;
  spec.peer_name = s.peer_name;
  spec.peer_netns_fd = far_ns.fd();
  spec.mtu = s.mtu;
  spec.mac = s.mac;
  spec.peer_mac = s.peer_mac;
  auto created = near.create_veth(spec);
  if (!created && created.error().code() == EEXIST && !may_exist) return ensure_pair(near, far, far_ns, s, true);
  if (!created) return fail(std::move(created.error()));
  Pair p{created->index, created->peer_index, true};
  if (p.index == 0) {
    auto a = near.get_link(s.name);
    if (!a) return fail(std::move(a.error()));
    p.index = a->index;
  }
  if (p.peer_index == 0) {
    auto b = far.get_link(s.peer_name);
    if (!b) return fail(std::move(b.error()));
    p.peer_index = b->index;
  }
  return p;
}

Result<> write_sysctls(const netlink::NetNs& ns, std::initializer_list<std::pair<const char*, const char*>> kv) {
  auto scope = netlink::NetNsScope::enter(ns);
  if (!scope) return fail(std::move(scope.error()));
  for (const auto& [k, v] : kv) V6K_TRY(netlink::write_sysctl(k, v), std::string("in ") + ns.path());
  return {};
}

void wait_until_ready(std::vector<NewPair>& pairs) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(1);
  auto running = [](netlink::Rtnl& rtnl, int i) {
    auto l = rtnl.get_link(i);
    return !l || l->oper_up;  // a vanished link is not worth waiting for
  };
  auto ready = [&](NewPair& p) {
    if (p.index != 0) {
      if (!running(*p.near, p.index)) return false;
      p.index = 0;
    }
    if (p.peer_index != 0) {
      if (!running(*p.far, p.peer_index)) return false;
      p.peer_index = 0;
    }
    while (!p.far_v6.empty()) {
      auto t = p.far->route_type(p.far_v6.back());
      if (t && *t != RTN_LOCAL) return false;
      p.far_v6.pop_back();
    }
    return true;
  };
  for (;;) {
    bool all = true;
    for (auto& p : pairs) all = ready(p) && all;
    if (all || std::chrono::steady_clock::now() >= deadline) break;
    std::this_thread::sleep_for(std::chrono::microseconds(50));
  }
  pairs.clear();
}

Result<> proxy_arp_without_delay(const netlink::NetNs& ns, const std::string& link) {
  auto scope = netlink::NetNsScope::enter(ns);
  if (!scope) return fail(std::move(scope.error()));
  return netlink::write_sysctl("net/ipv4/neigh/" + link + "/proxy_delay", "0");
}

Result<> delete_link_if_present(netlink::Rtnl& rtnl, const std::string& name) {
  auto r = rtnl.delete_link(name);
  if (!r && r.error().code() != ENODEV) return fail(std::move(r.error()));
  return {};
}

}  // namespace v6k::fabric::internal
