// Internal to src/fabric: the fixed names, addresses and derived identifiers of the fabric
// (interface names, MAC addresses, route-table ids, nftables identifiers). Everything here
// is a pure function of the ids, so a restarted daemon finds what an earlier one built.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "addr/ip.h"
#include "fabric/fabric.h"
#include "netlink/rtnl.h"

namespace v6k::fabric::internal {

// Router-side names of the gateway links; inet-side names are igw_inet_link()/eigw_inet_link().
inline constexpr const char* kIgwLink = "igw";
inline constexpr const char* kEigwLink = "eigw";
inline constexpr const char* kInstanceLink = "eth0";
// MTU of ENI links (AWS ENIs carry jumbo frames inside a VPC); gateway and internet links
// keep the kernel's 1500, so the router sends Packet Too Big / Fragmentation Needed there.
inline constexpr uint32_t kEniMtu = 9001;
// Routes the fabric adds carry this protocol, so convergence removes only its own routes.
inline constexpr uint8_t kRouteProto = 4;  // RTPROT_STATIC
// FIB rule priorities in each router: "lookup main suppress_prefixlength 0", then the
// per-subnet "from <subnet> lookup <table>" rules.
inline constexpr uint32_t kMainRulePriority = 100;
inline constexpr uint32_t kSubnetRulePriority = 1000;

// Link-local and /32 addresses of every gateway link (inet side .1, router side .2) and of
// the router side of every ENI link (fe80::1).
addr::Ipv6Address ll(uint16_t last);                   // fe80::<last>
addr::Ipv4Address gw_inet_v4();                        // 100.64.0.1
addr::Ipv4Address gw_router_v4();                      // 100.64.0.2

// "eni" + the first 12 characters of the id after its "eni-" (a hash when that is not
// 12 alphanumerics): unique per ENI, at most 15 characters.
std::string eni_link(const std::string& eni_id);
std::string igw_inet_link(const std::string& vpc_id);   // "v" + 12
std::string eigw_inet_link(const std::string& vpc_id);  // "e" + 12

// Locally administered unicast MACs derived from a seed; first octet 0x0a so they never
// equal an EC2 ENI MAC (02:…).
netlink::Mac derived_mac(std::string_view seed);
netlink::Mac eni_router_mac(const std::string& eni_id);
// The ENI's own MAC, or one derived from its id when `mac` does not parse.
netlink::Mac eni_mac(const Eni& eni);

// nftables identifiers: the id with every non-alphanumeric character replaced by '_'.
std::string nft_ident(const std::string& id);

uint32_t fnv32(std::string_view s);

}  // namespace v6k::fabric::internal
