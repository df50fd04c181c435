// CreateCluster / CreateNodegroup input rules that need no store: names, Kubernetes
// versions, IAM role ARNs, service CIDRs, and the random parts of new records.
//
//   if (!eks::valid_name(name, 100)) ...                     // ^[0-9A-Za-z][A-Za-z0-9\-_]*
//   auto v = eks::find_version("1.21");                      // platform "eks.1", AMI patch
//   auto cidr = eks::check_service_ipv4_cidr("10.100.0.0/16", vpc_cidr);  // or message
//   std::string six = eks::random_service_ipv6_cidr();       // "fd3c:9a1b:77e0::/108"
#pragma once

#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "addr/ip.h"

namespace v6k::eks {

// ClusterName's pattern ^[0-9A-Za-z][A-Za-z0-9\-_]* and a length of 1..max_len.
bool valid_name(std::string_view name, size_t max_len);

struct KubernetesVersion {
  std::string version;           // "1.21"
  std::string platform_version;  // "eks.1"
  std::string ami_release;       // node AMI release version: "1.21.14-20230217"
};
// Versions a new cluster may have, oldest first (1.21 upward).
const std::vector<KubernetesVersion>& supported_versions();
const KubernetesVersion* find_version(std::string_view version);
// The version CreateCluster uses when none is given.
const KubernetesVersion& default_version();

// arn:<partition>:iam::<12 digits>:role/<path/name> (IAM's role name alphabet).
bool valid_role_arn(std::string_view arn);

// The user's serviceIpv4Cidr in canonical form, or the reason it is refused: inside
// 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16, a /12 to /24, not overlapping the VPC.
std::expected<std::string, std::string> check_service_ipv4_cidr(std::string_view text, const addr::Ipv4Prefix& vpc);
// EKS's default when none is given: 172.20.0.0/16 when the VPC's primary CIDR is inside
// 10.0.0.0/8 (so services never clash with it), else 10.100.0.0/16.
std::string default_service_ipv4_cidr(const addr::Ipv4Prefix& vpc);
// A random unique-local /108 for an IPv6 cluster's services: fd + a random 40-bit global
// ID (RFC 4193), subnet 0.
std::string random_service_ipv6_cidr();

std::string random_hex(size_t n, bool upper = false);
std::string random_digits(size_t n);

}  // namespace v6k::eks
