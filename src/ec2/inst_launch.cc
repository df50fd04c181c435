#include "ec2/inst_launch.h"

#include <cctype>

namespace v6k::ec2 {
namespace {

ApiError invalid(std::string message) { return api_error("InvalidParameterValue", std::move(message)); }
ApiError combination(std::string message) { return api_error("InvalidParameterCombination", std::move(message)); }

std::expected<std::optional<long long>, ApiError> get_int(const aws::QueryParams& p, const std::string& name) {
  auto v = p.get_int(name);
  if (!v) return std::unexpected(invalid(v.error().what()));
  return *v;
}

// m5.large, t4g.nano, m7i.metal-24xl, u-6tb1.112xlarge: family '.' size.
bool valid_instance_type(const std::string& t) {
  auto dot = t.find('.');
  if (dot == std::string::npos || dot == 0 || dot + 1 == t.size() || t.size() > 64) return false;
  if (!std::islower(static_cast<unsigned char>(t[0]))) return false;
  for (size_t i = 0; i < t.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(t[i]);
    if (i == dot) continue;
    if (!std::islower(c) && !std::isdigit(c) && c != '-') return false;
  }
  return true;
}

bool valid_image_id(const std::string& id) {
  if (id.size() < 5 || id.compare(0, 4, "ami-") != 0) return false;
  for (size_t i = 4; i < id.size(); ++i)
    if (!std::isxdigit(static_cast<unsigned char>(id[i]))) return false;
  return true;
}

// TagSpecification.N for the resource types RunInstances creates. Volumes (and the other
// types EC2 accepts here) are not modelled: their tags are accepted and dropped.
std::expected<void, ApiError> parse_tag_specs(const aws::QueryParams& p, LaunchRequest& out) {
  auto specs = param_structs(p, "TagSpecification");
  if (!specs) return std::unexpected(specs.error());
  for (const auto& spec : *specs) {
    auto type = spec.get("ResourceType");
    if (!type || type->empty()) return std::unexpected(invalid("Tag specification resource type must have a value"));
    Tags* target = nullptr;
    if (*type == "instance") target = &out.instance_tags;
    else if (*type == "network-interface") target = &out.eni_tags;
    else if (*type != "volume" && *type != "elastic-gpu" && *type != "spot-instances-request")
      return std::unexpected(invalid("'" + *type + "' is not a valid taggable resource type for this operation."));
    auto tags = param_structs(spec, "Tag");
    if (!tags) return std::unexpected(tags.error());
    for (const auto& tag : *tags) {
      auto key = tag.get("Key");
      if (!key || key->empty()) return std::unexpected(invalid("Tag keys must not be empty"));
      if (key->rfind("aws:", 0) == 0)
        return std::unexpected(invalid("Tag keys starting with 'aws:' are reserved for internal use"));
      std::string value = tag.get("Value").value_or("");
      if (key->size() > 128) return std::unexpected(invalid("Tag key exceeds the maximum length of 128 characters"));
      if (value.size() > 256) return std::unexpected(invalid("Tag value exceeds the maximum length of 256 characters"));
      if (!target) continue;
      for (const auto& [k, v] : *target)
        if (k == *key) return std::unexpected(invalid("Duplicate tag key '" + *key + "' specified."));
      target->emplace_back(*key, std::move(value));
    }
  }
  return {};
}

std::expected<addr::Ipv4Address, ApiError> parse_ipv4_param(const std::string& text) {
  auto a = addr::Ipv4Address::parse(text);
  if (!a) return std::unexpected(invalid("Value (" + text + ") for parameter privateIpAddress is invalid. " +
                                         "This is not a valid IPv4 address."));
  return *a;
}

// Ipv6Address.N.Ipv6Address / Ipv6AddressesSet.N.Ipv6Address.
std::expected<std::vector<addr::Ipv6Address>, ApiError> parse_ipv6_list(const aws::QueryParams& p,
                                                                         const std::string& prefix) {
  auto items = param_structs(p, prefix);
  if (!items) return std::unexpected(items.error());
  std::vector<addr::Ipv6Address> out;
  for (const auto& item : *items) {
    auto a = parse_ipv6_param(item.get("Ipv6Address").value_or(""), "ipv6Address");
    if (!a) return std::unexpected(a.error());
    for (const auto& seen : out)
      if (seen == *a) return std::unexpected(invalid("Duplicate IPv6 address " + a->to_string() + " specified."));
    out.push_back(*a);
  }
  return out;
}

std::expected<void, ApiError> check_count(const std::optional<long long>& n, const std::string& param) {
  if (!n) return {};
  if (*n < 0 || *n > kMaxIpv6PerInterface)
    return std::unexpected(invalid("Value (" + std::to_string(*n) + ") for parameter " + param +
                                   " is invalid. Expected a value between 0 and " +
                                   std::to_string(kMaxIpv6PerInterface) + "."));
  return {};
}

// NetworkInterface.1.{...}: the interface form of the network parameters.
std::expected<void, ApiError> parse_interface(const aws::QueryParams& p, const aws::QueryParams& ni,
                                              LaunchRequest& out) {
  auto index = get_int(ni, "DeviceIndex");
  if (!index) return std::unexpected(index.error());
  if (!*index) return std::unexpected(invalid("Each network interface requires a device index."));
  if (**index != 0)
    return std::unexpected(invalid("Value (" + std::to_string(**index) + ") for parameter deviceIndex is invalid. " +
                                   "This region supports only one network interface per instance (device index 0)."));
  if (ni.has("NetworkInterfaceId"))
    return std::unexpected(invalid("Launching with an existing network interface is not supported; "
                                   "give SubnetId and let RunInstances create the interface."));
  if (p.has("SubnetId"))
    return std::unexpected(combination("Network interfaces and an instance-level subnet ID may not be specified on the same request"));
  if (p.has("SecurityGroupId.1") || p.has("SecurityGroup.1"))
    return std::unexpected(combination("Network interfaces and an instance-level security groups may not be specified on the same request"));
  if (p.has("PrivateIpAddress"))
    return std::unexpected(combination("Network interfaces and an instance-level private IP address may not be specified on the same request"));
  if (p.has("Ipv6AddressCount") || p.has("Ipv6Address.1.Ipv6Address"))
    return std::unexpected(combination("Network interfaces and instance-level IPv6 addresses may not be specified on the same request"));

  out.subnet_id = ni.get("SubnetId").value_or("");
  auto groups = param_list(ni, "SecurityGroupId");
  if (!groups) return std::unexpected(groups.error());
  out.group_ids = std::move(*groups);
  out.eni_description = ni.get("Description").value_or("");

  if (auto ip = ni.get("PrivateIpAddress"); ip && !ip->empty()) {
    auto a = parse_ipv4_param(*ip);
    if (!a) return std::unexpected(a.error());
    out.private_ip = *a;
  }
  auto privates = param_structs(ni, "PrivateIpAddressesSet");
  if (!privates) return std::unexpected(privates.error());
  for (const auto& item : *privates) {
    auto primary = optional_bool(item, "Primary");
    if (!primary) return std::unexpected(primary.error());
    if (!primary->value_or(false))
      return std::unexpected(invalid("Secondary private IPv4 addresses are not supported in this region."));
    auto a = parse_ipv4_param(item.get("PrivateIpAddress").value_or(""));
    if (!a) return std::unexpected(a.error());
    if (out.private_ip && *out.private_ip != *a)
      return std::unexpected(invalid("Only one primary private IPv4 address may be specified."));
    out.private_ip = *a;
  }
  auto secondary = get_int(ni, "SecondaryPrivateIpAddressCount");
  if (!secondary) return std::unexpected(secondary.error());
  if (secondary->value_or(0) != 0)
    return std::unexpected(invalid("Secondary private IPv4 addresses are not supported in this region."));
  if (ni.has("Ipv4PrefixCount") || ni.has("Ipv4Prefix.1.Ipv4Prefix"))
    return std::unexpected(invalid("IPv4 prefix delegation is not supported in this region."));
  if (auto type = ni.get("InterfaceType"); type && *type != "interface")
    return std::unexpected(invalid("Value (" + *type + ") for parameter interfaceType is invalid."));
  auto card = get_int(ni, "NetworkCardIndex");
  if (!card) return std::unexpected(card.error());
  if (card->value_or(0) != 0)
    return std::unexpected(invalid("Value (" + std::to_string(**card) + ") for parameter networkCardIndex is invalid."));

  auto count = get_int(ni, "Ipv6AddressCount");
  if (!count) return std::unexpected(count.error());
  out.ipv6_count = *count;
  auto addresses = parse_ipv6_list(ni, "Ipv6AddressesSet");
  if (!addresses) return std::unexpected(addresses.error());
  out.ipv6_addresses = std::move(*addresses);

  auto prefix_count = get_int(ni, "Ipv6PrefixCount");
  if (!prefix_count) return std::unexpected(prefix_count.error());
  out.prefix_count = *prefix_count;
  auto prefixes = param_structs(ni, "Ipv6Prefix");
  if (!prefixes) return std::unexpected(prefixes.error());
  for (const auto& item : *prefixes) {
    auto pfx = parse_prefix80_param(item.get("Ipv6Prefix").value_or(""), "ipv6Prefix");
    if (!pfx) return std::unexpected(pfx.error());
    out.prefixes.push_back(*pfx);
  }

  auto associate = optional_bool(ni, "AssociatePublicIpAddress");
  if (!associate) return std::unexpected(associate.error());
  out.associate_public_ip = *associate;
  // The region's ENIs always go with their instance (NetworkInterface has no flag to keep
  // one): refuse rather than silently delete an interface the caller asked to keep.
  auto keep = optional_bool(ni, "DeleteOnTermination");
  if (!keep) return std::unexpected(keep.error());
  if (*keep && !**keep)
    return std::unexpected(invalid("DeleteOnTermination=false is not supported in this region: "
                                   "an instance's network interface is deleted with it."));
  return {};
}

}  // namespace

std::expected<addr::Ipv6Address, ApiError> parse_ipv6_param(const std::string& text, const std::string& param) {
  auto a = addr::Ipv6Address::parse(text);
  if (!a) return std::unexpected(invalid("Value (" + text + ") for parameter " + param +
                                         " is invalid. This is not a valid IPv6 address."));
  return *a;
}

std::expected<addr::Ipv6Prefix, ApiError> parse_prefix80_param(const std::string& text, const std::string& param) {
  auto pfx = addr::Ipv6Prefix::parse(text);
  if (!pfx) return std::unexpected(invalid("Value (" + text + ") for parameter " + param +
                                           " is invalid. This is not a valid IPv6 prefix."));
  if (pfx->length() != 80)
    return std::unexpected(invalid("Value (" + text + ") for parameter " + param +
                                   " is invalid. IPv6 prefixes assigned to a network interface must be /80."));
  return *pfx;
}

std::string architecture_for(const std::string& instance_type) {
  std::string family = instance_type.substr(0, instance_type.find('.'));
  if (family == "a1") return "arm64";
  // Graviton families carry a 'g' right after the generation digit: t4g, m6gd, c7gn, r8g.
  for (size_t i = 1; i + 1 < family.size(); ++i)
    if (std::isdigit(static_cast<unsigned char>(family[i])) && family[i + 1] == 'g') return "arm64";
  return "x86_64";
}

std::expected<LaunchRequest, ApiError> parse_launch_request(const aws::QueryParams& p) {
  LaunchRequest out;
  auto min = get_int(p, "MinCount");
  if (!min) return std::unexpected(min.error());
  auto max = get_int(p, "MaxCount");
  if (!max) return std::unexpected(max.error());
  if (!*min) return std::unexpected(api_error("MissingParameter", "The request must contain the parameter MinCount"));
  if (!*max) return std::unexpected(api_error("MissingParameter", "The request must contain the parameter MaxCount"));
  out.min_count = **min;
  out.max_count = **max;
  if (out.min_count < 1)
    return std::unexpected(invalid("Value (" + std::to_string(out.min_count) +
                                   ") for parameter minCount is invalid. Expected a positive integer."));
  if (out.max_count < 1)
    return std::unexpected(invalid("Value (" + std::to_string(out.max_count) +
                                   ") for parameter maxCount is invalid. Expected a positive integer."));
  if (out.min_count > out.max_count)
    return std::unexpected(invalid("Value (" + std::to_string(out.min_count) +
                                   ") for parameter minCount is invalid. It must be less than or equal to maxCount (" +
                                   std::to_string(out.max_count) + ")."));
  if (out.min_count > kMaxInstancesPerCall)
    return std::unexpected(api_error("InstanceLimitExceeded", "You have requested more instances (" +
                                     std::to_string(out.min_count) + ") than your current instance limit of " +
                                     std::to_string(kMaxInstancesPerCall) + " allows for the specified instance type."));
  out.max_count = std::min(out.max_count, kMaxInstancesPerCall);

  auto image = p.get("ImageId");
  if (!image || image->empty())
    return std::unexpected(api_error("MissingParameter", "The request must contain the parameter ImageId"));
  if (!valid_image_id(*image))
    return std::unexpected(api_error("InvalidAMIID.Malformed", "Invalid id: \"" + *image + "\" (expecting \"ami-...\")"));
  out.image_id = *image;
  if (auto type = p.get("InstanceType"); type) {
    if (!valid_instance_type(*type))
      return std::unexpected(invalid("Invalid value '" + *type + "' for InstanceType."));
    out.instance_type = *type;
  }
  out.key_name = p.get("KeyName").value_or("");
  out.client_token = p.get("ClientToken").value_or("");
  if (out.client_token.size() > 64)
    return std::unexpected(invalid("Value (" + out.client_token +
                                   ") for parameter clientToken is invalid. It must be at most 64 characters."));
  out.placement_zone = p.get("Placement.AvailabilityZone").value_or("");
  auto names = param_list(p, "SecurityGroup");
  if (!names) return std::unexpected(names.error());
  out.group_names = std::move(*names);
  if (auto tags = parse_tag_specs(p, out); !tags) return std::unexpected(tags.error());

  auto interfaces = param_structs(p, "NetworkInterface");
  if (!interfaces) return std::unexpected(interfaces.error());
  if (interfaces->size() > 1)
    return std::unexpected(invalid("This region supports only one network interface per instance (device index 0); " +
                                   std::to_string(interfaces->size()) + " were given."));
  if (interfaces->size() == 1) {
    if (auto r = parse_interface(p, interfaces->front(), out); !r) return std::unexpected(r.error());
  } else {
    out.subnet_id = p.get("SubnetId").value_or("");
    auto groups = param_list(p, "SecurityGroupId");
    if (!groups) return std::unexpected(groups.error());
    out.group_ids = std::move(*groups);
    if (auto ip = p.get("PrivateIpAddress"); ip && !ip->empty()) {
      auto a = parse_ipv4_param(*ip);
      if (!a) return std::unexpected(a.error());
      out.private_ip = *a;
    }
    auto count = get_int(p, "Ipv6AddressCount");
    if (!count) return std::unexpected(count.error());
    out.ipv6_count = *count;
    auto addresses = parse_ipv6_list(p, "Ipv6Address");
    if (!addresses) return std::unexpected(addresses.error());
    out.ipv6_addresses = std::move(*addresses);
  }

  if (auto r = check_count(out.ipv6_count, "ipv6AddressCount"); !r) return std::unexpected(r.error());
  if (auto r = check_count(out.prefix_count, "ipv6PrefixCount"); !r) return std::unexpected(r.error());
  if (out.ipv6_count && !out.ipv6_addresses.empty())
    return std::unexpected(combination("IPv6 addresses and IPv6 address count may not be specified on the same request"));
  if (out.prefix_count && !out.prefixes.empty())
    return std::unexpected(combination("IPv6 prefixes and IPv6 prefix count may not be specified on the same request"));
  if (static_cast<long long>(out.ipv6_addresses.size()) > kMaxIpv6PerInterface ||
      static_cast<long long>(out.prefixes.size()) > kMaxIpv6PerInterface)
    return std::unexpected(invalid("At most " + std::to_string(kMaxIpv6PerInterface) +
                                   " IPv6 addresses and " + std::to_string(kMaxIpv6PerInterface) +
                                   " IPv6 prefixes may be assigned to a network interface."));
  const bool specific = out.private_ip || !out.ipv6_addresses.empty() || !out.prefixes.empty();
  if (specific && out.max_count > 1)
    return std::unexpected(combination("Specific IP addresses or prefixes can only be assigned when launching a single "
                                       "instance (MaxCount 1)."));
  return out;
}

}  // namespace v6k::ec2
