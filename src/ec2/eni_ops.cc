// DescribeNetworkInterfaces, AssignIpv6Addresses, UnassignIpv6Addresses.
//
// Network interfaces are created and deleted with their instance (instance_ops.cc); here
// they are listed, and their IPv6 addresses and delegated /80 prefixes (what the VPC CNI
// asks for on an IPv6 node) are added and removed. Every new address or prefix comes from
// SubnetAddresses, which sees every interface of the subnet, so nothing is handed out twice.
#include <algorithm>
#include <memory>
#include <set>
#include <unordered_map>

#include "ec2/inst_alloc.h"
#include "ec2/inst_launch.h"
#include "ec2/inst_query.h"
#include "ec2/inst_xml.h"
#include "ec2/ops.h"

namespace v6k::ec2 {
namespace {

std::optional<std::vector<std::string>> eni_filter_values(const NetworkInterface& e, const GroupNames& groups,
                                                          const RegionConfig& region, const std::string& name) {
  using V = std::vector<std::string>;
  const bool attached = !e.instance_id.empty();
  if (name == "network-interface-id") return V{e.id};
  if (name == "subnet-id") return V{e.subnet_id};
  if (name == "vpc-id") return V{e.vpc_id};
  if (name == "availability-zone") return V{e.availability_zone};
  if (name == "description") return V{e.description};
  if (name == "status") return V{e.status};
  if (name == "mac-address") return V{e.mac};
  if (name == "owner-id") return V{region.account_id};
  if (name == "interface-type") return V{"interface"};
  if (name == "requester-managed") return V{"false"};
  if (name == "source-dest-check") return V{"true"};
  if (name == "private-ip-address") return V{e.private_ipv4.to_string()};
  if (name == "addresses.private-ip-address") {
    V out{e.private_ipv4.to_string()};
    for (const auto& a : e.ipv4_secondaries) out.push_back(a.to_string());
    return out;
  }
  if (name == "addresses.primary") return e.ipv4_secondaries.empty() ? V{"true"} : V{"true", "false"};
  if (name == "private-dns-name") return V{private_dns_name(e.private_ipv4, region.region)};
  if (name == "ipv6-addresses.ipv6-address" || name == "ipv6-address") {
    V out;
    for (const auto& a : e.ipv6_addresses) out.push_back(a.to_string());
    return out;
  }
  if (name == "group-id") return e.security_group_ids;
  if (name == "group-name") {
    V out;
    for (const auto& g : e.security_group_ids)
      if (auto it = groups.find(g); it != groups.end()) out.push_back(it->second);
    return out;
  }
  if (name == "association.public-ip" || name == "addresses.association.public-ip")
    return e.public_ipv4 ? V{e.public_ipv4->to_string()} : V{};
  if (name == "association.ip-owner-id") return e.public_ipv4 ? V{"amazon"} : V{};
  if (name == "attachment.instance-id") return attached ? V{e.instance_id} : V{};
  if (name == "attachment.instance-owner-id") return attached ? V{region.account_id} : V{};
  if (name == "attachment.attachment-id") return attached ? V{e.attachment_id} : V{};
  if (name == "attachment.device-index") return attached ? V{std::to_string(e.device_index)} : V{};
  if (name == "attachment.status") return attached ? V{"attached"} : V{};
  if (name == "attachment.delete-on-termination") return attached ? V{"true"} : V{};
  bool known = false;
  auto tags = tag_filter_values(e.tags, name, &known);
  if (known) return tags;
  return std::nullopt;
}

ApiError claim_error(AddressClaim c, const std::string& what, const NetworkInterface& e) {
  switch (c) {
    case AddressClaim::kOutside:
      return api_error("InvalidParameterValue", what + " is not within the IPv6 CIDR block of subnet " + e.subnet_id + ".");
    case AddressClaim::kReserved:
      return api_error("InvalidParameterValue", what + " is reserved by AWS in subnet " + e.subnet_id + ".");
    default:
      return api_error("InvalidIPAddress.InUse", what + " is in use.");
  }
}

std::expected<std::optional<long long>, ApiError> positive_int(const aws::QueryParams& p, const std::string& name,
                                                               const std::string& wire_name) {
  auto v = p.get_int(name);
  if (!v) return std::unexpected(api_error("InvalidParameterValue", v.error().what()));
  if (*v && (**v < 1 || **v > kMaxIpv6PerInterface))
    return std::unexpected(api_error("InvalidParameterValue", "Value (" + std::to_string(**v) + ") for parameter " +
                                     wire_name + " is invalid. Expected a value between 1 and " +
                                     std::to_string(kMaxIpv6PerInterface) + "."));
  return *v;
}

}  // namespace

std::expected<Loaded<NetworkInterface>, ApiError> load_eni(store::Store& s, const std::string& id) {
  if (auto r = check_id_format(id, "eni", "InvalidNetworkInterfaceID.Malformed"); !r) return std::unexpected(r.error());
  auto e = load_one<NetworkInterface>(s, key_of(kEniPrefix, id), "network interface");
  if (!e) return std::unexpected(e.error());
  if (!*e) return std::unexpected(ids_not_found("InvalidNetworkInterfaceID.NotFound", "networkInterface", {id}));
  return std::move(**e);
}

OpResult describe_network_interfaces(OpContext& c) {
  auto filters = parse_filters(c.params);
  if (!filters) return std::unexpected(filters.error());
  auto ids = param_list(c.params, "NetworkInterfaceId");
  if (!ids) return std::unexpected(ids.error());
  auto page = parse_page_request(c.params);
  if (!page) return std::unexpected(page.error());
  if (page->max_results && !ids->empty())
    return std::unexpected(api_error("InvalidParameterCombination",
                                     "The parameter networkInterfaceIdSet cannot be used with the parameter maxResults"));
  for (const auto& id : *ids)
    if (auto r = check_id_format(id, "eni", "InvalidNetworkInterfaceID.Malformed"); !r) return std::unexpected(r.error());

  auto enis = load_network_interfaces(c.store);
  if (!enis) return std::unexpected(enis.error());
  if (!ids->empty()) {
    std::set<std::string> wanted(ids->begin(), ids->end()), stored;
    for (const auto& e : *enis) stored.insert(e->id);
    std::vector<std::string> missing;
    for (const auto& id : wanted)
      if (!stored.count(id)) missing.push_back(id);
    if (!missing.empty())
      return std::unexpected(ids_not_found("InvalidNetworkInterfaceID.NotFound", "networkInterface", missing));
    std::erase_if(*enis, [&](const EniPtr& e) { return !wanted.count(e->id); });
  }
  auto groups = load_group_names(c.store);
  if (!groups) return std::unexpected(groups.error());

  // Listed in id order (the store's key order), which is also the page order.
  std::sort(enis->begin(), enis->end(), [](const auto& a, const auto& b) { return a->id < b->id; });
  std::vector<EniPtr> out;
  std::string next_token;
  for (auto& e : *enis) {
    if (page->after && e->id <= *page->after) continue;
    auto ok = matches(*filters, [&](const std::string& f) { return eni_filter_values(*e, *groups, c.region, f); });
    if (!ok) return std::unexpected(ok.error());
    if (!*ok) continue;
    if (page->max_results && static_cast<long long>(out.size()) == *page->max_results) {
      next_token = page_token(out.back()->id);
      break;
    }
    out.push_back(std::move(e));
  }

  // The attachment time is the instance's launch time (interfaces are attached at launch).
  std::unordered_map<std::string, std::string> attach_times;
  if (std::any_of(out.begin(), out.end(), [](const auto& e) { return !e->instance_id.empty(); })) {
    auto instances = load_instances(c.store);
    if (!instances) return std::unexpected(instances.error());
    for (const auto& i : *instances) attach_times.emplace(i->id, i->launch_time);
  }

  auto shared = std::make_shared<const std::vector<EniPtr>>(std::move(out));
  auto names = std::make_shared<const GroupNames>(std::move(*groups));
  auto times = std::make_shared<const std::unordered_map<std::string, std::string>>(std::move(attach_times));
  RegionConfig region = c.region;
  return [shared, names, times, region, next_token](aws::XmlWriter& w) {
    w.start("networkInterfaceSet");
    for (const auto& e : *shared) {
      auto t = times->find(e->instance_id);
      write_network_interface(w, *e, *names, region, t == times->end() ? std::string() : t->second);
    }
    w.end();
    if (!next_token.empty()) w.leaf("nextToken", next_token);
  };
}

OpResult assign_ipv6_addresses(OpContext& c) {
  auto id = required(c.params, "NetworkInterfaceId");
  if (!id) return std::unexpected(id.error());
  auto count = positive_int(c.params, "Ipv6AddressCount", "ipv6AddressCount");
  if (!count) return std::unexpected(count.error());
  auto address_texts = param_list(c.params, "Ipv6Addresses");
  if (!address_texts) return std::unexpected(address_texts.error());
  auto prefix_count = positive_int(c.params, "Ipv6PrefixCount", "ipv6PrefixCount");
  if (!prefix_count) return std::unexpected(prefix_count.error());
  auto prefix_texts = param_list(c.params, "Ipv6Prefix");
  if (!prefix_texts) return std::unexpected(prefix_texts.error());

  if (*count && !address_texts->empty())
    return std::unexpected(api_error("InvalidParameterCombination",
                                     "IPv6 addresses and IPv6 address count may not be specified on the same request"));
  if (*prefix_count && !prefix_texts->empty())
    return std::unexpected(api_error("InvalidParameterCombination",
                                     "IPv6 prefixes and IPv6 prefix count may not be specified on the same request"));
  if (!*count && address_texts->empty() && !*prefix_count && prefix_texts->empty())
    return std::unexpected(api_error("MissingParameter", "The request must contain one of the parameters "
                                     "ipv6AddressCount, ipv6Addresses, Ipv6PrefixCount or Ipv6Prefix"));
  std::vector<addr::Ipv6Address> addresses;
  for (const auto& t : *address_texts) {
    auto a = parse_ipv6_param(t, "ipv6Addresses");
    if (!a) return std::unexpected(a.error());
    addresses.push_back(*a);
  }
  std::vector<addr::Ipv6Prefix> prefixes;
  for (const auto& t : *prefix_texts) {
    auto p = parse_prefix80_param(t, "Ipv6Prefix");
    if (!p) return std::unexpected(p.error());
    prefixes.push_back(*p);
  }

  auto loaded = load_eni(c.store, *id);
  if (!loaded) return std::unexpected(loaded.error());
  NetworkInterface& e = loaded->value;
  auto loaded_subnet = load_subnet(c.store, e.subnet_id);
  if (!loaded_subnet) return std::unexpected(loaded_subnet.error());
  const Subnet* subnet = &loaded_subnet->value;
  if (!subnet->ipv6)
    return std::unexpected(api_error("InvalidParameterValue", "The subnet '" + subnet->id + "' of network interface " +
                                     e.id + " does not have an IPv6 CIDR block."));
  const long long new_addresses = count->value_or(static_cast<long long>(addresses.size()));
  const long long new_prefixes = prefix_count->value_or(static_cast<long long>(prefixes.size()));
  if (static_cast<long long>(e.ipv6_addresses.size()) + new_addresses > kMaxIpv6PerInterface ||
      static_cast<long long>(e.ipv6_prefixes.size()) + new_prefixes > kMaxIpv6PerInterface)
    return std::unexpected(api_error("InvalidParameterValue", "Network interface " + e.id + " would exceed the limit of " +
                                     std::to_string(kMaxIpv6PerInterface) +
                                     " IPv6 addresses and " + std::to_string(kMaxIpv6PerInterface) + " IPv6 prefixes."));

  auto enis = load_network_interfaces(c.store);
  if (!enis) return std::unexpected(enis.error());
  SubnetAddresses alloc(*subnet, *enis);
  std::vector<addr::Ipv6Address> assigned;
  std::vector<addr::Ipv6Prefix> delegated;
  for (const auto& a : addresses) {
    if (auto r = alloc.claim_ipv6(a); r != AddressClaim::kOk)
      return std::unexpected(claim_error(r, "Address " + a.to_string(), e));
    assigned.push_back(a);
  }
  for (const auto& p : prefixes) {
    if (auto r = alloc.claim_prefix80(p); r != AddressClaim::kOk)
      return std::unexpected(claim_error(r, "Prefix " + p.to_string(), e));
    delegated.push_back(p);
  }
  for (long long n = 0; n < count->value_or(0); ++n) {
    auto a = alloc.next_ipv6();
    if (!a) return std::unexpected(api_error("InsufficientFreeAddressesInSubnet", "There are not enough free IPv6 addresses in subnet '" + subnet->id + "'."));
    assigned.push_back(*a);
  }
  for (long long n = 0; n < prefix_count->value_or(0); ++n) {
    auto p = alloc.next_prefix80();
    if (!p) return std::unexpected(api_error("InsufficientFreeAddressesInSubnet", "There are not enough free IPv6 prefixes in subnet '" + subnet->id + "'."));
    delegated.push_back(*p);
  }

  e.ipv6_addresses.insert(e.ipv6_addresses.end(), assigned.begin(), assigned.end());
  e.ipv6_prefixes.insert(e.ipv6_prefixes.end(), delegated.begin(), delegated.end());
  WriteSet ws;
  ws.update(key_of(kEniPrefix, e.id), e, loaded->revision);
  if (auto r = ws.commit(c.store); !r) return std::unexpected(r.error());
  c.touch(e.vpc_id);
  std::string eni_id = e.id;
  return [eni_id, assigned, delegated](aws::XmlWriter& w) {
    w.start("assignedIpv6Addresses");
    for (const auto& a : assigned) w.leaf("item", a.to_string());
    w.end();
    w.start("assignedIpv6PrefixSet");
    for (const auto& p : delegated) w.leaf("item", p.to_string());
    w.end();
    w.leaf("networkInterfaceId", eni_id);
  };
}

OpResult unassign_ipv6_addresses(OpContext& c) {
  auto id = required(c.params, "NetworkInterfaceId");
  if (!id) return std::unexpected(id.error());
  auto address_texts = param_list(c.params, "Ipv6Addresses");
  if (!address_texts) return std::unexpected(address_texts.error());
  auto prefix_texts = param_list(c.params, "Ipv6Prefix");
  if (!prefix_texts) return std::unexpected(prefix_texts.error());
  if (address_texts->empty() && prefix_texts->empty())
    return std::unexpected(api_error("MissingParameter",
                                     "The request must contain the parameter ipv6Addresses or Ipv6Prefix"));
  std::vector<addr::Ipv6Address> addresses;
  for (const auto& t : *address_texts) {
    auto a = parse_ipv6_param(t, "ipv6Addresses");
    if (!a) return std::unexpected(a.error());
    if (std::find(addresses.begin(), addresses.end(), *a) == addresses.end()) addresses.push_back(*a);
  }
  std::vector<addr::Ipv6Prefix> prefixes;
  for (const auto& t : *prefix_texts) {
    auto p = addr::Ipv6Prefix::parse(t);
    if (!p)
      return std::unexpected(api_error("InvalidParameterValue", "Value (" + t +
                                       ") for parameter Ipv6Prefix is invalid. This is not a valid IPv6 prefix."));
    if (std::find(prefixes.begin(), prefixes.end(), *p) == prefixes.end()) prefixes.push_back(*p);
  }

  auto loaded = load_eni(c.store, *id);
  if (!loaded) return std::unexpected(loaded.error());
  NetworkInterface& e = loaded->value;
  const ApiError not_assigned = api_error("InvalidParameterValue",
                                          "Some of the specified addresses are not assigned to interface " + e.id);
  for (const auto& a : addresses)
    if (std::find(e.ipv6_addresses.begin(), e.ipv6_addresses.end(), a) == e.ipv6_addresses.end())
      return std::unexpected(not_assigned);
  for (const auto& p : prefixes)
    if (std::find(e.ipv6_prefixes.begin(), e.ipv6_prefixes.end(), p) == e.ipv6_prefixes.end())
      return std::unexpected(not_assigned);

  std::erase_if(e.ipv6_addresses, [&](const addr::Ipv6Address& a) {
    return std::find(addresses.begin(), addresses.end(), a) != addresses.end();
  });
  std::erase_if(e.ipv6_prefixes, [&](const addr::Ipv6Prefix& p) {
    return std::find(prefixes.begin(), prefixes.end(), p) != prefixes.end();
  });
  WriteSet ws;
  ws.update(key_of(kEniPrefix, e.id), e, loaded->revision);
  if (auto r = ws.commit(c.store); !r) return std::unexpected(r.error());
  c.touch(e.vpc_id);
  std::string eni_id = e.id;
  return [eni_id, addresses, prefixes](aws::XmlWriter& w) {
    w.leaf("networkInterfaceId", eni_id);
    w.start("unassignedIpv6Addresses");
    for (const auto& a : addresses) w.leaf("item", a.to_string());
    w.end();
    w.start("unassignedIpv6PrefixSet");
    for (const auto& p : prefixes) w.leaf("item", p.to_string());
    w.end();
  };
}

}  // namespace v6k::ec2
