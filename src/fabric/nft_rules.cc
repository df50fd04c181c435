#include "fabric/nft_rules.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <iterator>
#include <optional>
#include <set>

#include "fabric/names.h"

namespace v6k::fabric::internal {
namespace {

constexpr const char* kSg = "inet v6k-sg";
constexpr const char* kNat = "ip v6k-nat";

std::string set4(const std::string& sg) { return "g4_" + nft_ident(sg); }
std::string set6(const std::string& sg) { return "g6_" + nft_ident(sg); }
std::string set6p(const std::string& sg) { return "g6p_" + nft_ident(sg); }
std::string set6x(const std::string& sg) { return "g6x_" + nft_ident(sg); }
constexpr const char* kMask80 = "ffff:ffff:ffff:ffff:ffff::";
constexpr int kDelegatedLength = 80;

enum class Proto { kAll, kTcp, kUdp, kIcmp, kIcmpv6, kNumber, kUnknown };

Proto parse_proto(const std::string& text, int* number) {
  std::string p = text;
  for (char& c : p) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (p == "-1" || p == "all") return Proto::kAll;
  if (p == "tcp" || p == "6") return Proto::kTcp;
  if (p == "udp" || p == "17") return Proto::kUdp;
  if (p == "icmp" || p == "1") return Proto::kIcmp;
  if (p == "icmpv6" || p == "ipv6-icmp" || p == "58") return Proto::kIcmpv6;
  if (p.empty() || p.size() > 3 || !std::all_of(p.begin(), p.end(), [](char c) { return c >= '0' && c <= '9'; })) return Proto::kUnknown;
  *number = std::stoi(p);
  return *number <= 255 ? Proto::kNumber : Proto::kUnknown;
}

// The protocol part of a rule, or nullopt when the rule can never match family `v6`.
std::optional<std::string> proto_match(const SgRule& r, bool v6) {
  int number = 0;
  Proto p = parse_proto(r.protocol, &number);
  auto ports = [&](const char* l4) -> std::optional<std::string> {
    std::string m = std::string("meta l4proto ") + l4;
    if (r.from_port < 0 || r.to_port < 0 || (r.from_port == 0 && r.to_port == 65535)) return m;
    if (r.from_port > r.to_port || r.to_port > 65535) return std::nullopt;
    if (r.from_port == r.to_port) return m + " th dport " + std::to_string(r.from_port);
    return m + " th dport " + std::to_string(r.from_port) + "-" + std::to_string(r.to_port);
  };
  auto icmp = [&](const char* l4, const char* kw) -> std::optional<std::string> {
    std::string m = std::string("meta l4proto ") + l4;
    if (r.from_port > 255 || r.to_port > 255) return std::nullopt;
    if (r.from_port >= 0) m += std::string(" ") + kw + " type " + std::to_string(r.from_port);
    if (r.to_port >= 0) m += std::string(" ") + kw + " code " + std::to_string(r.to_port);
    return m;
  };
  switch (p) {
    case Proto::kAll: return std::string();
    case Proto::kTcp: return ports("tcp");
    case Proto::kUdp: return ports("udp");
    case Proto::kIcmp:
      if (v6) return std::nullopt;
      return icmp("icmp", "icmp");
    case Proto::kIcmpv6:
      if (!v6) return std::nullopt;
      return icmp("ipv6-icmp", "icmpv6");
    case Proto::kNumber: return "meta l4proto " + std::to_string(number);
    case Proto::kUnknown: return std::nullopt;
  }
  return std::nullopt;
}

template <typename P>
std::string prefix_text(const P& p, int full) {
  return p.length() == full ? p.address().to_string() : p.to_string();
}

// Sorted, without duplicates or elements inside another one (interval sets reject overlaps).
template <typename P>
std::vector<std::string> normalize(std::vector<P> ps, int full) {
  std::sort(ps.begin(), ps.end());
  std::vector<std::string> out;
  const P* kept = nullptr;
  for (const auto& p : ps) {
    if (kept && kept->contains(p)) continue;
    kept = &p;
    out.push_back(prefix_text(p, full));
  }
  std::sort(out.begin(), out.end());  // as text, like every other element list
  return out;
}

std::vector<std::string> sorted_unique(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  return v;
}

std::string join(const std::vector<std::string>& items) {
  std::string s;
  for (size_t i = 0; i < items.size(); ++i) s += (i ? ", " : "") + items[i];
  return s;
}

std::string elements(const std::vector<std::string>& items) {
  return items.empty() ? "" : " elements = { " + join(items) + " };";
}

// a \ b; both sorted (every element list of a model is).
std::vector<std::string> minus(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  std::vector<std::string> out;
  std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

bool is_interval(const std::string& set) { return set.rfind("g6x_", 0) == 0; }

std::string set_decl(const std::string& name) {
  bool v4 = name.rfind("g4_", 0) == 0 || name == "nat_private";
  return std::string("{ type ") + (v4 ? "ipv4_addr" : "ipv6_addr") + ";" + (is_interval(name) ? " flags interval;" : "");
}

std::string map_entry(const std::string& link, const std::string& chain) {
  return "\"" + link + "\" : jump " + chain;
}

void add_chain_rules(std::string& out, const std::string& chain, const std::vector<std::string>& rules) {
  for (const auto& r : rules) out += std::string("add rule ") + kSg + " " + chain + " " + r + "\n";
}

// The name of the chains shared by ENIs with exactly these groups.
std::string combo_name(std::vector<std::string> groups) {
  std::sort(groups.begin(), groups.end());
  groups.erase(std::unique(groups.begin(), groups.end()), groups.end());
  uint64_t h = 0xcbf29ce484222325ULL;
  for (const auto& g : groups) {
    for (unsigned char c : g) h = (h ^ c) * 0x100000001b3ULL;
    h = (h ^ ',') * 0x100000001b3ULL;
  }
  char buf[24];
  std::snprintf(buf, sizeof buf, "c%016llx", static_cast<unsigned long long>(h));
  return buf;
}

}  // namespace

std::vector<std::string> render_sg_rule(const SgRule& r, bool ingress, const std::string& verdict,
                                        const std::set<std::string>& with_other_prefixes) {
  const std::string dir = ingress ? "saddr" : "daddr";
  std::vector<std::pair<bool, std::string>> targets;  // (is_v6, address match)
  if (r.v4) {
    targets.emplace_back(false, r.v4->length() == 0 ? "meta nfproto ipv4" : "ip " + dir + " " + prefix_text(*r.v4, 32));
  } else if (r.v6) {
    targets.emplace_back(true, r.v6->length() == 0 ? "meta nfproto ipv6" : "ip6 " + dir + " " + prefix_text(*r.v6, 128));
  } else if (!r.group_id.empty()) {
    targets.emplace_back(false, "ip " + dir + " @" + set4(r.group_id));
    targets.emplace_back(true, "ip6 " + dir + " @" + set6(r.group_id));
    targets.emplace_back(true, "ip6 " + dir + " & " + kMask80 + " @" + set6p(r.group_id));
    if (with_other_prefixes.count(r.group_id)) targets.emplace_back(true, "ip6 " + dir + " @" + set6x(r.group_id));
  }
  std::vector<std::string> out;
  for (const auto& [v6, match] : targets) {
    auto proto = proto_match(r, v6);
    if (!proto) continue;
    out.push_back(match + (proto->empty() ? "" : " " + *proto) + " " + verdict);
  }
  return out;
}

NftModel nft_model(const Vpc& vpc) {
  NftModel m;
  std::map<std::string, const SecurityGroup*> groups;
  std::set<std::string> group_ids;
  for (const auto& g : vpc.security_groups) {
    groups.emplace(g.id, &g);
    group_ids.insert(g.id);
    for (const auto* rules : {&g.ingress, &g.egress})
      for (const auto& r : *rules)
        if (!r.group_id.empty()) group_ids.insert(r.group_id);
  }
  // Members' addresses per group.
  std::map<std::string, std::vector<std::string>> m4, m6, m6p;
  std::map<std::string, std::vector<addr::Ipv6Prefix>> m6x;
  std::vector<std::string> nat_private;
  for (const auto& e : vpc.enis) {
    for (const auto& gid : e.security_groups) {
      group_ids.insert(gid);
      m4[gid].push_back(e.ipv4.to_string());
      for (const auto& a : e.ipv4_secondaries) m4[gid].push_back(a.to_string());
      for (const auto& a : e.ipv6) m6[gid].push_back(a.to_string());
      for (const auto& p : e.ipv6_prefixes) {
        if (p.length() == kDelegatedLength) m6p[gid].push_back(p.address().to_string());
        else m6x[gid].push_back(p);
      }
    }
    if (e.public_ipv4) {
      nat_private.push_back(e.ipv4.to_string());
      m.pub2priv.emplace(e.public_ipv4->to_string(), e.ipv4.to_string());
      m.priv2pub.emplace(e.ipv4.to_string(), e.public_ipv4->to_string());
    }
  }
  std::set<std::string> with_other_prefixes;
  for (const auto& gid : group_ids) {
    m.sets[set4(gid)] = sorted_unique(m4[gid]);
    m.sets[set6(gid)] = sorted_unique(m6[gid]);
    m.sets[set6p(gid)] = sorted_unique(m6p[gid]);
    if (!m6x[gid].empty()) {
      m.sets[set6x(gid)] = normalize(m6x[gid], 128);
      with_other_prefixes.insert(gid);
    }
  }
  m.sets["nat_private"] = sorted_unique(nat_private);
  // One pair of chains per distinct combination of groups.
  for (const auto& e : vpc.enis) {
    std::string name = combo_name(e.security_groups);
    m.eni_combo[eni_link(e.id)] = name;
    if (m.combos.count(name)) continue;
    Combo c;
    std::set<std::string> seen;
    std::vector<std::string> ids = e.security_groups;
    std::sort(ids.begin(), ids.end());
    for (const auto& gid : ids) {
      if (!seen.insert(gid).second) continue;
      auto it = groups.find(gid);
      if (it == groups.end()) continue;
      for (const auto& r : it->second->ingress)
        for (auto& line : render_sg_rule(r, true, "accept", with_other_prefixes)) c.in.push_back(std::move(line));
      for (const auto& r : it->second->egress)
        for (auto& line : render_sg_rule(r, false, "return", with_other_prefixes)) c.out.push_back(std::move(line));
    }
    c.in.push_back("drop");
    c.out.push_back("drop");
    m.combos.emplace(name, std::move(c));
  }
  return m;
}

std::string nft_full(const NftModel& m) {
  std::string s;
  s += std::string("add table ") + kSg + "\n" + "delete table " + kSg + "\n";
  s += std::string("add table ") + kNat + "\n" + "delete table " + kNat + "\n";
  s += std::string("table ") + kSg + " {\n";
  for (const auto& [name, els] : m.sets) s += "  set " + name + " " + set_decl(name) + elements(els) + " }\n";
  for (const auto& [name, c] : m.combos) {
    s += "  chain in_" + name + " {\n";
    for (const auto& r : c.in) s += "    " + r + "\n";
    s += "  }\n  chain out_" + name + " {\n";
    for (const auto& r : c.out) s += "    " + r + "\n";
    s += "  }\n";
  }
  std::vector<std::string> in_map, out_map;
  for (const auto& [link, combo] : m.eni_combo) {
    in_map.push_back(map_entry(link, "in_" + combo));
    out_map.push_back(map_entry(link, "out_" + combo));
  }
  s += "  map eni_in { type ifname : verdict;" + elements(in_map) + " }\n";
  s += "  map eni_out { type ifname : verdict;" + elements(out_map) + " }\n";
  s += "  chain forward {\n"
       "    type filter hook forward priority filter; policy accept;\n"
       "    ct state established,related accept\n"
       "    ct state invalid drop\n"
       "    iifname \"eigw\" drop\n"
       "    iifname { \"igw\", \"eigw\" } oifname { \"igw\", \"eigw\" } drop\n"
       "    oifname \"igw\" ip saddr != @nat_private drop\n"
       "    iifname vmap @eni_out\n"
       "    oifname vmap @eni_in\n"
       "  }\n}\n";
  std::vector<std::string> p2p, q2p;
  for (const auto& [k, v] : m.pub2priv) p2p.push_back(k + " : " + v);
  for (const auto& [k, v] : m.priv2pub) q2p.push_back(k + " : " + v);
  s += std::string("table ") + kNat + " {\n";
  s += "  map pub2priv { type ipv4_addr : ipv4_addr;" + elements(p2p) + " }\n";
  s += "  map priv2pub { type ipv4_addr : ipv4_addr;" + elements(q2p) + " }\n";
  s += "  chain prerouting {\n"
       "    type nat hook prerouting priority dstnat; policy accept;\n"
       "    iifname \"igw\" dnat to ip daddr map @pub2priv\n"
       "  }\n"
       "  chain postrouting {\n"
       "    type nat hook postrouting priority srcnat; policy accept;\n"
       "    oifname \"igw\" snat to ip saddr map @priv2pub\n"
       "  }\n}\n";
  return s;
}

NftDelta nft_delta(const NftModel& before, const NftModel& after) {
  NftDelta d;
  const std::string sg = kSg;
  static const std::vector<std::string> kNone;
  auto elements_of = [](const NftModel& m, const std::string& name) -> const std::vector<std::string>& {
    auto it = m.sets.find(name);
    return it == m.sets.end() ? kNone : it->second;
  };

  // libnftables, first: sets and chains that elements and rules will refer to.
  for (const auto& [name, els] : after.sets)
    if (!before.sets.count(name)) d.before += "add set " + sg + " " + name + " " + set_decl(name) + " }\n";
  for (const auto& [name, els] : after.sets) {
    if (!is_interval(name)) continue;
    if (auto gone = minus(elements_of(before, name), els); !gone.empty())
      d.before += "delete element " + sg + " " + name + " { " + join(gone) + " }\n";
    if (auto added = minus(els, elements_of(before, name)); !added.empty())
      d.before += "add element " + sg + " " + name + " { " + join(added) + " }\n";
  }
  for (const auto& [name, c] : after.combos) {
    auto it = before.combos.find(name);
    if (it == before.combos.end()) {
      d.before += "add chain " + sg + " in_" + name + "\nadd chain " + sg + " out_" + name + "\n";
      add_chain_rules(d.before, "in_" + name, c.in);
      add_chain_rules(d.before, "out_" + name, c.out);
      continue;
    }
    if (it->second.in != c.in) {
      d.before += "flush chain " + sg + " in_" + name + "\n";
      add_chain_rules(d.before, "in_" + name, c.in);
    }
    if (it->second.out != c.out) {
      d.before += "flush chain " + sg + " out_" + name + "\n";
      add_chain_rules(d.before, "out_" + name, c.out);
    }
  }

  // One element transaction: removals, then additions (a changed value is both).
  auto op = [&](bool add, bool nat, const std::string& set, const std::string& key, const std::string& value) {
    d.elements.push_back(ElementOp{add, nat, set, key, value});
  };
  for (bool add : {false, true}) {
    const NftModel& from = add ? before : after;  // elements of `to` missing from `from`
    const NftModel& to = add ? after : before;
    for (const auto& [name, els] : to.sets) {
      if (is_interval(name)) continue;
      for (const auto& e : minus(els, elements_of(from, name))) op(add, false, name, e, "");
    }
    for (const auto& [link, combo] : to.eni_combo) {
      auto it = from.eni_combo.find(link);
      if (it != from.eni_combo.end() && it->second == combo) continue;
      op(add, false, "eni_in", link, "in_" + combo);
      op(add, false, "eni_out", link, "out_" + combo);
    }
    for (const auto* maps : {&to.pub2priv, &to.priv2pub}) {
      const auto& other = maps == &to.pub2priv ? from.pub2priv : from.priv2pub;
      const char* name = maps == &to.pub2priv ? "pub2priv" : "priv2pub";
      for (const auto& [k, v] : *maps) {
        auto it = other.find(k);
        if (it == other.end() || it->second != v) op(add, true, name, k, v);
      }
    }
  }

  // libnftables, last: chains and sets nothing refers to any more.
  for (const auto& [name, c] : before.combos) {
    if (after.combos.count(name)) continue;
    d.after += "flush chain " + sg + " in_" + name + "\ndelete chain " + sg + " in_" + name + "\n";
    d.after += "flush chain " + sg + " out_" + name + "\ndelete chain " + sg + " out_" + name + "\n";
  }
  for (const auto& [name, els] : before.sets)
    if (!after.sets.count(name)) d.after += "delete set " + sg + " " + name + "\n";
  return d;
}

}  // namespace v6k::fabric::internal
