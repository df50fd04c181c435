// Internet gateways (CreateInternetGateway, Attach/Detach, Describe, Delete) and egress-only
// internet gateways (Create, Describe, Delete). Attaching or detaching a gateway changes what
// the fabric realises for that VPC, so those calls touch() it.
#include <algorithm>

#include "ec2/ops.h"

namespace v6k::ec2 {
namespace {

using Values = std::optional<std::vector<std::string>>;

ApiError igw_not_found(const std::string& id) {
  return api_error("InvalidInternetGatewayID.NotFound", "The internetGateway ID '" + id + "' does not exist");
}
ApiError eigw_not_found(const std::string& id) {
  return api_error("InvalidEgressOnlyInternetGatewayId.NotFound",
                   "The egress-only internet gateway ID '" + id + "' does not exist");
}

std::expected<Loaded<InternetGateway>, ApiError> load_igw(store::Store& s, const std::string& id) {
  auto r = load_one<InternetGateway>(s, key_of(kIgwPrefix, id), "internet gateway");
  if (!r) return std::unexpected(r.error());
  if (!*r) return std::unexpected(igw_not_found(id));
  return std::move(**r);
}

std::expected<Loaded<EgressOnlyInternetGateway>, ApiError> load_eigw(store::Store& s, const std::string& id) {
  auto r = load_one<EgressOnlyInternetGateway>(s, key_of(kEigwPrefix, id), "egress-only internet gateway");
  if (!r) return std::unexpected(r.error());
  if (!*r) return std::unexpected(eigw_not_found(id));
  return std::move(**r);
}

// The VPC must exist; its content is not needed here.
std::expected<void, ApiError> require_vpc(store::Store& s, const std::string& id) {
  auto kv = s.get(vpc_key(id));
  if (kv) return {};
  if (kv.error().code() == ENOENT)
    return std::unexpected(api_error("InvalidVpcID.NotFound", "The vpc ID '" + id + "' does not exist"));
  return std::unexpected(internal_error(kv.error()));
}

// EC2 reports an attached internet gateway's attachment state as "available".
void write_igw(aws::XmlWriter& w, const InternetGateway& g, const std::string& owner) {
  w.start("attachmentSet");
  if (!g.vpc_id.empty()) {
    w.start("item");
    w.leaf("state", "available");
    w.leaf("vpcId", g.vpc_id);
    w.end();
  }
  w.end();
  w.leaf("internetGatewayId", g.id);
  w.leaf("ownerId", owner);
  write_tags(w, g.tags);
}

void write_eigw(aws::XmlWriter& w, const EgressOnlyInternetGateway& g) {
  w.start("attachmentSet");
  w.start("item");
  w.leaf("state", "attached");
  w.leaf("vpcId", g.vpc_id);
  w.end();
  w.end();
  w.leaf("egressOnlyInternetGatewayId", g.id);
  write_tags(w, g.tags);
}

Values igw_filter_values(const InternetGateway& g, const std::string& owner, const std::string& name) {
  using V = std::vector<std::string>;
  if (name == "internet-gateway-id") return V{g.id};
  if (name == "attachment.vpc-id") return g.vpc_id.empty() ? V{} : V{g.vpc_id};
  if (name == "attachment.state") return g.vpc_id.empty() ? V{} : V{"available"};
  if (name == "owner-id") return V{owner};
  bool known = false;
  auto tags = tag_filter_values(g.tags, name, &known);
  if (known) return tags;
  return std::nullopt;
}

// EC2 documents only tag filters for egress-only gateways.
Values eigw_filter_values(const EgressOnlyInternetGateway& g, const std::string& name) {
  bool known = false;
  auto tags = tag_filter_values(g.tags, name, &known);
  if (known) return tags;
  return std::nullopt;
}

OpResult return_true() {
  return [](aws::XmlWriter& w) { w.leaf("return", "true"); };
}

}  // namespace

OpResult create_internet_gateway(OpContext& c) {
  auto tags = tag_specifications(c.params, "internet-gateway");
  if (!tags) return std::unexpected(tags.error());
  InternetGateway g;
  g.id = new_id("igw");
  g.tags = *tags;
  WriteSet ws;
  ws.create(key_of(kIgwPrefix, g.id), g);
  if (auto r = ws.commit(c.store); !r) return std::unexpected(r.error());
  std::string owner = c.region.account_id;
  return [g, owner](aws::XmlWriter& w) {
    w.start("internetGateway");
    write_igw(w, g, owner);
    w.end();
  };
}

OpResult attach_internet_gateway(OpContext& c) {
  auto igw_id = required(c.params, "InternetGatewayId");
  if (!igw_id) return std::unexpected(igw_id.error());
  auto vpc_id = required(c.params, "VpcId");
  if (!vpc_id) return std::unexpected(vpc_id.error());
  auto g = load_igw(c.store, *igw_id);
  if (!g) return std::unexpected(g.error());
  if (auto r = require_vpc(c.store, *vpc_id); !r) return std::unexpected(r.error());
  if (!g->value.vpc_id.empty())
    return std::unexpected(api_error("Resource.AlreadyAssociated", "resource " + *igw_id +
                                     " is already attached to network " + g->value.vpc_id));
  auto all = load_all<InternetGateway>(c.store, kIgwPrefix, "internet gateway");
  if (!all) return std::unexpected(all.error());
  for (const auto& other : *all)
    if (other.vpc_id == *vpc_id)
      return std::unexpected(api_error("InvalidParameterValue", "Network " + *vpc_id +
                                       " already has an internet gateway attached"));
  g->value.vpc_id = *vpc_id;
  WriteSet ws;
  ws.update(key_of(kIgwPrefix, *igw_id), g->value, g->revision);
  if (auto r = ws.commit(c.store); !r) return std::unexpected(r.error());
  c.touch(*vpc_id);
  return return_true();
}

OpResult detach_internet_gateway(OpContext& c) {
  auto igw_id = required(c.params, "InternetGatewayId");
  if (!igw_id) return std::unexpected(igw_id.error());
  auto vpc_id = required(c.params, "VpcId");
  if (!vpc_id) return std::unexpected(vpc_id.error());
  auto g = load_igw(c.store, *igw_id);
  if (!g) return std::unexpected(g.error());
  if (auto r = require_vpc(c.store, *vpc_id); !r) return std::unexpected(r.error());
  if (g->value.vpc_id != *vpc_id)
    return std::unexpected(api_error("Gateway.NotAttached", "resource " + *igw_id + " is not attached to network " + *vpc_id));
  // As EC2: public IPv4 addresses are NATed at the gateway, so it stays while any is mapped.
  auto enis = load_all<NetworkInterface>(c.store, kEniPrefix, "network interface");
  if (!enis) return std::unexpected(enis.error());
  for (const auto& e : *enis)
    if (e.vpc_id == *vpc_id && e.public_ipv4)
      return std::unexpected(api_error("DependencyViolation", "Network " + *vpc_id +
                                       " has some mapped public address(es). Please unmap those public address(es) "
                                       "before detaching the gateway."));
  g->value.vpc_id.clear();
  WriteSet ws;
  ws.update(key_of(kIgwPrefix, *igw_id), g->value, g->revision);
  if (auto r = ws.commit(c.store); !r) return std::unexpected(r.error());
  c.touch(*vpc_id);
  return return_true();
}

OpResult describe_internet_gateways(OpContext& c) {
  auto filters = parse_filters(c.params);
  if (!filters) return std::unexpected(filters.error());
  auto ids = param_list(c.params, "InternetGatewayId");
  if (!ids) return std::unexpected(ids.error());
  auto all = load_all<InternetGateway>(c.store, kIgwPrefix, "internet gateway");
  if (!all) return std::unexpected(all.error());
  const std::string owner = c.region.account_id;
  auto selected = select_described(
      std::move(*all), *ids, *filters,
      [&](const InternetGateway& g, const std::string& f) { return igw_filter_values(g, owner, f); }, igw_not_found);
  if (!selected) return std::unexpected(selected.error());
  return [out = std::move(*selected), owner](aws::XmlWriter& w) {
    w.start("internetGatewaySet");
    for (const auto& g : out) {
      w.start("item");
      write_igw(w, g, owner);
      w.end();
    }
    w.end();
  };
}

OpResult delete_internet_gateway(OpContext& c) {
  auto igw_id = required(c.params, "InternetGatewayId");
  if (!igw_id) return std::unexpected(igw_id.error());
  auto g = load_igw(c.store, *igw_id);
  if (!g) return std::unexpected(g.error());
  if (!g->value.vpc_id.empty())
    return std::unexpected(api_error("DependencyViolation", "The internetGateway '" + *igw_id +
                                     "' has dependencies and cannot be deleted."));
  // Routes that still name it stay and show as blackhole, as in EC2.
  WriteSet ws;
  ws.remove(key_of(kIgwPrefix, *igw_id), g->revision);
  if (auto r = ws.commit(c.store); !r) return std::unexpected(r.error());
  return return_true();
}

OpResult create_egress_only_internet_gateway(OpContext& c) {
  auto vpc_id = required(c.params, "VpcId");
  if (!vpc_id) return std::unexpected(vpc_id.error());
  auto tags = tag_specifications(c.params, "egress-only-internet-gateway");
  if (!tags) return std::unexpected(tags.error());
  if (auto r = require_vpc(c.store, *vpc_id); !r) return std::unexpected(r.error());
  // ClientToken is echoed; the stored gateway has no field to remember it by, so a retry
  // with the same token creates a second gateway (see the report on resources.h).
  const std::string token = c.params.get("ClientToken").value_or("");
  EgressOnlyInternetGateway g;
  g.id = new_id("eigw");
  g.vpc_id = *vpc_id;
  g.tags = *tags;
  WriteSet ws;
  ws.create(key_of(kEigwPrefix, g.id), g);
  if (auto r = ws.commit(c.store); !r) return std::unexpected(r.error());
  c.touch(*vpc_id);
  return [g, token](aws::XmlWriter& w) {
    if (!token.empty()) w.leaf("clientToken", token);
    w.start("egressOnlyInternetGateway");
    write_eigw(w, g);
    w.end();
  };
}

OpResult describe_egress_only_internet_gateways(OpContext& c) {
  auto filters = parse_filters(c.params);
  if (!filters) return std::unexpected(filters.error());
  auto ids = param_list(c.params, "EgressOnlyInternetGatewayId");
  if (!ids) return std::unexpected(ids.error());
  auto all = load_all<EgressOnlyInternetGateway>(c.store, kEigwPrefix, "egress-only internet gateway");
  if (!all) return std::unexpected(all.error());
  auto selected = select_described(
      std::move(*all), *ids, *filters,
      [](const EgressOnlyInternetGateway& g, const std::string& f) { return eigw_filter_values(g, f); },
      eigw_not_found);
  if (!selected) return std::unexpected(selected.error());
  return [out = std::move(*selected)](aws::XmlWriter& w) {
    w.start("egressOnlyInternetGatewaySet");
    for (const auto& g : out) {
      w.start("item");
      write_eigw(w, g);
      w.end();
    }
    w.end();
  };
}

OpResult delete_egress_only_internet_gateway(OpContext& c) {
  auto id = required(c.params, "EgressOnlyInternetGatewayId");
  if (!id) return std::unexpected(id.error());
  auto g = load_eigw(c.store, *id);
  if (!g) return std::unexpected(g.error());
  WriteSet ws;
  ws.remove(key_of(kEigwPrefix, *id), g->revision);
  if (auto r = ws.commit(c.store); !r) return std::unexpected(r.error());
  c.touch(g->value.vpc_id);
  return [](aws::XmlWriter& w) { w.leaf("returnCode", "true"); };
}

}  // namespace v6k::ec2
