#include "node/proxy/rules.h"

#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace v6k::node::proxy {
namespace {

// A tiny "{}"-substituting formatter ("{{" and "}}" are literal braces): g++ 12 has no
// <format>, and the rule text needs nothing more.
inline std::string arg_text(const std::string& s) { return s; }
inline std::string arg_text(const char* s) { return s; }
template <typename N>
  requires std::is_integral_v<N>
std::string arg_text(N n) { return std::to_string(n); }

template <typename... A>
std::string format_text(std::string_view f, const A&... a) {
  const std::string args[] = {arg_text(a)..., std::string()};
  std::string out;
  size_t next = 0;
  for (size_t i = 0; i < f.size(); ++i) {
    if (f[i] == '{' && i + 1 < f.size() && f[i + 1] == '}') {
      out += args[next++];
      ++i;
    } else if ((f[i] == '{' || f[i] == '}') && i + 1 < f.size() && f[i + 1] == f[i]) {
      out += f[i++];
    } else {
      out += f[i];
    }
  }
  return out;
}

constexpr Protocol kProtocols[] = {Protocol::kTcp, Protocol::kUdp, Protocol::kSctp};
constexpr size_t kElementsPerCommand = 256;  // keeps each batch line short enough to read

const char* ipkw(int family) { return family == 6 ? "ip6" : "ip"; }
const char* addr_type(int family) { return family == 6 ? "ipv6_addr" : "ipv4_addr"; }
std::string fam(const char* base, int family) { return base + std::to_string(family); }

int family_of(const std::string& canonical_ip) {
  return canonical_ip.find(':') != std::string::npos ? 6 : 4;
}

// One backend map per family and protocol: nft 1.0.6 cannot re-read a map typed with the
// generic "th dport" and then add a rule that looks it up with "tcp dport" ("conflicting
// protocols"), and the protocol-specific form is the one a dnat with a port needs.
std::string backends_map(int family, Protocol p) { return "backends" + std::to_string(family) + "_" + nft_name(p); }

std::string table() { return format_text("inet {}", kTableName); }

// The endpoints of one service port in one family, as upstream kube-proxy picks them.
using SlicesByService = std::map<std::pair<std::string, std::string>, std::vector<const SliceInfo*>>;

std::set<std::pair<std::string, uint16_t>> backends_of(const ServiceInfo& svc, const ServicePort& sp, int family,
                                                       const std::vector<const SliceInfo*>& slices,
                                                       const StateOptions& opt) {
  std::set<std::pair<std::string, uint16_t>> ready, fallback;
  for (const SliceInfo* s : slices) {
    const SliceInfo& slice = *s;
    if (slice.family != family) continue;
    uint16_t port = 0;
    for (const SlicePort& p : slice.ports)
      if (p.name == sp.name && p.protocol == sp.protocol && p.port != 0) port = p.port;
    if (port == 0) continue;  // this slice does not serve this service port
    for (const SliceEndpoint& ep : slice.endpoints) {
      if (ep.addresses.empty()) continue;
      if (svc.local_internal_traffic && ep.node_name != opt.node_name) continue;
      // Upstream uses the first address only: the others are fungible copies.
      if (ep.ready) ready.emplace(ep.addresses.front(), port);
      else if (ep.serving && ep.terminating) fallback.emplace(ep.addresses.front(), port);
    }
  }
  return ready.empty() ? fallback : ready;
}

std::string join_port(int family, const std::string& ip, uint16_t port) {
  (void)family;  // nft's concatenation syntax is the same for both families
  return format_text("{} . {}", ip, port);
}

void append_elements(std::string& out, const char* verb, const std::string& set,
                     const std::vector<std::string>& items) {
  for (size_t i = 0; i < items.size(); i += kElementsPerCommand) {
    out += format_text("{} element {} {} {{ ", verb, table(), set);
    for (size_t j = i; j < items.size() && j < i + kElementsPerCommand; ++j) {
      if (j != i) out += ", ";
      out += items[j];
    }
    out += " }\n";
  }
}

std::string element_text(const std::string& key, const std::string& value) {
  return value.empty() ? key : key + " : " + value;
}

void add_chain(std::string& out, const PickChain& c) {
  const char* ip = ipkw(c.family);
  out += format_text("add chain {} {}\n", table(), c.name());
  const char* p = nft_name(c.protocol);
  out += format_text("add rule {} {} dnat {} to {} daddr . {} dport . numgen random mod {} map @{}\n", table(), c.name(), ip,
                     ip, p, c.backends, backends_map(c.family, c.protocol));
}

}  // namespace

