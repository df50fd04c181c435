// Per-subnet route tables in a VPC router, the way AWS associates a route table with each
// subnet: the main table holds only the ENI routes (/32, /128, delegated prefixes), and
//   pref 100   lookup main suppress_prefixlength 0   (a specific ENI route always wins)
//   pref 1000  from <subnet IPv4> lookup T(subnet)
//   pref 1000  from <subnet IPv6> lookup T(subnet)
// where table T holds the subnet's routes to the internet / egress-only gateway links.
// Traffic from outside (the gateways) matches no "from" rule: it only ever uses main.
#include <sys/socket.h>

#include <algorithm>
#include <set>

#include "fabric/fabric_impl.h"
#include "fabric/names.h"
#include "netlink/rule.h"

namespace v6k::fabric::internal {
namespace {

using netlink::FibRule;
using netlink::Route;

// Stable table ids: a hash of the subnet id, probed past collisions in id order.
std::map<std::string, uint32_t> subnet_tables(const std::vector<Subnet>& subnets) {
  std::vector<std::string> ids;
  for (const auto& s : subnets) ids.push_back(s.id);
  std::sort(ids.begin(), ids.end());
  std::map<std::string, uint32_t> out;
  std::set<uint32_t> used;
  for (const auto& id : ids) {
    uint32_t t = 0x10000 + fnv32(id) % 0x1000000;
    while (used.count(t)) ++t;
    used.insert(t);
    out[id] = t;
  }
  return out;
}

std::vector<FibRule> wanted_rules(const Vpc& vpc, const std::map<std::string, uint32_t>& tables, int family) {
  std::vector<FibRule> out;
  FibRule main;
  main.family = family;
  main.priority = kMainRulePriority;
  main.table = RT_TABLE_MAIN;
  main.suppress_prefixlen = 0;
  out.push_back(main);
  for (const auto& s : vpc.subnets) {
    FibRule r;
    r.family = family;
    r.priority = kSubnetRulePriority;
    r.table = tables.at(s.id);
    if (family == AF_INET) {
      r.src = s.ipv4.address();
      r.src_len = s.ipv4.length();
    } else if (s.ipv6) {
      r.src = s.ipv6->address();
      r.src_len = s.ipv6->length();
    } else {
      continue;
    }
    out.push_back(r);
  }
  return out;
}

std::vector<Route> wanted_table(const VpcLive& live, const Vpc& vpc, const Subnet& s, uint32_t table) {
  std::vector<Route> out;
  for (const auto& rt : s.routes) {
    Route r;
    r.table = table;
    r.protocol = kRouteProto;
    bool v6 = std::holds_alternative<addr::Ipv6Prefix>(rt.destination);
    if (v6) {
      const auto& p = std::get<addr::Ipv6Prefix>(rt.destination);
      r.dst = p.address();
      r.dst_len = p.length();
    } else {
      const auto& p = std::get<addr::Ipv4Prefix>(rt.destination);
      r.dst = p.address();
      r.dst_len = p.length();
    }
    if (rt.target == Target::kInternetGateway) {
      if (!vpc.internet_gateway || live.igw.router_index == 0) continue;  // blackhole in AWS
      r.ifindex = live.igw.router_index;
      if (v6) {
        r.gateway = ll(1);
      } else {
        r.gateway = gw_inet_v4();
        r.onlink = true;
      }
    } else {
      // An egress-only gateway carries IPv6 only.
      if (!v6 || !vpc.egress_only_gateway || live.eigw.router_index == 0) continue;
      r.ifindex = live.eigw.router_index;
      r.gateway = ll(1);
    }
    out.push_back(r);
  }
  return out;
}

bool same(const Route& a, const Route& b) {
  auto dst = [](const Route& r) { return r.dst_len == 0 ? std::optional<addr::IpAddress>() : r.dst; };
  return a.family() == b.family() && a.dst_len == b.dst_len && dst(a) == dst(b) && a.gateway == b.gateway &&
         a.ifindex == b.ifindex;
}

bool ours(const FibRule& r) {
  return r.priority == kMainRulePriority || r.priority == kSubnetRulePriority;
}

Result<std::vector<Route>> table_routes(netlink::Rtnl& rtnl, uint32_t table) {
  std::vector<Route> out;
  for (int family : {AF_INET, AF_INET6}) {
    auto l = rtnl.list_routes(family, table);
    if (!l && l.error().code() == ENOENT) continue;  // the kernel makes a table on first use
    if (!l) return fail(std::move(l.error()));
    out.insert(out.end(), l->begin(), l->end());
  }
  return out;
}

}  // namespace

Result<> FabricImpl::converge_routing(VpcLive& live, const Vpc& vpc) {
  auto tables = subnet_tables(vpc.subnets);
  std::set<uint32_t> wanted_tables;
  for (const auto& [id, t] : tables) wanted_tables.insert(t);
  std::set<uint32_t> stale_tables;

  for (int family : {AF_INET, AF_INET6}) {
    auto have = live.rtnl.list_rules(family);
    if (!have) return fail(std::move(have.error()));
    auto want = wanted_rules(vpc, tables, family);
    live.rtnl.begin_batch();
    for (const auto& r : *have) {
      if (!ours(r) || std::find(want.begin(), want.end(), r) != want.end()) continue;
      (void)live.rtnl.delete_rule(r);
      if (r.table != RT_TABLE_MAIN && !wanted_tables.count(r.table)) stale_tables.insert(r.table);
    }
    for (const auto& r : want)
      if (std::find(have->begin(), have->end(), r) == have->end()) (void)live.rtnl.add_rule(r);
    V6K_TRY(live.rtnl.commit_batch(), "converging routing rules");
  }

  for (uint32_t t : stale_tables) {
    auto routes = table_routes(live.rtnl, t);
    if (!routes) return fail(std::move(routes.error()));
    live.rtnl.begin_batch();
    for (auto r : *routes) (void)live.rtnl.delete_route(r);
    V6K_TRY(live.rtnl.commit_batch(), "emptying route table " + std::to_string(t));
  }

  for (const auto& s : vpc.subnets) {
    uint32_t t = tables.at(s.id);
    auto have = table_routes(live.rtnl, t);
    if (!have) return fail(std::move(have.error()));
    auto want = wanted_table(live, vpc, s, t);
    live.rtnl.begin_batch();
    for (const auto& r : *have) {
      bool keep = false;
      for (const auto& w : want) keep = keep || same(w, r);
      if (!keep) (void)live.rtnl.delete_route(r);
    }
    for (const auto& w : want) {
      bool present = false;
      for (const auto& r : *have) present = present || same(w, r);
      if (!present) (void)live.rtnl.add_route(w, true);
    }
    V6K_TRY(live.rtnl.commit_batch(), "converging the route table of " + s.id);
  }
  return {};
}

}  // namespace v6k::fabric::internal
