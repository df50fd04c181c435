#include "region/realizer.h"

#include <algorithm>
#include <map>
#include <set>

#include "ec2/model_json.h"
#include "ec2/resources.h"

namespace v6k::region {
namespace {

template <typename T>
Result<std::vector<T>> load(store::Store& s, std::string_view prefix, const char* what) {
  auto l = s.list(prefix);
  if (!l) return fail(std::move(l.error()).wrap(std::string("listing ") + what));
  std::vector<T> out;
  out.reserve(l->items.size());
  for (const auto& kv : l->items) {
    auto v = ec2::decode_stored<T>(kv.value, what);
    if (!v) return fail(std::move(v.error()));
    out.push_back(std::move(*v));
  }
  return out;
}

Result<std::vector<ec2::Subnet>> load_subnets(store::Store& s) {
  auto l = s.list(ec2::kSubnetPrefix);
  if (!l) return fail(std::move(l.error()).wrap("listing subnets"));
  std::vector<ec2::Subnet> out;
  for (const auto& kv : l->items) {
    auto v = ec2::subnet_from_json(kv.value);
    if (!v) return fail(std::move(v.error()));
    out.push_back(std::move(*v));
  }
  return out;
}

std::optional<fabric::SgRule> to_fabric(const ec2::SgRule& r) {
  fabric::SgRule out;
  out.protocol = r.protocol;  // "-1", "tcp", "udp", "icmp", "icmpv6" or an IANA number
  out.from_port = r.from_port;
  out.to_port = r.to_port;
  if (!r.cidr_ipv4.empty()) {
    auto p = addr::Ipv4Prefix::parse(r.cidr_ipv4);
    if (!p) return std::nullopt;
    out.v4 = *p;
  } else if (!r.cidr_ipv6.empty()) {
    auto p = addr::Ipv6Prefix::parse(r.cidr_ipv6);
    if (!p) return std::nullopt;
    out.v6 = *p;
  } else if (!r.referenced_group_id.empty()) {
    out.group_id = r.referenced_group_id;
  } else {
    return std::nullopt;
  }
  return out;
}

// Everything the fabric's view depends on, read once (one list per kind) and then
// filtered per VPC: sync_all() derives every VPC from one snapshot instead of re-reading
// the whole region for each.
struct Snapshot {
  std::vector<ec2::Vpc> vpcs;
  std::vector<ec2::InternetGateway> igws;
  std::vector<ec2::EgressOnlyInternetGateway> eigws;
  std::vector<ec2::RouteTable> tables;
  std::vector<ec2::Subnet> subnets;
  std::vector<ec2::SecurityGroup> groups;
  std::vector<ec2::NetworkInterface> enis;
};

Result<Snapshot> load_snapshot(store::Store& store) {
  Snapshot s;
  auto vpcs = store.list(ec2::kVpcPrefix);
  if (!vpcs) return fail(std::move(vpcs.error()).wrap("listing VPCs"));
  for (const auto& kv : vpcs->items) {
    auto v = ec2::vpc_from_json(kv.value);
    if (!v) return fail(std::move(v.error()));
    s.vpcs.push_back(std::move(*v));
  }
  auto igws = load<ec2::InternetGateway>(store, ec2::kIgwPrefix, "internet gateway");
  if (!igws) return fail(std::move(igws.error()));
  s.igws = std::move(*igws);
  auto eigws = load<ec2::EgressOnlyInternetGateway>(store, ec2::kEigwPrefix, "egress-only internet gateway");
  if (!eigws) return fail(std::move(eigws.error()));
  s.eigws = std::move(*eigws);
  auto tables = load<ec2::RouteTable>(store, ec2::kRouteTablePrefix, "route table");
  if (!tables) return fail(std::move(tables.error()));
  s.tables = std::move(*tables);
  auto subnets = load_subnets(store);
  if (!subnets) return fail(std::move(subnets.error()));
  s.subnets = std::move(*subnets);
  auto groups = load<ec2::SecurityGroup>(store, ec2::kSecurityGroupPrefix, "security group");
  if (!groups) return fail(std::move(groups.error()));
  s.groups = std::move(*groups);
  auto enis = load<ec2::NetworkInterface>(store, ec2::kEniPrefix, "network interface");
  if (!enis) return fail(std::move(enis.error()));
  s.enis = std::move(*enis);
  return s;
}

// The fabric's view of one VPC in the snapshot; nullopt when the VPC is not there.
std::optional<fabric::Vpc> desired_from(const Snapshot& snap, const std::string& vpc_id) {
  auto vpc = std::find_if(snap.vpcs.begin(), snap.vpcs.end(), [&](const ec2::Vpc& v) { return v.id == vpc_id; });
  if (vpc == snap.vpcs.end()) return std::nullopt;
  fabric::Vpc out;
  out.id = vpc->id;
  out.ipv4 = vpc->cidr;
  if (vpc->ipv6) out.ipv6 = vpc->ipv6->cidr;

  std::set<std::string> attached_igws;
  for (const auto& g : snap.igws)
    if (g.vpc_id == vpc_id) attached_igws.insert(g.id);
  out.internet_gateway = !attached_igws.empty();
  std::set<std::string> eigw_ids;
  for (const auto& g : snap.eigws)
    if (g.vpc_id == vpc_id) eigw_ids.insert(g.id);
  out.egress_only_gateway = !eigw_ids.empty();

  // Each subnet's effective route table: its explicit association, else the main table.
  const ec2::RouteTable* main_table = nullptr;
  std::map<std::string, const ec2::RouteTable*> by_subnet;
  for (const auto& t : snap.tables) {
    if (t.vpc_id != vpc_id) continue;
    for (const auto& a : t.associations) {
      if (a.main) main_table = &t;
      if (!a.subnet_id.empty()) by_subnet[a.subnet_id] = &t;
    }
  }
  std::map<std::string, const ec2::Subnet*> subnet_by_id;
  for (const auto& s : snap.subnets) {
    if (s.vpc_id != vpc_id) continue;
    subnet_by_id[s.id] = &s;
    fabric::Subnet fs;
    fs.id = s.id;
    fs.ipv4 = s.cidr;
    if (s.ipv6) fs.ipv6 = s.ipv6->cidr;
    auto it = by_subnet.find(s.id);
    const ec2::RouteTable* t = it != by_subnet.end() ? it->second : main_table;
    if (t) {
      for (const auto& r : t->routes) {
        fabric::Route fr;
        if (!r.gateway_id.empty() && attached_igws.count(r.gateway_id)) {
          fr.target = fabric::Target::kInternetGateway;
        } else if (!r.egress_only_gateway_id.empty() && eigw_ids.count(r.egress_only_gateway_id)) {
          fr.target = fabric::Target::kEgressOnlyGateway;
        } else {
          continue;  // the gateway is gone: AWS shows the route as a blackhole
        }
        if (r.ipv6) {
          auto p = addr::Ipv6Prefix::parse(r.destination);
          if (!p) continue;
          fr.destination = *p;
        } else {
          auto p = addr::Ipv4Prefix::parse(r.destination);
          if (!p) continue;
          fr.destination = *p;
        }
        fs.routes.push_back(std::move(fr));
      }
    }
    out.subnets.push_back(std::move(fs));
  }

  for (const auto& g : snap.groups) {
    if (g.vpc_id != vpc_id) continue;
    fabric::SecurityGroup fg;
    fg.id = g.id;
    for (const auto& r : g.rules)
      if (auto fr = to_fabric(r)) (r.egress ? fg.egress : fg.ingress).push_back(std::move(*fr));
    out.security_groups.push_back(std::move(fg));
  }

  for (const auto& e : snap.enis) {
    if (e.vpc_id != vpc_id || e.instance_id.empty() || e.device_index != 0) continue;
    if (!subnet_by_id.count(e.subnet_id)) continue;
    fabric::Eni fe;
    fe.id = e.id;
    fe.instance_id = e.instance_id;
    fe.subnet_id = e.subnet_id;
    fe.mac = e.mac;
    fe.ipv4 = e.private_ipv4;
    fe.ipv4_secondaries = e.ipv4_secondaries;
    fe.public_ipv4 = e.public_ipv4;
    fe.ipv6 = e.ipv6_addresses;
    fe.ipv6_prefixes = e.ipv6_prefixes;
    fe.security_groups = e.security_group_ids;
    out.enis.push_back(std::move(fe));
  }
  return out;
}

}  // namespace

Result<std::optional<fabric::Vpc>> desired_vpc(store::Store& store, const std::string& vpc_id) {
  auto snap = load_snapshot(store);
  if (!snap) return fail(std::move(snap.error()));
  return desired_from(*snap, vpc_id);
}

Result<> Realizer::sync_vpc(const std::string& vpc_id) {
  auto want = desired_vpc(store_, vpc_id);
  if (!want) return fail(std::move(want.error()));
  if (!*want) return fabric_.remove_vpc(vpc_id);
  return fabric_.apply(**want);
}

Result<> Realizer::sync_all() {
  V6K_TRY(fabric_.ensure_internet(), "creating the internet namespace");
  auto snap = load_snapshot(store_);
  if (!snap) return fail(std::move(snap.error()));
  std::vector<std::string> keep;
  std::vector<fabric::Vpc> wanted;
  for (const auto& v : snap->vpcs) {
    auto want = desired_from(*snap, v.id);
    if (!want) continue;
    keep.push_back(v.id);
    for (const auto& e : want->enis) keep.push_back(e.instance_id);
    wanted.push_back(std::move(*want));
  }
  V6K_TRY(fabric_.prune(keep), "removing namespaces the store does not name");
  for (const auto& v : wanted) V6K_TRY(fabric_.apply(v), "realising " + v.id);
  return {};
}

}  // namespace v6k::region
