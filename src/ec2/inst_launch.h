// RunInstances' parameters, parsed and checked on their own (no store access): the
// instance-level form (SubnetId, SecurityGroupId.N, Ipv6AddressCount, ...) and the
// NetworkInterface.1.{...} form the CLI switches to for --associate-public-ip-address are
// folded into one LaunchRequest. Only device index 0 exists here: one ENI per instance.
#pragma once

#include <expected>
#include <optional>
#include <string>
#include <vector>

#include "addr/ip.h"
#include "ec2/ops.h"

namespace v6k::ec2 {

struct LaunchRequest {
  std::string image_id;
  std::string instance_type = "m1.small";  // EC2's default when none is given
  long long min_count = 1;
  long long max_count = 1;
  std::string key_name;
  std::string client_token;
  std::string subnet_id;                     // "" = none given
  std::vector<std::string> group_ids;        // SecurityGroupId.N (or the interface's)
  std::vector<std::string> group_names;      // SecurityGroup.N
  std::optional<addr::Ipv4Address> private_ip;
  std::optional<long long> ipv6_count;       // explicit Ipv6AddressCount
  std::vector<addr::Ipv6Address> ipv6_addresses;
  std::optional<long long> prefix_count;     // NetworkInterface.1.Ipv6PrefixCount
  std::vector<addr::Ipv6Prefix> prefixes;    // NetworkInterface.1.Ipv6Prefix.N.Ipv6Prefix
  std::optional<bool> associate_public_ip;
  std::string eni_description;
  std::string placement_zone;                // Placement.AvailabilityZone
  Tags instance_tags;
  Tags eni_tags;
};

// Most addresses or prefixes one interface may hold (EC2's limit depends on the instance
// type; 50 is what the largest types allow).
inline constexpr long long kMaxIpv6PerInterface = 50;
// Most instances one call launches.
inline constexpr long long kMaxInstancesPerCall = 1000;

std::expected<LaunchRequest, ApiError> parse_launch_request(const aws::QueryParams& p);

// "x86_64", or "arm64" for Graviton families (a1, t4g, m6g, c7gn, ...).
std::string architecture_for(const std::string& instance_type);

// IPv6 text as EC2 reports a bad one, for any parameter name.
std::expected<addr::Ipv6Address, ApiError> parse_ipv6_param(const std::string& text, const std::string& param);
// An IPv6 prefix that must be a /80 (prefix delegation).
std::expected<addr::Ipv6Prefix, ApiError> parse_prefix80_param(const std::string& text, const std::string& param);

}  // namespace v6k::ec2
