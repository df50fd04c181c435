// The fabric: a region's VPCs realised as network namespaces.
//
// Namespaces (all "<prefix><name>", bind-mounted under /run/netns like `ip netns add`):
//   inet        the internet router (forwarding v4+v6). Hosts laptop (203.0.113.10/24,
//               IPv6 disabled), svc4 (203.0.113.80/24, IPv6 disabled) and svc46
//               (203.0.113.81/24 + 2001:db8:ffff::80/64) each hang off it by their own veth
//               "h-<host>"; the inet side has 203.0.113.1/32 + a /32 route per host + proxy
//               ARP (fe80::1 and 2001:db8:ffff::1/64 towards svc46). internet.cc.
//   <vpc-id>    the VPC router: forwarding v4+v6, no DAD, no automatic link-locals,
//               proxy ARP on its links.
//   <inst-id>   one instance: "eth0" is its primary ENI, a veth whose other end is
//               "eni<12 hex of the ENI id>" in the router. instances.cc.
//
// ENI link: router side fe80::1/64 + subnet .1/32, permanent neighbours for the ENI's
// addresses, routes /32, /128 "dev" the link and delegated prefixes via the ENI's first
// IPv6. Instance side: /128s (nodad), IPv4 with the subnet length, default via fe80::1 and
// via .1 onlink, permanent neighbours for both gateways. accept_dad=0, forwarding off.
//
// Routing in the router (routing.cc): main holds only ENI routes; "lookup main
// suppress_prefixlength 0" (pref 100) then "from <subnet> lookup T" (pref 1000, v4 and v6)
// with T a per-subnet table of the subnet's routes towards the gateway links. Routes whose
// gateway is absent are skipped (a blackhole in AWS).
//
// Gateways (internet.cc): IGW = veth "igw" (router) <-> "v<12 hex of the VPC id>" (inet),
// fe80::2 / fe80::1 and 100.64.0.2/32 / 100.64.0.1/32, all with permanent neighbours. inet
// routes the VPC's /56 and each public IPv4 to it. EIGW = "eigw" <-> "e<12>", IPv6 only;
// inet routes the /56 there when no IGW is attached.
//
// nftables (nft_rules.h): table inet v6k-sg holds the security groups (in_/out_ chains per
// combination of groups, reached from the forward chain through ifname verdict maps keyed
// by ENI link; per-group address sets) and the gateway policy (new inbound on eigw
// dropped; IPv4 towards igw only from addresses with a public IPv4); table ip v6k-nat does
// 1:1 NAT on igw through two maps. IPv6 passes unNATed.
//
// apply() keeps the last applied Vpc per id and changes only the difference: new ENIs are
// created (namespace, veth, one netlink batch per side), removed ones deleted, changed ones
// diffed. nftables changes are computed as a model diff: a new instance whose groups are
// known is only set/map elements, sent as ONE raw nf_tables transaction (nft_elements.h);
// new or changed chains go through libnftables before it, unused chains after it (so no
// packet sees a jump to a missing chain). Without a record (first apply of a process),
// everything is converged against the kernel: existing namespaces and pairs are kept and
// their configuration diffed (processes inside survive a daemon restart), and both nftables
// tables are replaced whole in one transaction (also the fallback when a diff is refused).
// A failed apply forgets the record, so the next one converges against the kernel again.
// apply() returns when new links are running and new addresses usable (links.h).
#include "fabric/fabric.h"

#include <dirent.h>

#include <algorithm>
#include <cstdio>
#include <set>

#include "fabric/fabric_impl.h"
#include "fabric/names.h"

