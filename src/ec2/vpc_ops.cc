// CreateVpc, DescribeVpcs, DeleteVpc, DescribeAvailabilityZones.
#include <algorithm>
#include <set>

#include "ec2/ops.h"

namespace v6k::ec2 {
namespace {

void write_vpc(aws::XmlWriter& w, const Vpc& v, const RegionConfig& region, bool creating) {
  w.leaf("vpcId", v.id);
  w.leaf("ownerId", region.account_id);
  w.leaf("state", creating ? "pending" : "available");
  w.leaf("cidrBlock", v.cidr.to_string());
  w.start("cidrBlockAssociationSet");
  w.start("item");
  w.leaf("cidrBlock", v.cidr.to_string());
  w.leaf("associationId", v.cidr_association_id);
  w.start("cidrBlockState");
  w.leaf("state", "associated");
  w.end();
  w.end();
  w.end();
  if (v.ipv6) {
    w.start("ipv6CidrBlockAssociationSet");
    w.start("item");
    w.leaf("ipv6CidrBlock", v.ipv6->cidr.to_string());
    w.leaf("associationId", v.ipv6->association_id);
    w.start("ipv6CidrBlockState");
    w.leaf("state", creating ? "associating" : "associated");
    w.end();
    w.leaf("networkBorderGroup", region.region);
    w.leaf("ipv6Pool", "Amazon");
    w.end();
    w.end();
  }
  w.leaf("dhcpOptionsId", v.dhcp_options_id);
  w.leaf("instanceTenancy", v.instance_tenancy);
  w.leaf("isDefault", "false");
  write_tags(w, v.tags);
}

std::optional<std::vector<std::string>> vpc_filter_values(const Vpc& v, const RegionConfig& region,
                                                          const std::string& name) {
  using V = std::vector<std::string>;
  if (name == "vpc-id") return V{v.id};
  if (name == "cidr" || name == "cidr-block-association.cidr-block" || name == "cidrBlock") return V{v.cidr.to_string()};
  if (name == "cidr-block-association.association-id") return V{v.cidr_association_id};
  if (name == "cidr-block-association.state") return V{"associated"};
  if (name == "ipv6-cidr-block-association.ipv6-cidr-block") return v.ipv6 ? V{v.ipv6->cidr.to_string()} : V{};
  if (name == "ipv6-cidr-block-association.association-id") return v.ipv6 ? V{v.ipv6->association_id} : V{};
  if (name == "ipv6-cidr-block-association.ipv6-pool") return v.ipv6 ? V{"Amazon"} : V{};
  if (name == "ipv6-cidr-block-association.state") return v.ipv6 ? V{"associated"} : V{};
  if (name == "state") return V{"available"};
  if (name == "is-default") return V{"false"};
  if (name == "owner-id") return V{region.account_id};
  if (name == "dhcp-options-id") return V{v.dhcp_options_id};
  bool known = false;
  auto tags = tag_filter_values(v.tags, name, &known);
  if (known) return tags;
  return std::nullopt;
}

}  // namespace

// The internet namespace's fixed hosts live in 2001:db8:ffff::/48 (DESIGN.md); VPC blocks
// never overlap it.
static const addr::Ipv6Prefix& reserved_internet_range() {
  static const addr::Ipv6Prefix p = *addr::Ipv6Prefix::parse("2001:db8:ffff::/48");
  return p;
}

std::expected<addr::Ipv6Prefix, ApiError> allocate_vpc_block(const RegionConfig& region, const std::vector<Vpc>& vpcs) {
  std::set<addr::Ipv6Prefix> used;
  for (const auto& v : vpcs)
    if (v.ipv6) used.insert(v.ipv6->cidr);
  const addr::u128 blocks = addr::u128(1) << (56 - region.ipv6_pool.length());
  for (addr::u128 i = 1; i < blocks; ++i) {
    auto p = region.ipv6_pool.subprefix(56, i);
    if (!p) break;
    if (used.count(*p) || reserved_internet_range().overlaps(*p)) continue;
    return *p;
  }
  return std::unexpected(api_error("InsufficientCidrBlocks", "There are not enough free IPv6 CIDR blocks in the pool."));
}

OpResult describe_availability_zones(OpContext& c) {
  auto filters = parse_filters(c.params);
  if (!filters) return std::unexpected(filters.error());
  auto names_r = param_list(c.params, "ZoneName");
  if (!names_r) return std::unexpected(names_r.error());
  const auto& names = *names_r;
  auto ids_r = param_list(c.params, "ZoneId");
  if (!ids_r) return std::unexpected(ids_r.error());
  const auto& ids = *ids_r;
  for (const auto& n : names)
    if (!c.region.has_zone(n))
      return std::unexpected(api_error("InvalidParameterValue", "The zone '" + n + "' does not exist."));
  std::vector<AvailabilityZone> zones;
  for (const auto& z : c.region.zones) {
    if (!names.empty() && std::find(names.begin(), names.end(), z.name) == names.end()) continue;
    if (!ids.empty() && std::find(ids.begin(), ids.end(), z.id) == ids.end()) continue;
    auto ok = matches(*filters, [&](const std::string& f) -> std::optional<std::vector<std::string>> {
      if (f == "zone-name") return std::vector<std::string>{z.name};
      if (f == "zone-id") return std::vector<std::string>{z.id};
      if (f == "region-name" || f == "group-name" || f == "network-border-group") return std::vector<std::string>{c.region.region};
      if (f == "state") return std::vector<std::string>{"available"};
      if (f == "zone-type") return std::vector<std::string>{"availability-zone"};
      if (f == "opt-in-status") return std::vector<std::string>{"opt-in-not-required"};
      return std::nullopt;
    });
    if (!ok) return std::unexpected(ok.error());
    if (*ok) zones.push_back(z);
  }
  std::string region = c.region.region;
  return [zones, region](aws::XmlWriter& w) {
    w.start("availabilityZoneInfo");
    for (const auto& z : zones) {
      w.start("item");
      w.leaf("zoneName", z.name);
      w.leaf("zoneState", "available");
      w.leaf("regionName", region);
      w.leaf("zoneId", z.id);
      w.start("messageSet");
      w.end();
      w.leaf("optInStatus", "opt-in-not-required");
      w.leaf("groupName", region);
      w.leaf("networkBorderGroup", region);
      w.leaf("zoneType", "availability-zone");
      w.end();
    }
    w.end();
  };
}

OpResult create_vpc(OpContext& c) {
  auto cidr_text = c.params.get("CidrBlock");
  if (!cidr_text || cidr_text->empty())
    return std::unexpected(api_error("MissingParameter", "Either 'cidrBlock' or 'ipv4IpamPoolId' should be provided."));
  auto cidr = addr::Ipv4Prefix::parse(*cidr_text);
  if (!cidr)
    return std::unexpected(api_error("InvalidParameterValue", "Value (" + *cidr_text +
                                     ") for parameter cidrBlock is invalid. This is not a valid CIDR block."));
  if (cidr->length() < 16 || cidr->length() > 28)
    return std::unexpected(api_error("InvalidVpc.Range", "The CIDR '" + *cidr_text + "' is invalid."));
  auto want_v6 = optional_bool(c.params, "AmazonProvidedIpv6CidrBlock");
  if (!want_v6) return std::unexpected(want_v6.error());
  auto tenancy = c.params.get("InstanceTenancy").value_or("default");
  if (tenancy != "default" && tenancy != "dedicated")
    return std::unexpected(api_error("InvalidParameterValue", "Value (" + tenancy + ") for parameter instanceTenancy is invalid."));
  auto tags = tag_specifications(c.params, "vpc");
  if (!tags) return std::unexpected(tags.error());

  Vpc v;
  v.id = new_id("vpc");
  v.cidr = *cidr;
  v.cidr_association_id = new_id("vpc-cidr-assoc");
  v.dhcp_options_id = new_id("dopt");
  v.instance_tenancy = tenancy;
  v.tags = *tags;
  if (want_v6->value_or(false)) {
    auto vpcs = load_vpcs(c.store);
    if (!vpcs) return std::unexpected(vpcs.error());
    auto block = allocate_vpc_block(c.region, *vpcs);
    if (!block) return std::unexpected(block.error());
    v.ipv6 = Ipv6Block{*block, new_id("vpc-cidr-assoc")};
  }
  // The VPC comes with its main route table and its default security group, in one commit.
  std::vector<store::Write> writes;
  writes.push_back(store::Write::create(vpc_key(v.id), to_json(v).dump()));
  RouteTable main_table = main_route_table_for(v);
  writes.push_back(store::Write::create(key_of(kRouteTablePrefix, main_table.id), nlohmann::json(main_table).dump()));
  SecurityGroup default_group = default_security_group_for(v);
  writes.push_back(
      store::Write::create(key_of(kSecurityGroupPrefix, default_group.id), nlohmann::json(default_group).dump()));
  if (auto r = c.store.commit(writes); !r) return std::unexpected(internal_error(r.error()));
  c.touch(v.id);
  RegionConfig region = c.region;
  return [v, region](aws::XmlWriter& w) {
    w.start("vpc");
    write_vpc(w, v, region, true);
    w.end();
  };
}

OpResult describe_vpcs(OpContext& c) {
  auto filters = parse_filters(c.params);
  if (!filters) return std::unexpected(filters.error());
  auto ids_r = param_list(c.params, "VpcId");
  if (!ids_r) return std::unexpected(ids_r.error());
  const auto& ids = *ids_r;
  auto vpcs = load_vpcs(c.store);
  if (!vpcs) return std::unexpected(vpcs.error());
  auto selected = select_described(
      std::move(*vpcs), ids, *filters,
      [&](const Vpc& v, const std::string& f) { return vpc_filter_values(v, c.region, f); },
      [](const std::string& id) { return api_error("InvalidVpcID.NotFound", "The vpc ID '" + id + "' does not exist"); });
  if (!selected) return std::unexpected(selected.error());
  RegionConfig region = c.region;
  return [out = std::move(*selected), region](aws::XmlWriter& w) {
    w.start("vpcSet");
    for (const auto& v : out) {
      w.start("item");
      write_vpc(w, v, region, false);
      w.end();
    }
    w.end();
  };
}

OpResult delete_vpc(OpContext& c) {
  auto id = required(c.params, "VpcId");
  if (!id) return std::unexpected(id.error());
  auto kv = c.store.get(vpc_key(*id));
  if (!kv) {
    if (kv.error().code() == ENOENT)
      return std::unexpected(api_error("InvalidVpcID.NotFound", "The vpc ID '" + *id + "' does not exist"));
    return std::unexpected(internal_error(kv.error()));
  }
  // What AWS refuses to delete a VPC over: subnets (and so instances and ENIs), an attached
  // internet gateway, egress-only gateways, non-default security groups and non-main route
  // tables. The main route table and the default group go with the VPC.
  const ApiError busy =
      api_error("DependencyViolation", "The vpc '" + *id + "' has dependencies and cannot be deleted.");
  auto subnets = load_subnets(c.store);
  if (!subnets) return std::unexpected(subnets.error());
  for (const auto& s : *subnets)
    if (s.vpc_id == *id) return std::unexpected(busy);
  auto igws = load_all<InternetGateway>(c.store, kIgwPrefix, "internet gateway");
  if (!igws) return std::unexpected(igws.error());
  for (const auto& g : *igws)
    if (g.vpc_id == *id) return std::unexpected(busy);
  auto eigws = load_all<EgressOnlyInternetGateway>(c.store, kEigwPrefix, "egress-only internet gateway");
  if (!eigws) return std::unexpected(eigws.error());
  for (const auto& g : *eigws)
    if (g.vpc_id == *id) return std::unexpected(busy);
  std::vector<store::Write> writes;
  writes.push_back(store::Write::remove(vpc_key(*id), kv->mod_revision));
  auto groups = c.store.list(kSecurityGroupPrefix);
  if (!groups) return std::unexpected(internal_error(groups.error()));
  for (const auto& g : groups->items) {
    auto sg = decode_stored<SecurityGroup>(g.value, "security group");
    if (!sg) return std::unexpected(internal_error(sg.error()));
    if (sg->vpc_id != *id) continue;
    if (!sg->is_default) return std::unexpected(busy);
    writes.push_back(store::Write::remove(g.key, g.mod_revision));
  }
  auto tables = c.store.list(kRouteTablePrefix);
  if (!tables) return std::unexpected(internal_error(tables.error()));
  for (const auto& t : tables->items) {
    auto rt = decode_stored<RouteTable>(t.value, "route table");
    if (!rt) return std::unexpected(internal_error(rt.error()));
    if (rt->vpc_id != *id) continue;
    if (!rt->is_main()) return std::unexpected(busy);
    writes.push_back(store::Write::remove(t.key, t.mod_revision));
  }
  if (auto r = c.store.commit(writes); !r) return std::unexpected(internal_error(r.error()));
  c.touch(*id);
  return [](aws::XmlWriter& w) { w.leaf("return", "true"); };
}

}  // namespace v6k::ec2
