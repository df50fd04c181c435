// The EC2 resources this region keeps, as stored values (JSON in the store under
// /ec2/<kind>/<id>). The API renders them in EC2's XML; the fabric will realise them.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "addr/ip.h"
#include "common/result.h"

namespace v6k::ec2 {

using Tags = std::vector<std::pair<std::string, std::string>>;

struct Ipv6Block {
  addr::Ipv6Prefix cidr;
  std::string association_id;  // vpc-cidr-assoc-… / subnet-cidr-assoc-…
};

struct Vpc {
  std::string id;
  addr::Ipv4Prefix cidr;
  std::string cidr_association_id;
  std::optional<Ipv6Block> ipv6;
  std::string dhcp_options_id;
  std::string instance_tenancy = "default";
  Tags tags;
};

struct Subnet {
  std::string id;
  std::string vpc_id;
  std::string availability_zone;
  std::string availability_zone_id;
  addr::Ipv4Prefix cidr;
  std::optional<Ipv6Block> ipv6;
  bool assign_ipv6_address_on_creation = false;
  bool map_public_ip_on_launch = false;
  Tags tags;
  // Addresses AWS keeps in every subnet: network, .1 router, .2 DNS, .3 reserved, broadcast.
  uint64_t available_ip_count() const { return cidr.size() >= 5 ? cidr.size() - 5 : 0; }
};

nlohmann::json to_json(const Vpc& v);
nlohmann::json to_json(const Subnet& s);
Result<Vpc> vpc_from_json(std::string_view text);
Result<Subnet> subnet_from_json(std::string_view text);

// Store keys.
inline std::string vpc_key(std::string_view id) { return "/ec2/vpcs/" + std::string(id); }
inline std::string subnet_key(std::string_view id) { return "/ec2/subnets/" + std::string(id); }
inline constexpr std::string_view kVpcPrefix = "/ec2/vpcs/";
inline constexpr std::string_view kSubnetPrefix = "/ec2/subnets/";

// "vpc-0a1b2c3d4e5f67890": prefix + "-" + 17 lowercase hex digits, random.
std::string new_id(std::string_view prefix);

}  // namespace v6k::ec2
