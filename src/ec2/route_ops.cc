// Route tables: CreateRouteTable, DescribeRouteTables, Associate/DisassociateRouteTable,
// DeleteRouteTable, CreateRoute, DeleteRoute.
//
// Only non-local routes are stored; the VPC's local routes (its IPv4 CIDR and, when it has
// one, its IPv6 /56) are rendered into every table. A route whose gateway is gone or no
// longer attached to the table's VPC is kept and shown as "blackhole", as EC2 does.
// Associations whose subnet no longer exists are treated as gone.
#include <algorithm>
#include <map>
#include <set>

#include "ec2/ops.h"

namespace v6k::ec2 {
namespace {

using Values = std::optional<std::vector<std::string>>;

ApiError table_not_found(const std::string& id) {
  return api_error("InvalidRouteTableID.NotFound", "The routeTable ID '" + id + "' does not exist");
}

std::expected<Loaded<RouteTable>, ApiError> load_table(store::Store& s, const std::string& id) {
  auto r = load_one<RouteTable>(s, key_of(kRouteTablePrefix, id), "route table");
  if (!r) return std::unexpected(r.error());
  if (!*r) return std::unexpected(table_not_found(id));
  return std::move(**r);
}

std::expected<Vpc, ApiError> load_vpc(store::Store& s, const std::string& id) {
  auto kv = s.get(vpc_key(id));
  if (!kv) {
    if (kv.error().code() == ENOENT)
      return std::unexpected(api_error("InvalidVpcID.NotFound", "The vpc ID '" + id + "' does not exist"));
    return std::unexpected(internal_error(kv.error()));
  }
  auto v = vpc_from_json(kv->value);
  if (!v) return std::unexpected(internal_error(v.error()));
  return std::move(*v);
}

std::expected<std::set<std::string>, ApiError> subnet_ids(store::Store& s) {
  auto subnets = load_subnets(s);
  if (!subnets) return std::unexpected(subnets.error());
  std::set<std::string> out;
  for (const auto& sn : *subnets) out.insert(sn.id);
  return out;
}

// Everything rendering a table needs besides the table itself.
struct World {
  std::map<std::string, Vpc> vpcs;
  std::set<std::string> subnets;
  std::map<std::string, std::string> igw_vpc;   // igw id -> attached VPC ("" when detached)
  std::map<std::string, std::string> eigw_vpc;  // eigw id -> its VPC
};

std::expected<World, ApiError> load_world(store::Store& s) {
  World w;
  auto vpcs = load_vpcs(s);
  if (!vpcs) return std::unexpected(vpcs.error());
  for (auto& v : *vpcs) w.vpcs.emplace(v.id, std::move(v));
  auto subnets = subnet_ids(s);
  if (!subnets) return std::unexpected(subnets.error());
  w.subnets = std::move(*subnets);
  auto igws = load_all<InternetGateway>(s, kIgwPrefix, "internet gateway");
  if (!igws) return std::unexpected(igws.error());
  for (const auto& g : *igws) w.igw_vpc[g.id] = g.vpc_id;
  auto eigws = load_all<EgressOnlyInternetGateway>(s, kEigwPrefix, "egress-only internet gateway");
  if (!eigws) return std::unexpected(eigws.error());
  for (const auto& g : *eigws) w.eigw_vpc[g.id] = g.vpc_id;
  return w;
}

bool live(const RouteTableAssociation& a, const std::set<std::string>& subnets) {
  return a.main || subnets.count(a.subnet_id) > 0;
}

// A route as DescribeRouteTables shows it.
struct ShownRoute {
  std::string destination;
  bool ipv6 = false;
  std::string gateway_id;  // "local" for the VPC's own ranges
  std::string egress_only_gateway_id;
  std::string origin;  // CreateRouteTable | CreateRoute
  std::string state;   // active | blackhole
};

struct TableView {
  RouteTable table;  // associations already reduced to the live ones
  std::vector<ShownRoute> routes;
};

TableView view_of(const RouteTable& t, const World& w) {
  TableView v;
  v.table = t;
  v.table.associations.clear();
  for (const auto& a : t.associations)
    if (live(a, w.subnets)) v.table.associations.push_back(a);
  if (auto it = w.vpcs.find(t.vpc_id); it != w.vpcs.end()) {
    v.routes.push_back({it->second.cidr.to_string(), false, "local", "", "CreateRouteTable", "active"});
    if (it->second.ipv6)
      v.routes.push_back({it->second.ipv6->cidr.to_string(), true, "local", "", "CreateRouteTable", "active"});
  }
  for (const auto& r : t.routes) {
    bool active = false;
    if (!r.gateway_id.empty()) {
      auto it = w.igw_vpc.find(r.gateway_id);
      active = it != w.igw_vpc.end() && it->second == t.vpc_id;
    } else if (!r.egress_only_gateway_id.empty()) {
      auto it = w.eigw_vpc.find(r.egress_only_gateway_id);
      active = it != w.eigw_vpc.end() && it->second == t.vpc_id;
    }
    v.routes.push_back({r.destination, r.ipv6, r.gateway_id, r.egress_only_gateway_id, "CreateRoute",
                        active ? "active" : "blackhole"});
  }
  return v;
}

void write_association(aws::XmlWriter& w, const RouteTableAssociation& a, const std::string& table_id) {
  w.leaf("main", a.main ? "true" : "false");
  w.leaf("routeTableAssociationId", a.id);
  w.leaf("routeTableId", table_id);
  if (!a.subnet_id.empty()) w.leaf("subnetId", a.subnet_id);
  w.start("associationState");
  w.leaf("state", "associated");
  w.end();
}

void write_table(aws::XmlWriter& w, const TableView& v, const std::string& owner) {
  w.leaf("routeTableId", v.table.id);
  w.leaf("vpcId", v.table.vpc_id);
  w.leaf("ownerId", owner);
  w.start("routeSet");
  for (const auto& r : v.routes) {
    w.start("item");
    w.leaf(r.ipv6 ? "destinationIpv6CidrBlock" : "destinationCidrBlock", r.destination);
    if (!r.gateway_id.empty()) w.leaf("gatewayId", r.gateway_id);
    if (!r.egress_only_gateway_id.empty()) w.leaf("egressOnlyInternetGatewayId", r.egress_only_gateway_id);
    w.leaf("state", r.state);
    w.leaf("origin", r.origin);
    w.end();
  }
  w.end();
  w.start("associationSet");
  for (const auto& a : v.table.associations) {
    w.start("item");
    write_association(w, a, v.table.id);
    w.end();
  }
  w.end();
  w.start("propagatingVgwSet");
  w.end();
  write_tags(w, v.table.tags);
}

Values table_filter_values(const TableView& v, const std::string& owner, const std::string& name) {
  using V = std::vector<std::string>;
  const RouteTable& t = v.table;
  if (name == "route-table-id") return V{t.id};
  if (name == "vpc-id") return V{t.vpc_id};
  if (name == "owner-id") return V{owner};
  V out;
  if (name == "association.route-table-association-id" || name == "association.route-table-id" ||
      name == "association.subnet-id" || name == "association.main") {
    for (const auto& a : t.associations) {
      if (name == "association.route-table-association-id") out.push_back(a.id);
      if (name == "association.route-table-id") out.push_back(t.id);
      if (name == "association.subnet-id" && !a.subnet_id.empty()) out.push_back(a.subnet_id);
      if (name == "association.main") out.push_back(a.main ? "true" : "false");
    }
    return out;
  }
  if (name.rfind("route.", 0) == 0) {
    static const std::set<std::string> known = {
        "route.destination-cidr-block", "route.destination-ipv6-cidr-block", "route.gateway-id",
        "route.egress-only-internet-gateway-id", "route.origin", "route.state"};
    if (!known.count(name)) return std::nullopt;
    for (const auto& r : v.routes) {
      if (name == "route.destination-cidr-block" && !r.ipv6) out.push_back(r.destination);
      if (name == "route.destination-ipv6-cidr-block" && r.ipv6) out.push_back(r.destination);
      if (name == "route.gateway-id" && !r.gateway_id.empty()) out.push_back(r.gateway_id);
      if (name == "route.egress-only-internet-gateway-id" && !r.egress_only_gateway_id.empty())
        out.push_back(r.egress_only_gateway_id);
      if (name == "route.origin") out.push_back(r.origin);
      if (name == "route.state") out.push_back(r.state);
    }
    return out;
  }
  bool known = false;
  auto tags = tag_filter_values(t.tags, name, &known);
  if (known) return tags;
  return std::nullopt;
}

// The one destination of CreateRoute / DeleteRoute, in canonical text.
struct Destination {
  std::string text;
  bool ipv6 = false;
  std::optional<addr::Ipv4Prefix> v4;
  std::optional<addr::Ipv6Prefix> v6;
};

std::expected<Destination, ApiError> parse_destination(const aws::QueryParams& p) {
  auto v4_text = p.get("DestinationCidrBlock");
  auto v6_text = p.get("DestinationIpv6CidrBlock");
  auto list_id = p.get("DestinationPrefixListId");
  int given = (v4_text ? 1 : 0) + (v6_text ? 1 : 0) + (list_id ? 1 : 0);
  if (given == 0)
    return std::unexpected(api_error("MissingParameter", "The request must contain the parameter destinationCidrBlock "
                                     "or destinationIpv6CidrBlock"));
  if (given > 1)
    return std::unexpected(api_error("InvalidParameterCombination", "Only one of destinationCidrBlock, "
                                     "destinationIpv6CidrBlock and destinationPrefixListId may be given"));
  if (list_id)
    return std::unexpected(api_error("UnsupportedOperation", "Prefix list destinations are not supported by this region"));
  Destination d;
  if (v4_text) {
    auto pfx = addr::Ipv4Prefix::parse(*v4_text);
    if (!pfx)
      return std::unexpected(api_error("InvalidParameterValue", "Value (" + *v4_text +
                                       ") for parameter destinationCidrBlock is invalid. This is not a valid CIDR block."));
    d.v4 = *pfx;
    d.text = pfx->to_string();
  } else {
    auto pfx = addr::Ipv6Prefix::parse(*v6_text);
    if (!pfx)
      return std::unexpected(api_error("InvalidParameterValue", "Value (" + *v6_text +
                                       ") for parameter destinationIpv6CidrBlock is invalid. This is not a valid IPv6 "
                                       "CIDR block."));
    d.v6 = *pfx;
    d.text = pfx->to_string();
    d.ipv6 = true;
  }
  return d;
}

// True when `d` is one of the VPC's local ranges or lies inside one.
bool within_local(const Destination& d, const Vpc& vpc) {
  if (d.v4) return vpc.cidr.contains(*d.v4);
  return vpc.ipv6 && vpc.ipv6->cidr.contains(*d.v6);
}
bool is_local(const Destination& d, const Vpc& vpc) {
  if (d.v4) return vpc.cidr == *d.v4;
  return vpc.ipv6 && vpc.ipv6->cidr == *d.v6;
}

std::string dest_param(const Destination& d) {
  return d.ipv6 ? "destination-ipv6-cidr-block" : "destination-cidr-block";
}

OpResult return_true() {
  return [](aws::XmlWriter& w) { w.leaf("return", "true"); };
}

}  // namespace

RouteTable main_route_table_for(const Vpc& vpc) {
  RouteTable t;
  t.id = new_id("rtb");
  t.vpc_id = vpc.id;
  t.associations.push_back({new_id("rtbassoc"), "", true});
  return t;
}

OpResult create_route_table(OpContext& c) {
  auto vpc_id = required(c.params, "VpcId");
  if (!vpc_id) return std::unexpected(vpc_id.error());
  auto tags = tag_specifications(c.params, "route-table");
  if (!tags) return std::unexpected(tags.error());
  auto vpc = load_vpc(c.store, *vpc_id);
  if (!vpc) return std::unexpected(vpc.error());
  RouteTable t;
  t.id = new_id("rtb");
  t.vpc_id = *vpc_id;
  t.tags = *tags;
  WriteSet ws;
  ws.create(key_of(kRouteTablePrefix, t.id), t);
  if (auto r = ws.commit(c.store); !r) return std::unexpected(r.error());
  World w;
  w.vpcs.emplace(vpc->id, *vpc);
  TableView v = view_of(t, w);
  std::string owner = c.region.account_id;
  return [v, owner](aws::XmlWriter& x) {
    x.start("routeTable");
    write_table(x, v, owner);
    x.end();
  };
}

OpResult describe_route_tables(OpContext& c) {
  auto filters = parse_filters(c.params);
  if (!filters) return std::unexpected(filters.error());
  auto ids = param_list(c.params, "RouteTableId");
  if (!ids) return std::unexpected(ids.error());
  auto tables = load_all<RouteTable>(c.store, kRouteTablePrefix, "route table");
  if (!tables) return std::unexpected(tables.error());
  for (const auto& id : *ids)
    if (std::none_of(tables->begin(), tables->end(), [&](const RouteTable& t) { return t.id == id; }))
      return std::unexpected(table_not_found(id));
  auto world = load_world(c.store);
  if (!world) return std::unexpected(world.error());
  const std::string owner = c.region.account_id;
  std::vector<TableView> out;
  for (const auto& t : *tables) {
    if (!ids->empty() && std::find(ids->begin(), ids->end(), t.id) == ids->end()) continue;
    TableView v = view_of(t, *world);
    auto ok = matches(*filters, [&](const std::string& f) { return table_filter_values(v, owner, f); });
    if (!ok) return std::unexpected(ok.error());
    if (*ok) out.push_back(std::move(v));
  }
  return [out, owner](aws::XmlWriter& w) {
    w.start("routeTableSet");
    for (const auto& v : out) {
      w.start("item");
      write_table(w, v, owner);
      w.end();
    }
    w.end();
  };
}

OpResult associate_route_table(OpContext& c) {
  auto table_id = required(c.params, "RouteTableId");
  if (!table_id) return std::unexpected(table_id.error());
  if (c.params.get("GatewayId"))
    return std::unexpected(api_error("UnsupportedOperation", "Gateway route table associations are not supported by "
                                     "this region; associate a subnet (SubnetId)"));
  auto subnet_id = required(c.params, "SubnetId");
  if (!subnet_id) return std::unexpected(subnet_id.error());
  auto t = load_table(c.store, *table_id);
  if (!t) return std::unexpected(t.error());
  auto subnets = load_subnets(c.store);
  if (!subnets) return std::unexpected(subnets.error());
  auto sn = std::find_if(subnets->begin(), subnets->end(), [&](const Subnet& s) { return s.id == *subnet_id; });
  if (sn == subnets->end())
    return std::unexpected(api_error("InvalidSubnetID.NotFound", "The subnet ID '" + *subnet_id + "' does not exist"));
  if (sn->vpc_id != t->value.vpc_id)
    return std::unexpected(api_error("InvalidParameterValue", "Route table " + *table_id + " and network " + *subnet_id +
                                     " belong to different networks"));
  auto tables = load_all<RouteTable>(c.store, kRouteTablePrefix, "route table");
  if (!tables) return std::unexpected(tables.error());
  for (const auto& other : *tables)
    for (const auto& a : other.associations)
      if (!a.main && a.subnet_id == *subnet_id)
        return std::unexpected(api_error("Resource.AlreadyAssociated", "the specified association for route table " +
                                         *table_id + " conflicts with an existing association"));
  RouteTableAssociation a{new_id("rtbassoc"), *subnet_id, false};
  t->value.associations.push_back(a);
  WriteSet ws;
  ws.update(key_of(kRouteTablePrefix, *table_id), t->value, t->revision);
  if (auto r = ws.commit(c.store); !r) return std::unexpected(r.error());
  c.touch(t->value.vpc_id);
  return [a](aws::XmlWriter& w) {
    w.leaf("associationId", a.id);
    w.start("associationState");
    w.leaf("state", "associated");
    w.end();
  };
}

OpResult disassociate_route_table(OpContext& c) {
  auto assoc_id = required(c.params, "AssociationId");
  if (!assoc_id) return std::unexpected(assoc_id.error());
  auto tables = load_all<RouteTable>(c.store, kRouteTablePrefix, "route table");
  if (!tables) return std::unexpected(tables.error());
  auto subnets = subnet_ids(c.store);
  if (!subnets) return std::unexpected(subnets.error());
  std::string table_id;
  for (const auto& t : *tables)
    for (const auto& a : t.associations)
      if (a.id == *assoc_id && live(a, *subnets)) {
        if (a.main)
          return std::unexpected(api_error("InvalidParameterValue", "cannot disassociate the main route table "
                                           "association " + *assoc_id));
        table_id = t.id;
      }
  if (table_id.empty())
    return std::unexpected(api_error("InvalidAssociationID.NotFound", "The association ID '" + *assoc_id +
                                     "' does not exist"));
  auto t = load_table(c.store, table_id);
  if (!t) return std::unexpected(t.error());
  auto& as = t->value.associations;
  as.erase(std::remove_if(as.begin(), as.end(), [&](const RouteTableAssociation& a) { return a.id == *assoc_id; }),
           as.end());
  WriteSet ws;
  ws.update(key_of(kRouteTablePrefix, table_id), t->value, t->revision);
  if (auto r = ws.commit(c.store); !r) return std::unexpected(r.error());
  c.touch(t->value.vpc_id);
  return return_true();
}

OpResult delete_route_table(OpContext& c) {
  auto table_id = required(c.params, "RouteTableId");
  if (!table_id) return std::unexpected(table_id.error());
  auto t = load_table(c.store, *table_id);
  if (!t) return std::unexpected(t.error());
  auto subnets = subnet_ids(c.store);
  if (!subnets) return std::unexpected(subnets.error());
  for (const auto& a : t->value.associations)
    if (live(a, *subnets))
      return std::unexpected(api_error("DependencyViolation", "The routeTable '" + *table_id +
                                       "' has dependencies and cannot be deleted."));
  WriteSet ws;
  ws.remove(key_of(kRouteTablePrefix, *table_id), t->revision);
  if (auto r = ws.commit(c.store); !r) return std::unexpected(r.error());
  return return_true();
}

OpResult create_route(OpContext& c) {
  auto table_id = required(c.params, "RouteTableId");
  if (!table_id) return std::unexpected(table_id.error());
  auto dest = parse_destination(c.params);
  if (!dest) return std::unexpected(dest.error());

  // Exactly one target; only the two gateway kinds this region realises.
  static const char* const kTargets[] = {"GatewayId", "EgressOnlyInternetGatewayId", "NatGatewayId", "InstanceId",
                                         "NetworkInterfaceId", "VpcPeeringConnectionId", "TransitGatewayId",
                                         "LocalGatewayId", "CarrierGatewayId", "VpcEndpointId", "CoreNetworkArn"};
  std::vector<std::string> given;
  for (const char* name : kTargets)
    if (auto v = c.params.get(name); v && !v->empty()) given.push_back(name);
  if (given.empty())
    return std::unexpected(api_error("MissingParameter", "The request must contain exactly one of gatewayId, "
                                     "egressOnlyInternetGatewayId, natGatewayId, networkInterfaceId, instanceId, "
                                     "vpcPeeringConnectionId, transitGatewayId, localGatewayId, carrierGatewayId, "
                                     "vpcEndpointId or coreNetworkArn"));
  if (given.size() > 1)
    return std::unexpected(api_error("InvalidParameterCombination", "More than one target specified: " + given[0] +
                                     " and " + given[1]));
  if (given[0] != "GatewayId" && given[0] != "EgressOnlyInternetGatewayId")
    return std::unexpected(api_error("UnsupportedOperation", given[0] + " route targets are not supported by this "
                                     "region; use GatewayId (igw-...) or EgressOnlyInternetGatewayId (eigw-...)"));

  auto t = load_table(c.store, *table_id);
  if (!t) return std::unexpected(t.error());
  auto vpc = load_vpc(c.store, t->value.vpc_id);
  if (!vpc) return std::unexpected(vpc.error());

  Route route;
  route.destination = dest->text;
  route.ipv6 = dest->ipv6;
  if (given[0] == "GatewayId") {
    route.gateway_id = *c.params.get("GatewayId");
    auto g = load_one<InternetGateway>(c.store, key_of(kIgwPrefix, route.gateway_id), "internet gateway");
    if (!g) return std::unexpected(g.error());
    if (!*g)
      return std::unexpected(api_error("InvalidGatewayID.NotFound", "The gateway ID '" + route.gateway_id +
                                       "' does not exist"));
    if ((*g)->value.vpc_id != vpc->id)
      return std::unexpected(api_error("InvalidParameterValue", "route table " + *table_id + " and network gateway " +
                                       route.gateway_id + " belong to different networks"));
  } else {
    route.egress_only_gateway_id = *c.params.get("EgressOnlyInternetGatewayId");
    auto g = load_one<EgressOnlyInternetGateway>(c.store, key_of(kEigwPrefix, route.egress_only_gateway_id),
                                                 "egress-only internet gateway");
    if (!g) return std::unexpected(g.error());
    if (!*g)
      return std::unexpected(api_error("InvalidGatewayID.NotFound", "The gateway ID '" + route.egress_only_gateway_id +
                                       "' does not exist"));
    if ((*g)->value.vpc_id != vpc->id)
      return std::unexpected(api_error("InvalidParameterValue", "route table " + *table_id + " and network gateway " +
                                       route.egress_only_gateway_id + " belong to different networks"));
    if (!dest->ipv6)
      return std::unexpected(api_error("InvalidParameterValue", "An egress-only internet gateway can only be the "
                                       "target of an IPv6 route (destinationIpv6CidrBlock)"));
  }

  if (is_local(*dest, *vpc))
    return std::unexpected(api_error("RouteAlreadyExists", "The route identified by " + dest->text + " already exists."));
  if (within_local(*dest, *vpc))
    return std::unexpected(api_error("InvalidParameterValue", "The destination CIDR block " + dest->text +
                                     " is equal to or more specific than one of this VPC's CIDR blocks. This route "
                                     "can target only an interface or an instance."));
  for (const auto& r : t->value.routes)
    if (r.ipv6 == dest->ipv6 && r.destination == dest->text)
      return std::unexpected(api_error("RouteAlreadyExists", "The route identified by " + dest->text + " already exists."));

  t->value.routes.push_back(route);
  WriteSet ws;
  ws.update(key_of(kRouteTablePrefix, *table_id), t->value, t->revision);
  if (auto r = ws.commit(c.store); !r) return std::unexpected(r.error());
  c.touch(vpc->id);
  return return_true();
}

OpResult delete_route(OpContext& c) {
  auto table_id = required(c.params, "RouteTableId");
  if (!table_id) return std::unexpected(table_id.error());
  auto dest = parse_destination(c.params);
  if (!dest) return std::unexpected(dest.error());
  auto t = load_table(c.store, *table_id);
  if (!t) return std::unexpected(t.error());
  auto vpc = load_vpc(c.store, t->value.vpc_id);
  if (!vpc) return std::unexpected(vpc.error());
  if (is_local(*dest, *vpc))
    return std::unexpected(api_error("InvalidParameterValue", "cannot remove local route " + dest->text +
                                     " in route table " + *table_id));
  auto& routes = t->value.routes;
  auto it = std::find_if(routes.begin(), routes.end(),
                         [&](const Route& r) { return r.ipv6 == dest->ipv6 && r.destination == dest->text; });
  if (it == routes.end())
    return std::unexpected(api_error("InvalidRoute.NotFound", "no route with " + dest_param(*dest) + " " + dest->text +
                                     " in route table " + *table_id));
  routes.erase(it);
  WriteSet ws;
  ws.update(key_of(kRouteTablePrefix, *table_id), t->value, t->revision);
  if (auto r = ws.commit(c.store); !r) return std::unexpected(r.error());
  c.touch(vpc->id);
  return return_true();
}

}  // namespace v6k::ec2
