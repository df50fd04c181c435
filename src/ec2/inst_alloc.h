// Address allocation for network interfaces, the way EC2 hands addresses out:
//   - private IPv4: the lowest free address of the subnet (AWS keeps the network address,
//     .1 router, .2 DNS, .3 and the broadcast address);
//   - IPv6 /128: a random interface id in the subnet's /64 (AWS keeps ::0-::3 and the last);
//   - IPv6 /80 prefixes (prefix delegation): a random /80 of the subnet /64 holding no
//     assigned address and overlapping no other prefix;
//   - public IPv4: the lowest free address of the region's pool (1:1 NAT at the gateway).
// "Free" means held by no stored NetworkInterface. An allocator is built once per API call
// from one listing of the ENIs (sets for lookups, so 1000 launches stay fast); everything it
// hands out or claims is remembered, so later allocations in the same call never collide.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <random>
#include <unordered_set>
#include <vector>

#include "addr/ip.h"
#include "ec2/model.h"
#include "ec2/resources.h"

namespace v6k::ec2 {

enum class AddressClaim { kOk, kOutside, kReserved, kInUse };

class SubnetAddresses {
 public:
  // `enis`: the stored ENIs; those of other subnets are ignored.
  SubnetAddresses(const Subnet& subnet, const std::vector<std::shared_ptr<const NetworkInterface>>& enis);

  // Private IPv4.
  uint64_t free_ipv4_count() const { return free_ipv4_; }
  std::optional<addr::Ipv4Address> next_ipv4();
  AddressClaim claim_ipv4(const addr::Ipv4Address& a);

  // IPv6 (only when the subnet has a /64; otherwise every call fails with kOutside/nullopt).
  bool has_ipv6() const { return subnet_v6_.has_value(); }
  std::optional<addr::Ipv6Address> next_ipv6();
  AddressClaim claim_ipv6(const addr::Ipv6Address& a);
  // /80 prefixes only; the caller rejects other lengths with its own wording.
  std::optional<addr::Ipv6Prefix> next_prefix80();
  AddressClaim claim_prefix80(const addr::Ipv6Prefix& p);

 private:
  bool ipv6_host_taken(uint64_t host) const;
  bool block_taken(uint32_t block) const;

  addr::Ipv4Prefix cidr4_;
  std::vector<bool> used4_;  // by offset in the subnet
  uint64_t cursor4_ = 4;
  uint64_t free_ipv4_ = 0;

  std::optional<addr::Ipv6Prefix> subnet_v6_;
  std::unordered_set<uint64_t> used6_;         // interface ids (low 64 bits) in use
  std::unordered_set<uint32_t> delegated_;     // /80 blocks (bits 64..79) delegated to an ENI
  std::unordered_set<uint32_t> addr_blocks_;   // /80 blocks holding at least one address
  std::vector<addr::Ipv6Prefix> narrow_;       // stored prefixes longer than /80 (never ours)
  std::mt19937_64 rng_;
};

class PublicIpv4Pool {
 public:
  PublicIpv4Pool(const addr::Ipv4Prefix& pool, const std::vector<std::shared_ptr<const NetworkInterface>>& enis);
  uint64_t free_count() const { return free_; }
  std::optional<addr::Ipv4Address> next();

 private:
  addr::Ipv4Prefix pool_;
  std::vector<bool> used_;
  uint64_t cursor_ = 2;  // .0 is the network, .1 the gateway's side of the NAT
  uint64_t free_ = 0;
};

// "02:" + five random bytes, lower-case hex: a locally administered unicast MAC like EC2's.
std::string new_mac_address();

}  // namespace v6k::ec2
