// CreateSubnet, DescribeSubnets, ModifySubnetAttribute, DeleteSubnet.
#include <algorithm>

#include "ec2/inst_alloc.h"
#include "ec2/inst_query.h"
#include "ec2/ops.h"

namespace v6k::ec2 {
namespace {

std::string zone_list(const RegionConfig& region) {
  std::string out;
  for (const auto& z : region.zones) out += (out.empty() ? "" : ", ") + z.name;
  return out;
}

// `available`: the subnet's free private IPv4 addresses (AWS's reserves and every
// interface's primary and secondary addresses taken).
void write_subnet(aws::XmlWriter& w, const Subnet& s, const RegionConfig& region, bool creating, uint64_t available) {
  w.leaf("subnetId", s.id);
  w.leaf("subnetArn", "arn:aws:ec2:" + region.region + ":" + region.account_id + ":subnet/" + s.id);
  w.leaf("state", creating ? "pending" : "available");
  w.leaf("vpcId", s.vpc_id);
  w.leaf("ownerId", region.account_id);
  w.leaf("cidrBlock", s.cidr.to_string());
  w.start("ipv6CidrBlockAssociationSet");
  if (s.ipv6) {
    w.start("item");
    w.leaf("ipv6CidrBlock", s.ipv6->cidr.to_string());
    w.leaf("associationId", s.ipv6->association_id);
    w.start("ipv6CidrBlockState");
    w.leaf("state", creating ? "associating" : "associated");
    w.end();
    w.end();
  }
  w.end();
  w.leaf("availableIpAddressCount", std::to_string(available));
  w.leaf("availabilityZone", s.availability_zone);
  w.leaf("availabilityZoneId", s.availability_zone_id);
  w.leaf("defaultForAz", "false");
  w.leaf("mapPublicIpOnLaunch", s.map_public_ip_on_launch ? "true" : "false");
  w.leaf("assignIpv6AddressOnCreation", s.assign_ipv6_address_on_creation ? "true" : "false");
  w.leaf("mapCustomerOwnedIpOnLaunch", "false");
  w.leaf("enableDns64", "false");
  w.leaf("ipv6Native", "false");
  w.start("privateDnsNameOptionsOnLaunch");
  w.leaf("hostnameType", "ip-name");
  w.leaf("enableResourceNameDnsARecord", "false");
  w.leaf("enableResourceNameDnsAAAARecord", "false");
  w.end();
  write_tags(w, s.tags);
}

std::optional<std::vector<std::string>> subnet_filter_values(const Subnet& s, const RegionConfig& region,
                                                             const std::string& name) {
  using V = std::vector<std::string>;
  if (name == "subnet-id") return V{s.id};
  if (name == "vpc-id") return V{s.vpc_id};
  if (name == "availability-zone" || name == "availabilityZone") return V{s.availability_zone};
  if (name == "availability-zone-id") return V{s.availability_zone_id};
  if (name == "cidr-block" || name == "cidr" || name == "cidrBlock") return V{s.cidr.to_string()};
  if (name == "ipv6-cidr-block-association.ipv6-cidr-block") return s.ipv6 ? V{s.ipv6->cidr.to_string()} : V{};
  if (name == "ipv6-cidr-block-association.association-id") return s.ipv6 ? V{s.ipv6->association_id} : V{};
  if (name == "state") return V{"available"};
  if (name == "default-for-az" || name == "defaultForAz") return V{"false"};
  if (name == "map-public-ip-on-launch") return V{s.map_public_ip_on_launch ? "true" : "false"};
  if (name == "assign-ipv6-address-on-creation") return V{s.assign_ipv6_address_on_creation ? "true" : "false"};
  if (name == "owner-id") return V{region.account_id};
  bool known = false;
  auto tags = tag_filter_values(s.tags, name, &known);
  if (known) return tags;
  return std::nullopt;
}

}  // namespace

std::expected<Loaded<Subnet>, ApiError> load_subnet(store::Store& st, const std::string& id) {
  auto kv = st.get(subnet_key(id));
  if (!kv) {
    if (kv.error().code() == ENOENT)
      return std::unexpected(api_error("InvalidSubnetID.NotFound", "The subnet ID '" + id + "' does not exist"));
    return std::unexpected(internal_error(kv.error()));
  }
  auto s = subnet_from_json(kv->value);
  if (!s) return std::unexpected(internal_error(s.error()));
  return Loaded<Subnet>{std::move(*s), kv->mod_revision};
}

OpResult create_subnet(OpContext& c) {
  auto vpc_id = required(c.params, "VpcId");
  if (!vpc_id) return std::unexpected(vpc_id.error());
  auto vpc_kv = c.store.get(vpc_key(*vpc_id));
  if (!vpc_kv) {
    if (vpc_kv.error().code() == ENOENT)
      return std::unexpected(api_error("InvalidVpcID.NotFound", "The vpc ID '" + *vpc_id + "' does not exist"));
    return std::unexpected(internal_error(vpc_kv.error()));
  }
  auto vpc = vpc_from_json(vpc_kv->value);
  if (!vpc) return std::unexpected(internal_error(vpc.error()));

  auto cidr_text = c.params.get("CidrBlock");
  if (!cidr_text || cidr_text->empty())
    return std::unexpected(api_error("MissingParameter", "The request must contain the parameter CidrBlock"));
  auto cidr = addr::Ipv4Prefix::parse(*cidr_text);
  if (!cidr)
    return std::unexpected(api_error("InvalidParameterValue", "Value (" + *cidr_text +
                                     ") for parameter cidrBlock is invalid. This is not a valid CIDR block."));
  if (!vpc->cidr.contains(*cidr) || cidr->length() < 16 || cidr->length() > 28)
    return std::unexpected(api_error("InvalidSubnet.Range", "The CIDR '" + *cidr_text + "' is invalid."));

  std::optional<addr::Ipv6Prefix> v6;
  if (auto v6_text = c.params.get("Ipv6CidrBlock"); v6_text && !v6_text->empty()) {
    auto p = addr::Ipv6Prefix::parse(*v6_text);
    if (!p)
      return std::unexpected(api_error("InvalidParameterValue", "Value (" + *v6_text +
                                       ") for parameter ipv6CidrBlock is invalid. This is not a valid IPv6 CIDR block."));
    if (!vpc->ipv6)
      return std::unexpected(api_error("InvalidParameterValue", "The VPC '" + vpc->id + "' does not have an IPv6 CIDR block."));
    if (p->length() != 64)
      return std::unexpected(api_error("InvalidSubnet.Range", "The IPv6 CIDR '" + *v6_text + "' is invalid. Subnets must be a /64."));
    if (!vpc->ipv6->cidr.contains(*p))
      return std::unexpected(api_error("InvalidSubnet.Range", "The IPv6 CIDR '" + *v6_text + "' is not within the VPC's IPv6 CIDR block " +
                                       vpc->ipv6->cidr.to_string() + "."));
    v6 = *p;
  }

  std::string az = c.params.get("AvailabilityZone").value_or("");
  if (auto az_id = c.params.get("AvailabilityZoneId"); az.empty() && az_id) {
    for (const auto& z : c.region.zones)
      if (z.id == *az_id) az = z.name;
    if (az.empty())
      return std::unexpected(api_error("InvalidParameterValue", "Value (" + *az_id + ") for parameter availabilityZoneId is invalid."));
  }
  if (az.empty()) az = c.region.zones.front().name;
  if (!c.region.has_zone(az))
    return std::unexpected(api_error("InvalidParameterValue", "Value (" + az +
                                     ") for parameter availabilityZone is invalid. Subnets can currently only be "
                                     "created in the following availability zones: " + zone_list(c.region) + "."));
  auto tags = tag_specifications(c.params, "subnet");
  if (!tags) return std::unexpected(tags.error());

  auto subnets = load_subnets(c.store);
  if (!subnets) return std::unexpected(subnets.error());
  for (const auto& s : *subnets) {
    if (s.vpc_id != vpc->id) continue;
    if (s.cidr.overlaps(*cidr))
      return std::unexpected(api_error("InvalidSubnet.Conflict", "The CIDR '" + *cidr_text + "' conflicts with another subnet"));
    if (v6 && s.ipv6 && s.ipv6->cidr.overlaps(*v6))
      return std::unexpected(api_error("InvalidSubnet.Conflict", "The CIDR '" + v6->to_string() + "' conflicts with another subnet"));
  }

  Subnet s;
  s.id = new_id("subnet");
  s.vpc_id = vpc->id;
  s.availability_zone = az;
  s.availability_zone_id = c.region.zone_id(az);
  s.cidr = *cidr;
  if (v6) s.ipv6 = Ipv6Block{*v6, new_id("subnet-cidr-assoc")};
  s.tags = *tags;
  if (auto r = c.store.create(subnet_key(s.id), to_json(s).dump()); !r) return std::unexpected(internal_error(r.error()));
  c.touch(s.vpc_id);
  RegionConfig region = c.region;
  return [s, region](aws::XmlWriter& w) {
    w.start("subnet");
    write_subnet(w, s, region, true, s.available_ip_count());
    w.end();
  };
}

OpResult describe_subnets(OpContext& c) {
  auto filters = parse_filters(c.params);
  if (!filters) return std::unexpected(filters.error());
  auto ids_r = param_list(c.params, "SubnetId");
  if (!ids_r) return std::unexpected(ids_r.error());
  const auto& ids = *ids_r;
  auto subnets = load_subnets(c.store);
  if (!subnets) return std::unexpected(subnets.error());
  auto selected = select_described(
      std::move(*subnets), ids, *filters,
      [&](const Subnet& s, const std::string& f) { return subnet_filter_values(s, c.region, f); },
      [](const std::string& id) {
        return api_error("InvalidSubnetID.NotFound", "The subnet ID '" + id + "' does not exist");
      });
  if (!selected) return std::unexpected(selected.error());
  auto enis = load_network_interfaces(c.store);
  if (!enis) return std::unexpected(enis.error());
  std::vector<uint64_t> available;
  for (const auto& s : *selected) available.push_back(SubnetAddresses(s, *enis).free_ipv4_count());
  RegionConfig region = c.region;
  return [out = std::move(*selected), available, region](aws::XmlWriter& w) {
    w.start("subnetSet");
    for (size_t n = 0; n < out.size(); ++n) {
      const auto& s = out[n];
      w.start("item");
      write_subnet(w, s, region, false, available[n]);
      w.end();
    }
    w.end();
  };
}

OpResult modify_subnet_attribute(OpContext& c) {
  auto id = required(c.params, "SubnetId");
  if (!id) return std::unexpected(id.error());
  auto loaded = load_subnet(c.store, *id);
  if (!loaded) return std::unexpected(loaded.error());
  auto& [s, rev] = *loaded;
  auto assign = optional_bool(c.params, "AssignIpv6AddressOnCreation.Value");
  if (!assign) return std::unexpected(assign.error());
  auto map_public = optional_bool(c.params, "MapPublicIpOnLaunch.Value");
  if (!map_public) return std::unexpected(map_public.error());
  if (assign->has_value() == map_public->has_value())
    return std::unexpected(api_error("InvalidParameterCombination",
                                     assign->has_value() ? "Only one attribute can be modified at a time"
                                                         : "The request must contain exactly one attribute to modify"));
  if (assign->has_value()) {
    if (**assign && !s.ipv6)
      return std::unexpected(api_error("InvalidParameterValue", "The subnet '" + s.id +
                                       "' does not have an IPv6 CIDR block, so AssignIpv6AddressOnCreation cannot be enabled."));
    s.assign_ipv6_address_on_creation = **assign;
  } else {
    s.map_public_ip_on_launch = **map_public;
  }
  if (auto r = c.store.update(subnet_key(s.id), to_json(s).dump(), rev); !r) return std::unexpected(internal_error(r.error()));
  return [](aws::XmlWriter& w) { w.leaf("return", "true"); };
}

OpResult delete_subnet(OpContext& c) {
  auto id = required(c.params, "SubnetId");
  if (!id) return std::unexpected(id.error());
  auto loaded = load_subnet(c.store, *id);
  if (!loaded) return std::unexpected(loaded.error());
  // Network interfaces (and so instances) keep a subnet; its route-table association goes
  // with it, in the same commit.
  auto enis = c.store.list(kEniPrefix);
  if (!enis) return std::unexpected(internal_error(enis.error()));
  for (const auto& kv : enis->items) {
    auto eni = decode_stored<NetworkInterface>(kv.value, "network interface");
    if (!eni) return std::unexpected(internal_error(eni.error()));
    if (eni->subnet_id == *id)
      return std::unexpected(
          api_error("DependencyViolation", "The subnet '" + *id + "' has dependencies and cannot be deleted."));
  }
  WriteSet ws;
  ws.remove(subnet_key(*id), loaded->revision);
  auto tables = c.store.list(kRouteTablePrefix);
  if (!tables) return std::unexpected(internal_error(tables.error()));
  for (const auto& kv : tables->items) {
    auto t = decode_stored<RouteTable>(kv.value, "route table");
    if (!t) return std::unexpected(internal_error(t.error()));
    auto before = t->associations.size();
    std::erase_if(t->associations, [&](const RouteTableAssociation& a) { return a.subnet_id == *id; });
    if (t->associations.size() != before) ws.update(kv.key, *t, kv.mod_revision);
  }
  if (auto r = ws.commit(c.store); !r) return std::unexpected(r.error());
  c.touch(loaded->value.vpc_id);
  return [](aws::XmlWriter& w) { w.leaf("return", "true"); };
}

}  // namespace v6k::ec2
