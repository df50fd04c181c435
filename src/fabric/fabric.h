// The fabric: a region realised in network namespaces. It knows nothing of EC2 or the
// store; src/region turns the EC2 model into these desired-state structs and calls apply()
// after every change and for every VPC at daemon start.
//
//   auto f = Fabric::open({.ns_prefix = "v6k-"});
//   (*f)->ensure_internet();          // <prefix>inet + laptop, svc4, svc46 hosts
//   (*f)->apply(vpc);                 // routers, instances, routes, SGs, gateways = `vpc`
//   (*f)->remove_vpc("vpc-0…");       // its router and instances gone
//   (*f)->teardown();                 // every namespace with the prefix gone (v6k down)
//
// Namespaces (all named <prefix><name>):
//   inet            the internet router: 203.0.113.1/32 (+ a /32 route and proxy ARP per
//                   host) on its host-facing links "h-<host>", fe80::1 and 2001:db8:ffff::1/64
//                   towards svc46; routes each VPC's /56 and public IPv4s to that VPC
//   laptop          IPv4-only host 203.0.113.10/24 (IPv6 disabled), default via 203.0.113.1
//   svc4            IPv4-only host 203.0.113.80 (the daemon serves HTTP there)
//   svc46           dual-stack host 2001:db8:ffff::80 and 203.0.113.81
//   <vpc-id>        the VPC router
//   <instance-id>   one instance; its eth0 is the primary ENI (device 0)
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "addr/ip.h"
#include "common/result.h"

namespace v6k::fabric {

struct Options {
  std::string ns_prefix = "v6k-";
};

// One security-group rule; exactly one of v4, v6, group_id is set.
struct SgRule {
  std::string protocol = "-1";  // "-1" (all), "tcp", "udp", "icmp", "icmpv6", or an IANA number
  int from_port = -1;           // tcp/udp: port range; icmp/icmpv6: type (from) and code (to); -1 = any
  int to_port = -1;
  std::optional<addr::Ipv4Prefix> v4;
  std::optional<addr::Ipv6Prefix> v6;
  std::string group_id;  // every address (IPv4, IPv6, delegated prefixes) of ENIs in that group
  bool operator==(const SgRule&) const = default;
};

struct SecurityGroup {
  std::string id;
  std::vector<SgRule> ingress;
  std::vector<SgRule> egress;
  bool operator==(const SecurityGroup&) const = default;
};

struct Eni {
  std::string id;           // eni-…: names the router-side link
  std::string instance_id;  // the namespace it is eth0 of
  std::string subnet_id;
  std::string mac;          // "02:…"; eth0's address
  addr::Ipv4Address ipv4;   // primary private IPv4, on eth0 with the subnet's length
  // Secondary private IPv4s (AssignPrivateIpAddresses): routed to this ENI like the primary,
  // but not configured in the instance (the VPC CNI hands them to pods).
  std::vector<addr::Ipv4Address> ipv4_secondaries;
  std::optional<addr::Ipv4Address> public_ipv4;  // 1:1 NAT at the internet gateway
  std::vector<addr::Ipv6Address> ipv6;           // /128 each on eth0 (no DAD)
  std::vector<addr::Ipv6Prefix> ipv6_prefixes;   // routed to this ENI (delegated, e.g. /80)
  std::vector<std::string> security_groups;
  bool operator==(const Eni&) const = default;
};

enum class Target { kInternetGateway, kEgressOnlyGateway };
struct Route {
  std::variant<addr::Ipv4Prefix, addr::Ipv6Prefix> destination;
  Target target = Target::kInternetGateway;
  bool operator==(const Route&) const = default;
};

struct Subnet {
  std::string id;
  addr::Ipv4Prefix ipv4;
  std::optional<addr::Ipv6Prefix> ipv6;
  std::vector<Route> routes;  // the subnet's effective route table, local routes excluded
  bool operator==(const Subnet&) const = default;
};

struct Vpc {
  std::string id;
  addr::Ipv4Prefix ipv4;
  std::optional<addr::Ipv6Prefix> ipv6;
  bool internet_gateway = false;     // an IGW is attached
  bool egress_only_gateway = false;  // an EIGW exists
  std::vector<Subnet> subnets;
  std::vector<Eni> enis;  // each instance's primary ENI
  std::vector<SecurityGroup> security_groups;
  bool operator==(const Vpc&) const = default;
};

// The fixed internet hosts (docs/region.md).
struct InternetHosts {
  static constexpr const char* kLaptopIpv4 = "203.0.113.10";
  static constexpr const char* kService4Ipv4 = "203.0.113.80";
  static constexpr const char* kService46Ipv4 = "203.0.113.81";
  static constexpr const char* kService46Ipv6 = "2001:db8:ffff::80";
};

// Calls are serialised internally (any thread may call). Costs (bench/fabric): apply() of a
// VPC that gained one instance ~1.5-2 ms at 100 ENIs, ~10 ms at 1000; a terminated instance
// ~30-40 ms (deleting a link waits for RCU grace periods).
class Fabric {
 public:
  static Result<std::unique_ptr<Fabric>> open(Options options);
  virtual ~Fabric() = default;

  // Creates the internet namespace and its hosts when missing; idempotent.
  virtual Result<> ensure_internet() = 0;
  // Makes the kernel match `vpc`: creates, reconfigures or removes instance namespaces,
  // router links, addresses, routes, NAT and security-group rules. Idempotent; an existing
  // instance namespace is kept (its processes survive), only its configuration converges.
  // On return new instances answer (their links run, their IPv6 addresses are usable).
  // EINVAL-coded error, before anything changes, for a Vpc it cannot realise (an ENI in an
  // unknown subnet, two ENIs of one instance).
  virtual Result<> apply(const Vpc& vpc) = 0;
  // The VPC's router, instances and internet links are gone.
  virtual Result<> remove_vpc(const std::string& vpc_id) = 0;
  // After a crash: removes namespaces with the prefix that are neither internet hosts nor
  // in `keep` (VPC and instance ids).
  virtual Result<> prune(const std::vector<std::string>& keep) = 0;
  // Removes every namespace with the prefix.
  virtual Result<> teardown() = 0;
  // "<prefix><name>", for `v6k ssh` and tests; name = instance id, VPC id, "laptop", …
  virtual std::string netns_name(const std::string& name) const = 0;
};

}  // namespace v6k::fabric
