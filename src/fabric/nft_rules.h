// Internal to src/fabric: a VPC router's nftables state — security groups (table inet
// v6k-sg) and the internet gateway's 1:1 NAT (table ip v6k-nat) — as a model computed from
// the desired Vpc, its full text, and the change between two models. Pure functions, so
// they are unit-tested without a kernel.
//
//   NftModel m = nft_model(vpc);
//   nft.run(nft_full(m));              // replaces both tables in one transaction
//   NftDelta d = nft_delta(old, m);    // the same result, touching only what changed
//
// Layout (identifiers: nft_ident(id), every non-alphanumeric character made '_'):
//   table inet v6k-sg
//     set g4_<sg>  / g6_<sg>   every member ENI's IPv4 / IPv6 addresses (hash sets)
//     set g6p_<sg>             the /80 bases of members' delegated prefixes, matched as
//                              "ip6 saddr & ffff:ffff:ffff:ffff:ffff:: @g6p_<sg>" (EC2
//                              delegates /80s; hash sets keep updates O(1))
//     set g6x_<sg>             any other delegated prefix (interval set; rare)
//     set nat_private          private IPv4s that have a public IPv4
//     chain in_<combo>         the ingress rules of one combination of groups, each
//                              "accept", then "drop"; ENIs with the same groups share it
//     chain out_<combo>        the egress rules, each "return" (the packet must still pass
//                              its destination's in_ chain), then "drop"
//     map eni_in / eni_out     ENI link name : jump in_<combo> / out_<combo>
//     chain forward            hook forward: established/related accept, invalid drop, new
//                              inbound on the egress-only gateway drop, gateway hairpin
//                              drop, IPv4 to the IGW from an address without a public IPv4
//                              drop, iifname vmap @eni_out, oifname vmap @eni_in; accept
//   table ip v6k-nat
//     map pub2priv / priv2pub  dnat (prerouting, iifname igw) / snat (postrouting, oifname igw)
//
// Why this shape: a new instance usually only adds elements (vmap entries, set members,
// NAT pairs). Those go to the kernel as one raw nf_tables element transaction
// (nft_elements.h), which costs the same at 1 or 1000 ENIs; libnftables, which reads the
// whole table back before every command, is kept for chains and rules.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "fabric/fabric.h"

namespace v6k::fabric::internal {

struct Combo {
  std::vector<std::string> in;  // rule bodies of chain in_<combo>, final drop included
  std::vector<std::string> out;
  bool operator==(const Combo&) const = default;
};

struct NftModel {
  std::map<std::string, std::vector<std::string>> sets;  // name -> sorted elements (text)
  std::map<std::string, Combo> combos;                   // combo name -> its rules
  std::map<std::string, std::string> eni_combo;          // ENI link -> combo name
  std::map<std::string, std::string> pub2priv, priv2pub;
  bool operator==(const NftModel&) const = default;
};

// One element added to or removed from a set or map, for nft_elements.h.
struct ElementOp {
  bool add = true;
  bool nat_table = false;  // ip v6k-nat, else inet v6k-sg
  std::string set;
  std::string key;         // address text, or an interface name for eni_in / eni_out
  std::string value;       // map value: address text, or the chain to jump to (eni maps)
  bool operator==(const ElementOp&) const = default;
};

// What turns one model into another, in this order: `before` (libnftables: new sets,
// new or changed chains, interval-set elements), `elements` (one element transaction),
// `after` (libnftables: chains nothing jumps to any more). Chains exist before an element
// refers to them and go only after none does, so no packet meets a half-built state.
struct NftDelta {
  std::string before;
  std::vector<ElementOp> elements;
  std::string after;
  bool empty() const { return before.empty() && elements.empty() && after.empty(); }
};

// One SG rule as nft rule bodies (0-4 lines: a group rule matches its IPv4, IPv6 and /80
// sets, plus g6x when `with_other_prefixes` names the group; a rule that cannot match,
// like icmp from an IPv6 range, yields none). `verdict`: "accept" or "return"; ingress
// matches sources, egress destinations.
std::vector<std::string> render_sg_rule(const SgRule& r, bool ingress, const std::string& verdict,
                                        const std::set<std::string>& with_other_prefixes = {});

NftModel nft_model(const Vpc& vpc);
// Replaces both tables (add + delete + define in one batch, so atomic and idempotent).
std::string nft_full(const NftModel& m);
NftDelta nft_delta(const NftModel& before, const NftModel& after);

}  // namespace v6k::fabric::internal
