// Internal to src/fabric: the Fabric implementation's state and the steps apply() is made
// of, split over fabric.cc (orchestration, namespaces), internet.cc (internet hosts and
// gateway links), instances.cc (ENIs) and routing.cc (FIB rules and subnet tables).
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "fabric/fabric.h"
#include "fabric/links.h"
#include "fabric/nft_elements.h"
#include "fabric/nft_rules.h"
#include "netlink/netns.h"
#include "netlink/nft.h"
#include "netlink/rtnl.h"

namespace v6k::fabric::internal {

// One realised ENI as last applied.
struct EniLive {
  Eni spec;
  addr::Ipv4Prefix subnet_v4;  // its subnet's IPv4 prefix then (gateway and prefix length)
};

// One realised gateway link (router side + inet side).
struct GatewayLive {
  int router_index = 0;  // 0: absent
  int inet_index = 0;
  LinkPlan inet_plan;    // what the inet side carries (its routes name the VPC's addresses)
};

// One VPC router and everything the last successful apply() made for it. Holds fds into
// the router namespace: it must be destroyed before that namespace is removed.
struct VpcLive {
  Vpc applied;
  netlink::NetNs ns;
  netlink::Rtnl rtnl;
  netlink::Nft nft;           // chains, rules, whole-table replacement
  NftElements elements;       // set and map elements (the per-instance path)
  std::map<std::string, EniLive> enis;  // by ENI id
  GatewayLive igw, eigw;
  NftModel nft_model;
};

// How apply() changed nftables so far (tests check that the incremental path is taken).
struct NftCounters {
  int full = 0;      // whole tables replaced: a first apply, or a fallback
  int delta = 0;     // incremental changes that applied
  int fallback = 0;  // incremental changes the kernel refused (then replaced whole)
};

class FabricImpl final : public Fabric {
 public:
  explicit FabricImpl(Options o) : opt_(std::move(o)) {}

  Result<> ensure_internet() override;
  Result<> apply(const Vpc& vpc) override;
  Result<> remove_vpc(const std::string& vpc_id) override;
  Result<> prune(const std::vector<std::string>& keep) override;
  Result<> teardown() override;
  std::string netns_name(const std::string& name) const override { return opt_.ns_prefix + name; }
  NftCounters nft_counters() {
    std::lock_guard lock(mu_);
    return counters_;
  }

 private:
  // internet.cc
  Result<> ensure_internet_locked();
  Result<> ensure_host(const std::string& host, const std::string& ipv4, const std::string& ipv6,
                       std::vector<NewPair>& pending);
  // Makes the VPC's igw / eigw link match `vpc`; `known`: trust `live` instead of asking
  // the kernel (false on the first apply of a process).
  Result<> converge_gateway(VpcLive& live, const Vpc& vpc, bool igw, bool known);
  LinkPlan gateway_inet_plan(const Vpc& vpc, bool igw) const;

  // instances.cc
  // Creates or converges the ENI's instance namespace and veth. `cached`: what the last
  // apply made for it (null: unknown, e.g. after a restart).
  // A new pair goes to `pending`, to wait for before apply() returns.
  Result<> realize_eni(VpcLive& live, const Eni& eni, const Subnet& subnet, const EniLive* cached,
                       std::optional<RoutesByLink>& router_routes, std::vector<NewPair>& pending);
  Result<> remove_eni(VpcLive& live, const Eni& eni);
  // Instance namespaces whose eth0 is the peer of one of this router's ENI links (used
  // when remove_vpc() has no record of the VPC).
  Result<std::vector<std::string>> instances_of_router(const std::string& vpc_id);

  // routing.cc
  Result<> converge_routing(VpcLive& live, const Vpc& vpc);

  // fabric.cc
  Result<std::unique_ptr<VpcLive>> open_router(const std::string& vpc_id);
  Result<> apply_to(VpcLive& live, const Vpc& vpc, bool fresh);
  Result<> converge_nft(VpcLive& live, const Vpc& vpc, bool fresh);
  Result<std::vector<std::string>> list_namespaces() const;  // names without the prefix
  Result<> remove_namespace(const std::string& name);          // without the prefix; absent is fine
  bool is_internet_name(const std::string& name) const;

  Options opt_;
  std::mutex mu_;
  std::optional<netlink::NetNs> inet_ns_;
  std::optional<netlink::Rtnl> inet_;
  std::map<std::string, std::unique_ptr<VpcLive>> vpcs_;
  NftCounters counters_;
};

}  // namespace v6k::fabric::internal
