// AssignPrivateIpAddresses, UnassignPrivateIpAddresses: secondary private IPv4 addresses.
//
// What the VPC CNI asks for on an IPv4 node: each pod gets one of its node ENI's secondary
// addresses, taken from the ENI's subnet, so a small subnet runs out. Addresses come from
// SubnetAddresses (which sees the primary and secondary addresses of every interface of the
// subnet and skips AWS's five reserves), so nothing is handed out twice. The fabric routes
// every secondary to its ENI like the primary; configuring it inside the instance is the
// CNI's job.
//
//   aws ec2 assign-private-ip-addresses --network-interface-id eni-… --secondary-private-ip-address-count 2
//   aws ec2 unassign-private-ip-addresses --network-interface-id eni-… --private-ip-addresses 10.0.0.5
#include <algorithm>

#include "ec2/inst_alloc.h"
#include "ec2/inst_query.h"
#include "ec2/ops.h"

namespace v6k::ec2 {
namespace {

// The primary and the secondaries together; what the largest instance types allow per ENI.
constexpr long long kMaxPrivateIpv4PerInterface = 50;

std::expected<std::vector<addr::Ipv4Address>, ApiError> parse_addresses(const aws::QueryParams& p) {
  auto texts = param_list(p, "PrivateIpAddress");
  if (!texts) return std::unexpected(texts.error());
  std::vector<addr::Ipv4Address> out;
  for (const auto& t : *texts) {
    auto a = addr::Ipv4Address::parse(t);
    if (!a)
      return std::unexpected(api_error("InvalidParameterValue", "Value (" + t +
                                       ") for parameter privateIpAddress is invalid. This is not a valid IPv4 address."));
    if (std::find(out.begin(), out.end(), *a) == out.end()) out.push_back(*a);
  }
  return out;
}

// IPv4 prefix delegation (/28s) is not modelled; refused with the wording RunInstances uses.
std::expected<void, ApiError> refuse_prefixes(const aws::QueryParams& p) {
  if (p.has("Ipv4PrefixCount") || p.has("Ipv4Prefix.1"))
    return std::unexpected(api_error("InvalidParameterValue", "IPv4 prefix delegation is not supported in this region."));
  return {};
}

ApiError claim_error(AddressClaim c, const addr::Ipv4Address& a) {
  switch (c) {
    case AddressClaim::kOutside:
      return api_error("InvalidParameterValue",
                       "Address " + a.to_string() + " does not fall within the subnet's address range.");
    case AddressClaim::kReserved:
      return api_error("InvalidParameterValue", "Address " + a.to_string() + " is reserved by AWS in this subnet.");
    default:
      return api_error("InvalidIPAddress.InUse", "Address " + a.to_string() + " is in use.");
  }
}

// The other interface of the subnet holding `a` as a secondary (AllowReassignment moves it
// from there); primaries are never moved.
const NetworkInterface* secondary_holder(const std::vector<EniPtr>& enis, const NetworkInterface& self,
                                         const addr::Ipv4Address& a) {
  for (const auto& e : enis) {
    if (e->id == self.id || e->subnet_id != self.subnet_id) continue;
    if (std::find(e->ipv4_secondaries.begin(), e->ipv4_secondaries.end(), a) != e->ipv4_secondaries.end())
      return e.get();
  }
  return nullptr;
}

}  // namespace

OpResult assign_private_ip_addresses(OpContext& c) {
  auto id = required(c.params, "NetworkInterfaceId");
  if (!id) return std::unexpected(id.error());
  auto count = c.params.get_int("SecondaryPrivateIpAddressCount");
  if (!count) return std::unexpected(api_error("InvalidParameterValue", count.error().what()));
  if (*count && **count < 1)
    return std::unexpected(api_error("InvalidParameterValue", "Value (" + std::to_string(**count) +
                                     ") for parameter secondaryPrivateIpAddressCount is invalid. "
                                     "Expected a value greater than or equal to 1."));
  auto addresses = parse_addresses(c.params);
  if (!addresses) return std::unexpected(addresses.error());
  if (auto r = refuse_prefixes(c.params); !r) return std::unexpected(r.error());
  auto reassign = optional_bool(c.params, "AllowReassignment");
  if (!reassign) return std::unexpected(reassign.error());
  if (*count && !addresses->empty())
    return std::unexpected(api_error("InvalidParameterCombination",
                                     "Private IP addresses and secondary private IP address count may not be "
                                     "specified on the same request"));
  if (!*count && addresses->empty())
    return std::unexpected(api_error("MissingParameter", "The request must contain the parameter "
                                     "privateIpAddress or secondaryPrivateIpAddressCount"));

  auto loaded = load_eni(c.store, *id);
  if (!loaded) return std::unexpected(loaded.error());
  NetworkInterface& e = loaded->value;
  auto loaded_subnet = load_subnet(c.store, e.subnet_id);
  if (!loaded_subnet) return std::unexpected(loaded_subnet.error());
  const Subnet* subnet = &loaded_subnet->value;
  const long long wanted = count->value_or(static_cast<long long>(addresses->size()));
  if (1 + static_cast<long long>(e.ipv4_secondaries.size()) + wanted > kMaxPrivateIpv4PerInterface)
    return std::unexpected(api_error("PrivateIpAddressLimitExceeded", "Number of private addresses will exceed limit."));

  auto enis = load_network_interfaces(c.store);
  if (!enis) return std::unexpected(enis.error());
  SubnetAddresses alloc(*subnet, *enis);
  std::vector<addr::Ipv4Address> assigned;
  WriteSet ws;
  for (const auto& a : *addresses) {
    auto r = alloc.claim_ipv4(a);
    if (r == AddressClaim::kInUse && reassign->value_or(false)) {
      if (const NetworkInterface* holder = secondary_holder(*enis, e, a)) {
        auto other = load_eni(c.store, holder->id);  // with its revision, for the update
        if (!other) return std::unexpected(other.error());
        std::erase(other->value.ipv4_secondaries, a);
        ws.update(key_of(kEniPrefix, other->value.id), other->value, other->revision);
        r = AddressClaim::kOk;
      }
    }
    if (r != AddressClaim::kOk) return std::unexpected(claim_error(r, a));
    assigned.push_back(a);
  }
  for (long long n = 0; n < count->value_or(0); ++n) {
    auto a = alloc.next_ipv4();
    if (!a)
      return std::unexpected(api_error("InsufficientFreeAddressesInSubnet",
                                       "The specified subnet does not have enough free addresses to satisfy the request."));
    assigned.push_back(*a);
  }

  e.ipv4_secondaries.insert(e.ipv4_secondaries.end(), assigned.begin(), assigned.end());
  ws.update(key_of(kEniPrefix, e.id), e, loaded->revision);
  if (auto r = ws.commit(c.store); !r) return std::unexpected(r.error());
  c.touch(e.vpc_id);
  std::string eni_id = e.id;
  return [eni_id, assigned](aws::XmlWriter& w) {
    w.leaf("networkInterfaceId", eni_id);
    w.start("assignedPrivateIpAddressesSet");
    for (const auto& a : assigned) {
      w.start("item");
      w.leaf("privateIpAddress", a.to_string());
      w.end();
    }
    w.end();
    w.leaf("return", "true");
  };
}

OpResult unassign_private_ip_addresses(OpContext& c) {
  auto id = required(c.params, "NetworkInterfaceId");
  if (!id) return std::unexpected(id.error());
  auto addresses = parse_addresses(c.params);
  if (!addresses) return std::unexpected(addresses.error());
  if (auto r = refuse_prefixes(c.params); !r) return std::unexpected(r.error());
  if (addresses->empty())
    return std::unexpected(api_error("MissingParameter", "The request must contain the parameter privateIpAddress"));

  auto loaded = load_eni(c.store, *id);
  if (!loaded) return std::unexpected(loaded.error());
  NetworkInterface& e = loaded->value;
  // Only secondaries can go (the primary leaves with its interface), and all or nothing.
  for (const auto& a : *addresses)
    if (std::find(e.ipv4_secondaries.begin(), e.ipv4_secondaries.end(), a) == e.ipv4_secondaries.end())
      return std::unexpected(api_error("InvalidParameterValue",
                                       "Some of the specified addresses are not assigned to interface " + e.id));
  std::erase_if(e.ipv4_secondaries, [&](const addr::Ipv4Address& a) {
    return std::find(addresses->begin(), addresses->end(), a) != addresses->end();
  });
  WriteSet ws;
  ws.update(key_of(kEniPrefix, e.id), e, loaded->revision);
  if (auto r = ws.commit(c.store); !r) return std::unexpected(r.error());
  c.touch(e.vpc_id);
  return [](aws::XmlWriter& w) { w.leaf("return", "true"); };
}

}  // namespace v6k::ec2
