// The emulated region's fixed facts: name, account, availability zones, and the
// "Amazon-provided" IPv6 pool VPC /56 blocks are carved from (DESIGN.md address plan).
#pragma once

#include <string>
#include <vector>

#include "addr/ip.h"

namespace v6k::ec2 {

struct AvailabilityZone {
  std::string name;  // "us-west-2a"
  std::string id;    // "usw2-az1"
};

struct RegionConfig {
  std::string region = "us-west-2";
  std::string account_id = "123456789012";
  std::vector<AvailabilityZone> zones;            // default: <region>a/b/c
  addr::Ipv6Prefix ipv6_pool;                     // default 2001:db8::/32
  addr::Ipv4Prefix public_ipv4_pool;              // default 198.51.100.0/24 (1:1 NAT at the IGW)
  static RegionConfig defaults(const std::string& region = "us-west-2",
                               const std::string& account_id = "123456789012");
  bool has_zone(const std::string& name) const;
  std::string zone_id(const std::string& name) const;  // "" when unknown
};

}  // namespace v6k::ec2