namespace v6k::fabric {

Result<std::unique_ptr<Fabric>> Fabric::open(Options options) {
  if (options.ns_prefix.empty() || options.ns_prefix.find('/') != std::string::npos)
    return fail_invalid("fabric namespace prefix \"" + options.ns_prefix + "\" must be non-empty without '/'");
  return std::unique_ptr<Fabric>(new internal::FabricImpl(std::move(options)));
}

namespace internal {
namespace {

constexpr const char* kNetnsDir = "/var/run/netns";

// Rejects a Vpc the fabric cannot realise, before anything changes.
Result<> validate(const Vpc& vpc) {
  auto bad = [&](const std::string& why) { return fail_invalid("VPC " + vpc.id + ": " + why); };
  if (vpc.id.empty() || vpc.id.find('/') != std::string::npos) return bad("invalid id");
  std::set<std::string> subnets, links, instances;
  for (const auto& s : vpc.subnets)
    if (!subnets.insert(s.id).second) return bad("subnet " + s.id + " appears twice");
  for (const auto& e : vpc.enis) {
    if (e.instance_id.empty() || e.instance_id.find('/') != std::string::npos || e.instance_id == vpc.id)
      return bad("ENI " + e.id + " has an invalid instance id \"" + e.instance_id + "\"");
    if (!subnets.count(e.subnet_id)) return bad("ENI " + e.id + " is in unknown subnet " + e.subnet_id);
    if (!links.insert(eni_link(e.id)).second)
      return bad("ENI " + e.id + " appears twice (or its link name " + eni_link(e.id) + " does)");
    if (!instances.insert(e.instance_id).second) return bad("instance " + e.instance_id + " has two primary ENIs");
  }
  return {};
}

const Subnet& subnet_of(const Vpc& vpc, const std::string& id) {
  return *std::find_if(vpc.subnets.begin(), vpc.subnets.end(), [&](const Subnet& s) { return s.id == id; });
}

}  // namespace

bool FabricImpl::is_internet_name(const std::string& name) const {
  return name == "inet" || name == "laptop" || name == "svc4" || name == "svc46";
}

Result<std::vector<std::string>> FabricImpl::list_namespaces() const {
  std::vector<std::string> out;
  DIR* d = ::opendir(kNetnsDir);
  if (d == nullptr) {
    if (errno == ENOENT) return out;
    return fail_errno(std::string("listing ") + kNetnsDir);
  }
  while (dirent* ent = ::readdir(d)) {
    std::string n = ent->d_name;
    if (n.size() > opt_.ns_prefix.size() && n.rfind(opt_.ns_prefix, 0) == 0) out.push_back(n.substr(opt_.ns_prefix.size()));
  }
  ::closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

Result<> FabricImpl::remove_namespace(const std::string& name) {
  auto r = netlink::NetNs::remove(netns_name(name));
  if (!r && r.error().code() != ENOENT) return fail(std::move(r.error()));
  return {};
}

Result<std::unique_ptr<VpcLive>> FabricImpl::open_router(const std::string& vpc_id) {
  const std::string name = netns_name(vpc_id);
  auto ns = netlink::NetNs::open_named(name);
  if (!ns && ns.error().code() == ENOENT) ns = netlink::NetNs::create(name);
  if (!ns) return fail(std::move(ns.error()).wrap("creating the router of " + vpc_id));
  // Set before any link exists, so every link inherits them: no DAD and no automatic
  // link-local (the router's link-locals are the fixed fe80::1 / fe80::2), proxy ARP so
  // instances reach their subnet neighbours (whose /32s live on other links) through it.
  V6K_TRY(write_sysctls(*ns, {{"net/ipv4/ip_forward", "1"},
                              {"net/ipv6/conf/all/forwarding", "1"},
                              {"net/ipv6/conf/all/accept_dad", "0"},
                              {"net/ipv6/conf/default/accept_dad", "0"},
                              {"net/ipv6/conf/default/addr_gen_mode", "1"},
                              {"net/ipv4/conf/default/proxy_arp", "1"}}),
          "configuring the router of " + vpc_id);
  auto rtnl = netlink::Rtnl::open_in(*ns);
  if (!rtnl) return fail(std::move(rtnl.error()));
  std::optional<netlink::Nft> nft;
  std::optional<NftElements> elements;
  {
    auto scope = netlink::NetNsScope::enter(*ns);
    if (!scope) return fail(std::move(scope.error()));
    auto n = netlink::Nft::open();  // both bind to the router's netns now
    if (!n) return fail(std::move(n.error()).wrap("opening nftables in the router of " + vpc_id));
    nft.emplace(std::move(*n));
    auto e = NftElements::open();
    if (!e) return fail(std::move(e.error()).wrap("opening nftables in the router of " + vpc_id));
    elements.emplace(std::move(*e));
  }
  return std::unique_ptr<VpcLive>(
      new VpcLive{Vpc{}, std::move(*ns), std::move(*rtnl), std::move(*nft), std::move(*elements)});
}

Result<> FabricImpl::apply(const Vpc& vpc) {
  V6K_TRY(validate(vpc), "applying VPC");
  std::lock_guard lock(mu_);
  if (!inet_) V6K_TRY(ensure_internet_locked(), "applying " + vpc.id);
  std::unique_ptr<VpcLive> live;
  bool fresh = false;
  if (auto it = vpcs_.find(vpc.id); it != vpcs_.end()) {
    live = std::move(it->second);
    vpcs_.erase(it);
  } else {
    auto opened = open_router(vpc.id);
    if (!opened) return fail(std::move(opened.error()));
    live = std::move(*opened);
    fresh = true;
  }
  auto r = apply_to(*live, vpc, fresh);
  if (!r) return fail(std::move(r.error()).wrap("applying " + vpc.id));  // record dropped: next time converge
  live->applied = vpc;
  vpcs_[vpc.id] = std::move(live);
  return {};
}

Result<> FabricImpl::apply_to(VpcLive& live, const Vpc& vpc, bool fresh) {
  const Vpc& old = live.applied;
  // Gateways: eigw first, so the VPC's /56 is released from one inet link before the
  // other claims it when an IGW comes or goes.
  bool gateways_changed = fresh || old.internet_gateway != vpc.internet_gateway ||
                          old.egress_only_gateway != vpc.egress_only_gateway || old.ipv6 != vpc.ipv6;
  bool public_changed = false;
  {
    std::map<std::string, std::optional<addr::Ipv4Address>> a, b;
    for (const auto& e : old.enis) a[e.id] = e.public_ipv4;
    for (const auto& e : vpc.enis) b[e.id] = e.public_ipv4;
    public_changed = a != b;
  }
  if (gateways_changed || public_changed) {
    V6K_TRY(converge_gateway(live, vpc, false, !fresh), "egress-only gateway");
    V6K_TRY(converge_gateway(live, vpc, true, !fresh), "internet gateway");
  }
  if (gateways_changed || old.subnets != vpc.subnets) V6K_TRY(converge_routing(live, vpc), "routing");

  // ENIs: removed, then new / changed.
  std::set<std::string> wanted;
  for (const auto& e : vpc.enis) wanted.insert(e.id);
  for (auto it = live.enis.begin(); it != live.enis.end();) {
    if (wanted.count(it->first)) {
      ++it;
      continue;
    }
    V6K_TRY(remove_eni(live, it->second.spec), "");
    it = live.enis.erase(it);
  }
  if (fresh) {
    // No record: ENI links of ENIs that are gone (removed while no daemon ran) go too.
    std::set<std::string> links;
    for (const auto& e : vpc.enis) links.insert(eni_link(e.id));
    auto have = live.rtnl.list_links();
    if (!have) return fail(std::move(have.error()).wrap("listing router links"));
    for (const auto& l : *have)
      if (l.kind == "veth" && l.name.rfind("eni", 0) == 0 && !links.count(l.name))
        V6K_TRY(delete_link_if_present(live.rtnl, l.name), "removing a stale ENI link");
  }
  // Security groups before new links exist: a link the maps do not name yet would be
  // forwarded unfiltered (the forward chain's policy is accept).
  V6K_TRY(converge_nft(live, vpc, fresh), "security groups and NAT");

  std::optional<RoutesByLink> router_routes;  // dumped once, only if an existing ENI is diffed
  std::vector<NewPair> pending;
  for (const auto& e : vpc.enis) {
    const Subnet& s = subnet_of(vpc, e.subnet_id);
    auto it = live.enis.find(e.id);
    const EniLive* cached = it == live.enis.end() ? nullptr : &it->second;
    if (cached && cached->spec == e && cached->subnet_v4 == s.ipv4) continue;
    if (cached && cached->spec.instance_id != e.instance_id) {
      V6K_TRY(remove_eni(live, cached->spec), "moving " + e.id);
      live.enis.erase(it);
      cached = nullptr;
    }
    V6K_TRY(realize_eni(live, e, s, cached, router_routes, pending), "");
    live.enis[e.id] = EniLive{e, s.ipv4};
  }
  wait_until_ready(pending);  // new instances answer from the moment apply() returns
  return {};
}

Result<> FabricImpl::converge_nft(VpcLive& live, const Vpc& vpc, bool fresh) {
  NftModel want = nft_model(vpc);
  if (!fresh) {
    NftDelta d = nft_delta(live.nft_model, want);
    Result<> r = d.before.empty() ? Result<>() : live.nft.run(d.before);
    if (r) r = live.elements.apply(d.elements);
    if (r && !d.after.empty()) r = live.nft.run(d.after);
    if (r) {
      ++counters_.delta;
      live.nft_model = std::move(want);
      return {};
    }
    // The kernel no longer matches our record (changed behind our back): replace it whole.
    ++counters_.fallback;
    std::fprintf(stderr, "v6k fabric: %s: incremental nftables change failed, replacing the tables: %s\n",
                 vpc.id.c_str(), r.error().message().c_str());
  }
  V6K_TRY(live.nft.run(nft_full(want)), "replacing the router's nftables tables");
  ++counters_.full;
  live.nft_model = std::move(want);
  return {};
}

Result<> FabricImpl::remove_vpc(const std::string& vpc_id) {
  std::lock_guard lock(mu_);
  std::vector<std::string> instances;
  if (auto it = vpcs_.find(vpc_id); it != vpcs_.end()) {
    for (const auto& [id, e] : it->second->enis) instances.push_back(e.spec.instance_id);
    vpcs_.erase(it);  // closes our fds into the router, so its namespace can die
  } else {
    auto found = instances_of_router(vpc_id);
    if (!found) return fail(std::move(found.error()).wrap("finding the instances of " + vpc_id));
    instances = std::move(*found);
  }
  if (!inet_ && netlink::NetNs::open_named(netns_name("inet"))) V6K_TRY(ensure_internet_locked(), "");
  if (inet_) {
    // Deleting the inet ends now (instead of when the router namespace is freed) takes
    // the VPC's routes out of inet at once.
    V6K_TRY(delete_link_if_present(*inet_, igw_inet_link(vpc_id)), "removing the internet gateway of " + vpc_id);
    V6K_TRY(delete_link_if_present(*inet_, eigw_inet_link(vpc_id)), "removing the egress-only gateway of " + vpc_id);
  }
  for (const auto& i : instances) V6K_TRY(remove_namespace(i), "removing instance " + i);
  V6K_TRY(remove_namespace(vpc_id), "removing the router of " + vpc_id);
  return {};
}

Result<> FabricImpl::prune(const std::vector<std::string>& keep) {
  std::lock_guard lock(mu_);
  std::set<std::string> kept(keep.begin(), keep.end());
  auto names = list_namespaces();
  if (!names) return fail(std::move(names.error()));
  for (const auto& n : *names) {
    if (is_internet_name(n) || kept.count(n)) continue;
    // A pruned router or instance invalidates what we know of its VPC.
    for (auto it = vpcs_.begin(); it != vpcs_.end();) {
      bool involved = it->first == n;
      for (const auto& [id, e] : it->second->enis) involved = involved || e.spec.instance_id == n;
      it = involved ? vpcs_.erase(it) : std::next(it);
    }
    if (inet_ && n.rfind("vpc-", 0) == 0) {
      V6K_TRY(delete_link_if_present(*inet_, igw_inet_link(n)), "");
      V6K_TRY(delete_link_if_present(*inet_, eigw_inet_link(n)), "");
    }
    V6K_TRY(remove_namespace(n), "pruning " + netns_name(n));
  }
  return {};
}

Result<> FabricImpl::teardown() {
  std::lock_guard lock(mu_);
  vpcs_.clear();
  inet_.reset();
  inet_ns_.reset();
  auto names = list_namespaces();
  if (!names) return fail(std::move(names.error()));
  std::optional<Error> first;
  for (const auto& n : *names) {
    auto r = remove_namespace(n);
    if (!r && !first) first = std::move(r.error());
  }
  if (first) return fail(std::move(*first).wrap("tearing down the fabric"));
  return {};
}

}  // namespace internal
}  // namespace v6k::fabric
