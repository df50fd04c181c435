// The EC2 resources beyond VPCs and subnets, as stored (JSON under /ec2/<kind>/<id>):
// gateways, route tables, security groups, key pairs, network interfaces and instances.
// Handlers in *_ops.cc render them in EC2's XML; src/region turns them into the fabric's
// desired state. Every struct has to_json/from_json (model_json.h); load with
// decode_stored<T>(text, "what").
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

#include "addr/ip.h"
#include "ec2/model.h"

namespace v6k::ec2 {

struct InternetGateway {
  std::string id;      // igw-…
  std::string vpc_id;  // attached VPC, "" when detached
  Tags tags;
};

struct EgressOnlyInternetGateway {
  std::string id;      // eigw-…
  std::string vpc_id;  // always attached (EC2 creates it attached)
  Tags tags;
};

// One non-local route. The VPC's local routes (its IPv4 CIDR and IPv6 /56) are implicit in
// every table and rendered by the API, never stored.
struct Route {
  std::string destination;  // canonical CIDR text, "0.0.0.0/0" or "::/0" or any prefix
  bool ipv6 = false;
  std::string gateway_id;                // igw-… (for IPv4 or IPv6)
  std::string egress_only_gateway_id;    // eigw-… (IPv6 only)
};

struct RouteTableAssociation {
  std::string id;         // rtbassoc-…
  std::string subnet_id;  // "" for the main association
  bool main = false;
};

struct RouteTable {
  std::string id;  // rtb-…
  std::string vpc_id;
  std::vector<Route> routes;
  std::vector<RouteTableAssociation> associations;
  Tags tags;
  bool is_main() const {
    for (const auto& a : associations)
      if (a.main) return true;
    return false;
  }
};

// One security group rule, as EC2's SecurityGroupRule: exactly one of cidr_ipv4, cidr_ipv6,
// referenced_group_id is set. Ports are -1 for "all" (protocol -1) and for ICMP type/code
// when not given.
struct SgRule {
  std::string id;  // sgr-…
  bool egress = false;
  std::string protocol = "-1";  // "-1", "tcp", "udp", "icmp", "icmpv6", or an IANA number as text
  int from_port = -1;
  int to_port = -1;
  std::string cidr_ipv4;
  std::string cidr_ipv6;
  std::string referenced_group_id;
  std::string description;
};

struct SecurityGroup {
  std::string id;  // sg-…
  std::string name;
  std::string description;
  std::string vpc_id;
  bool is_default = false;  // the VPC's "default" group (cannot be deleted)
  std::vector<SgRule> rules;
  Tags tags;
};

struct KeyPair {
  std::string id;  // key-…
  std::string name;
  std::string key_type = "rsa";  // rsa | ed25519
  std::string fingerprint;
  std::string public_key;  // OpenSSH text
  std::string create_time;  // ISO 8601
  Tags tags;
};

struct NetworkInterface {
  std::string id;  // eni-…
  std::string subnet_id;
  std::string vpc_id;
  std::string availability_zone;
  std::string description;
  std::string mac;  // "02:xx:xx:xx:xx:xx"
  addr::Ipv4Address private_ipv4;
  std::vector<addr::Ipv4Address> ipv4_secondaries;  // AssignPrivateIpAddresses, in assignment order
  std::optional<addr::Ipv4Address> public_ipv4;  // from the region's public pool (1:1 NAT)
  std::vector<addr::Ipv6Address> ipv6_addresses;
  std::vector<addr::Ipv6Prefix> ipv6_prefixes;  // delegated /80s (Ipv6PrefixCount)
  std::vector<std::string> security_group_ids;
  std::string instance_id;    // "" when not attached
  std::string attachment_id;  // eni-attach-…
  int device_index = 0;
  std::string status = "in-use";  // in-use | available
  Tags tags;
};

struct Instance {
  std::string id;  // i-…
  std::string reservation_id;  // r-…
  std::string image_id;
  std::string instance_type = "t3.micro";
  std::string key_name;
  std::string subnet_id;
  std::string vpc_id;
  std::string availability_zone;
  std::string state = "running";  // pending | running | shutting-down | terminated | stopping | stopped
  std::string launch_time;         // ISO 8601
  int ami_launch_index = 0;
  std::string client_token;
  std::vector<std::string> network_interface_ids;  // primary (device 0) first
  std::vector<std::string> security_group_ids;
  std::string architecture = "x86_64";
  Tags tags;
};

void to_json(nlohmann::json& j, const InternetGateway& v);
void from_json(const nlohmann::json& j, InternetGateway& v);
void to_json(nlohmann::json& j, const EgressOnlyInternetGateway& v);
void from_json(const nlohmann::json& j, EgressOnlyInternetGateway& v);
void to_json(nlohmann::json& j, const Route& v);
void from_json(const nlohmann::json& j, Route& v);
void to_json(nlohmann::json& j, const RouteTableAssociation& v);
void from_json(const nlohmann::json& j, RouteTableAssociation& v);
void to_json(nlohmann::json& j, const RouteTable& v);
void from_json(const nlohmann::json& j, RouteTable& v);
void to_json(nlohmann::json& j, const SgRule& v);
void from_json(const nlohmann::json& j, SgRule& v);
void to_json(nlohmann::json& j, const SecurityGroup& v);
void from_json(const nlohmann::json& j, SecurityGroup& v);
void to_json(nlohmann::json& j, const KeyPair& v);
void from_json(const nlohmann::json& j, KeyPair& v);
void to_json(nlohmann::json& j, const NetworkInterface& v);
void from_json(const nlohmann::json& j, NetworkInterface& v);
void to_json(nlohmann::json& j, const Instance& v);
void from_json(const nlohmann::json& j, Instance& v);

// Store keys: /ec2/<kind>/<id>.
inline constexpr std::string_view kIgwPrefix = "/ec2/igws/";
inline constexpr std::string_view kEigwPrefix = "/ec2/eigws/";
inline constexpr std::string_view kRouteTablePrefix = "/ec2/route-tables/";
inline constexpr std::string_view kSecurityGroupPrefix = "/ec2/security-groups/";
inline constexpr std::string_view kKeyPairPrefix = "/ec2/key-pairs/";  // keyed by key name
inline constexpr std::string_view kEniPrefix = "/ec2/enis/";
inline constexpr std::string_view kInstancePrefix = "/ec2/instances/";
inline std::string key_of(std::string_view prefix, std::string_view id) { return std::string(prefix) + std::string(id); }

// The private DNS name EC2 gives an address: ip-10-0-0-108.us-west-2.compute.internal.
std::string private_dns_name(const addr::Ipv4Address& a, const std::string& region);

}  // namespace v6k::ec2