std::string PickChain::name() const { return format_text("pick{}_{}_{}", family, nft_name(protocol), backends); }

void ensure_sets(ProxyState& s) {
  for (int f : {6, 4}) {
    for (const char* base : {"service_ips", "no_endpoints", "cluster_ips", "hairpin"})
      s.elements[fam(base, f)];  // every set listed, even when empty: deltas stay simple
    for (Protocol p : kProtocols) s.elements[backends_map(f, p)];
  }
}

ProxyState service_state(const ServiceInfo& svc, const std::vector<const SliceInfo*>& own, const StateOptions& options) {
  ProxyState s;
  for (const std::string& ip : svc.cluster_ips) {
    int f = family_of(ip);
    s.elements[fam("cluster_ips", f)][ip] = "";
    for (const ServicePort& sp : svc.ports) {
      std::string k = format_text("{} . {} . {}", ip, nft_name(sp.protocol), sp.port);
      auto backends = backends_of(svc, sp, f, own, options);
      if (backends.empty()) {
        s.elements[fam("no_endpoints", f)][k] = "";
        continue;
      }
      PickChain chain{f, sp.protocol, static_cast<int>(backends.size())};
      s.chains.insert(chain);
      s.elements[fam("service_ips", f)][k] = "goto " + chain.name();
      int bucket = 0;
      for (const auto& [addr, port] : backends) {
        s.elements[backends_map(f, sp.protocol)][format_text("{} . {} . {}", ip, sp.port, bucket++)] =
            join_port(f, addr, port);
        s.elements[fam("hairpin", f)][addr + " . " + addr] = "";
      }
    }
  }
  return s;
}

ProxyState compute_state(const std::map<std::string, ServiceInfo>& services,
                         const std::map<std::string, SliceInfo>& slices, const StateOptions& options) {
  ProxyState s;
  ensure_sets(s);
  // Slices grouped by owning Service once, so the whole computation is linear in size.
  SlicesByService by_service;
  for (const auto& [key, slice] : slices)
    if (!slice.service.empty()) by_service[{slice.ns, slice.service}].push_back(&slice);
  static const std::vector<const SliceInfo*> kNoSlices;
  for (const auto& [key, svc] : services) {
    auto found = by_service.find({svc.ns, svc.name});
    ProxyState one = service_state(svc, found == by_service.end() ? kNoSlices : found->second, options);
    for (auto& [set, elems] : one.elements) s.elements[set].merge(elems);
    s.chains.merge(one.chains);
  }
  return s;
}

std::string full_script(const ProxyState& s) {
  const std::string t = table();
  // "add" first so the "delete" never fails on a fresh host; all in one transaction.
  std::string out = format_text("add table {}\ndelete table {}\nadd table {}\n", t, t, t);
  for (int f : {6, 4}) {
    const char* at = addr_type(f);
    const char* ip = ipkw(f);
    out += format_text("add map {} service_ips{} {{ type {} . inet_proto . inet_service : verdict; }}\n", t, f, at);
    for (Protocol p : kProtocols)
      out += format_text("add map {} {} {{ typeof {} daddr . {} dport . numgen random mod 1 : {} daddr . {} dport; }}\n", t,
                         backends_map(f, p), ip, nft_name(p), ip, nft_name(p));
    out += format_text("add set {} no_endpoints{} {{ type {} . inet_proto . inet_service; }}\n", t, f, at);
    out += format_text("add set {} cluster_ips{} {{ type {}; }}\n", t, f, at);
    out += format_text("add set {} hairpin{} {{ type {} . {}; }}\n", t, f, at, at);
  }
  out += format_text("add chain {} services\n", t);
  for (int f : {6, 4})
    out += format_text("add rule {} services {} daddr . meta l4proto . th dport vmap @service_ips{}\n", t, ipkw(f), f);
  // DNAT for pods (prerouting: their packets arrive on the node's veths) and for the
  // node's own processes (output).
  for (const char* hook : {"prerouting", "output"}) {
    out += format_text("add chain {} nat_{} {{ type nat hook {} priority -100; policy accept; }}\n", t, hook, hook);
    out += format_text("add rule {} nat_{} jump services\n", t, hook);
  }
  out += format_text("add chain {} nat_postrouting {{ type nat hook postrouting priority 100; policy accept; }}\n", t);
  for (int f : {6, 4})
    out += format_text("add rule {} nat_postrouting ct status dnat {} saddr . {} daddr @hairpin{} masquerade\n", t,
                       ipkw(f), ipkw(f), f);
  // TCP gets a reset, not upstream's ICMP port unreachable: both make connect() fail
  // with ECONNREFUSED, but over a veth the ICMP error comes back while the connecting
  // socket is still locked by connect() itself, where TCP only notes it as a soft error
  // and waits for the SYN retransmit (1 s); a RST is queued and acted on at once.
  out += format_text("add chain {} reject_chain\n", t);
  out += format_text("add rule {} reject_chain meta l4proto tcp reject with tcp reset\n", t);
  out += format_text("add rule {} reject_chain reject\n", t);
  // No usable endpoint: reject before NAT (priority -110 < dstnat -100), as upstream.
  for (const char* hook : {"prerouting", "output"}) {
    out += format_text("add chain {} filter_{} {{ type filter hook {} priority -110; policy accept; }}\n", t, hook, hook);
    for (int f : {6, 4})
      out += format_text(
          "add rule {} filter_{} ct state new {} daddr . meta l4proto . th dport @no_endpoints{} goto reject_chain\n", t,
          hook, ipkw(f), f);
  }
  // After DNAT: still addressed to a ClusterIP means a port the Service does not have.
  out += format_text("add chain {} filter_forward {{ type filter hook forward priority -110; policy accept; }}\n", t);
  out += format_text("add chain {} filter_output_post_dnat {{ type filter hook output priority -90; policy accept; }}\n", t);
  for (const char* chain : {"filter_forward", "filter_output_post_dnat"})
    for (int f : {6, 4})
      out += format_text("add rule {} {} ct state new {} daddr @cluster_ips{} goto reject_chain\n", t, chain, ipkw(f), f);
  for (const PickChain& c : s.chains) add_chain(out, c);
  for (const auto& [set, elems] : s.elements) {
    std::vector<std::string> items;
    items.reserve(elems.size());
    for (const auto& [k, v] : elems) items.push_back(element_text(k, v));
    append_elements(out, "add", set, items);
  }
  return out;
}

std::string delta_script(const ProxyState& before, const ProxyState& after) {
  std::string out;
  for (const PickChain& c : after.chains)
    if (!before.chains.contains(c)) add_chain(out, c);
  static const std::map<std::string, std::string> kNone;
  auto elems = [](const ProxyState& s, const std::string& set) -> const std::map<std::string, std::string>& {
    auto it = s.elements.find(set);
    return it == s.elements.end() ? kNone : it->second;
  };
  std::set<std::string> sets;
  for (const auto& [n, e] : before.elements) sets.insert(n);
  for (const auto& [n, e] : after.elements) sets.insert(n);
  std::string adds;
  for (const std::string& set : sets) {
    const auto& from = elems(before, set);
    const auto& to = elems(after, set);
    std::vector<std::string> del, add;
    for (const auto& [k, v] : from) {
      auto it = to.find(k);
      if (it == to.end() || it->second != v) del.push_back(k);  // a map value changes: delete + add
    }
    for (const auto& [k, v] : to) {
      auto it = from.find(k);
      if (it == from.end() || it->second != v) add.push_back(element_text(k, v));
    }
    append_elements(out, "delete", set, del);
    append_elements(adds, "add", set, add);
  }
  out += adds;
  for (const PickChain& c : before.chains)
    if (!after.chains.contains(c)) out += format_text("delete chain {} {}\n", table(), c.name());
  return out;
}

std::string delete_script() {
  const std::string t = table();
  return format_text("add table {}\ndelete table {}\n", t, t);
}

}  // namespace v6k::node::proxy
