// The pod address keys of the netconf, in either mode (see spec.h NetConf).
#include <optional>
#include <set>

#include "cni/spec_internal.h"

namespace v6k::cni {

using nlohmann::json;

addr::Ipv4Address pod_gateway_v4() { return addr::Ipv4Address(0xA9FE0101u); }  // 169.254.1.1

namespace internal {
namespace {

constexpr size_t kMaxIpv4Addresses = 4096;

using Parsed = std::expected<void, CniError>;

// The keys ipv4Egress and ipv4Snat share (enabled, nodeIPv4, uplink); nullopt for others.
std::optional<Parsed> parse_shared_key(const std::string& obj, const std::string& k, const json& v, bool& enabled,
                                       addr::Ipv4Address& node_ipv4, std::string& uplink) {
  const std::string key = "\"" + obj + "." + k + "\"";
  if (k == "enabled") {
    if (!v.is_boolean()) return std::unexpected(bad_config(key + " must be a boolean"));
    enabled = v.get<bool>();
  } else if (k == "nodeIPv4") {
    if (!v.is_string()) return std::unexpected(bad_config(key + " must be a string"));
    auto a = addr::Ipv4Address::parse(v.get<std::string>());
    if (!a) return std::unexpected(bad_config("invalid " + key, a.error().message()));
    node_ipv4 = *a;
  } else if (k == "uplink") {
    if (!v.is_string() || v.get<std::string>().size() > 15)
      return std::unexpected(bad_config(key + " must be an interface name"));
    uplink = v.get<std::string>();
  } else {
    return std::nullopt;
  }
  return Parsed{};
}

Parsed parse_egress(const json& j, Ipv4Egress& out) {
  if (!j.is_object()) return std::unexpected(bad_config("\"ipv4Egress\" must be an object"));
  for (auto& [k, v] : j.items()) {
    if (auto shared = parse_shared_key("ipv4Egress", k, v, out.enabled, out.node_ipv4, out.uplink)) {
      if (!*shared) return *shared;
    } else if (k == "range") {
      if (!v.is_string()) return std::unexpected(bad_config("\"ipv4Egress.range\" must be a string"));
      auto p = addr::Ipv4Prefix::parse(v.get<std::string>());
      if (!p) return std::unexpected(bad_config("invalid \"ipv4Egress.range\"", p.error().message()));
      if (p->length() > 29 || p->length() < 16)
        return std::unexpected(bad_config("\"ipv4Egress.range\" must be between /16 and /29",
                                          "got " + p->to_string()));
      out.range = *p;
    } else {
      return std::unexpected(error(kErrUnsupportedField, "unsupported field \"ipv4Egress." + k + "\""));
    }
  }
  if (out.enabled && out.node_ipv4 == addr::Ipv4Address())
    return std::unexpected(bad_config("\"ipv4Egress.nodeIPv4\" is required when IPv4 egress is enabled"));
  out.gateway = addr::Ipv4Address(out.range.address().to_u32() + 1);
  return {};
}

Parsed parse_ipv6_prefixes(const json& prefixes, NetConf& out) {
  if (!prefixes.is_array() || prefixes.empty())
    return std::unexpected(bad_config("\"ipv6Prefixes\" must be a non-empty array of IPv6 prefixes"));
  for (const auto& p : prefixes) {
    if (!p.is_string()) return std::unexpected(bad_config("\"ipv6Prefixes\" entries must be strings"));
    auto pre = addr::Ipv6Prefix::parse(p.get<std::string>());
    if (!pre) return std::unexpected(bad_config("invalid IPv6 prefix in \"ipv6Prefixes\"", pre.error().message()));
    if (pre->length() > 124 || pre->length() < 16)
      return std::unexpected(bad_config("pod prefixes must be between /16 and /124",
                                        "got " + pre->to_string()));
    for (const auto& other : out.ipv6_prefixes)
      if (other.overlaps(*pre))
        return std::unexpected(bad_config("pod prefixes overlap", other.to_string() + " and " + pre->to_string()));
    out.ipv6_prefixes.push_back(*pre);
  }
  return {};
}

Parsed parse_ipv4_addresses(const json& list, NetConf& out) {
  if (!list.is_array() || list.size() > kMaxIpv4Addresses)
    return std::unexpected(bad_config("\"ipv4Addresses\" must be an array of at most " +
                                      std::to_string(kMaxIpv4Addresses) + " IPv4 addresses"));
  out.ipv4_pods = true;
  std::set<uint32_t> seen;
  for (const auto& a : list) {
    if (!a.is_string()) return std::unexpected(bad_config("\"ipv4Addresses\" entries must be strings"));
    auto ip = addr::Ipv4Address::parse(a.get<std::string>());
    if (!ip) return std::unexpected(bad_config("invalid IPv4 address in \"ipv4Addresses\"", ip.error().message()));
    uint32_t v = ip->to_u32();
    // Unspecified, loopback, link-local (our gateway lives there), multicast and above.
    if (v == 0 || (v >> 24) == 127 || (v >> 16) == 0xA9FE || v >= 0xE0000000u)
      return std::unexpected(bad_config("\"ipv4Addresses\" must be unicast pod addresses", "got " + ip->to_string()));
    if (!seen.insert(v).second)
      return std::unexpected(bad_config("\"ipv4Addresses\" lists an address twice", ip->to_string()));
    out.ipv4_addresses.push_back(*ip);
  }
  return {};
}

Parsed parse_snat(const json& j, Ipv4Snat& out) {
  if (!j.is_object()) return std::unexpected(bad_config("\"ipv4Snat\" must be an object"));
  out.enabled = true;
  for (auto& [k, v] : j.items()) {
    if (auto shared = parse_shared_key("ipv4Snat", k, v, out.enabled, out.node_ipv4, out.uplink)) {
      if (!*shared) return *shared;
    } else if (k == "excludeCidrs") {
      if (!v.is_array() || v.size() > 64)
        return std::unexpected(bad_config("\"ipv4Snat.excludeCidrs\" must be an array of at most 64 IPv4 CIDRs"));
      for (const auto& c : v) {
        if (!c.is_string()) return std::unexpected(bad_config("\"ipv4Snat.excludeCidrs\" entries must be strings"));
        auto p = addr::Ipv4Prefix::parse(c.get<std::string>());
        if (!p) return std::unexpected(bad_config("invalid CIDR in \"ipv4Snat.excludeCidrs\"", p.error().message()));
        out.exclude.push_back(*p);
      }
    } else {
      return std::unexpected(error(kErrUnsupportedField, "unsupported field \"ipv4Snat." + k + "\""));
    }
  }
  if (out.enabled && out.node_ipv4 == addr::Ipv4Address())
    return std::unexpected(bad_config("\"ipv4Snat.nodeIPv4\" is required when source NAT is enabled"));
  return {};
}

}  // namespace

Parsed parse_pod_addresses(const json& j, NetConf& out) {
  const bool v6 = j.contains("ipv6Prefixes"), v4 = j.contains("ipv4Addresses");
  if (v6 && v4)
    return std::unexpected(bad_config("\"ipv6Prefixes\" and \"ipv4Addresses\" exclude each other",
                                      "a node gives pods IPv6 (an IPv6 cluster) or IPv4 (an IPv4 cluster)"));
  if (!v6 && !v4)
    return std::unexpected(bad_config("\"ipv6Prefixes\" is required (the node's delegated IPv6 prefixes), "
                                      "or \"ipv4Addresses\" in an IPv4 cluster"));
  out.ipv4_egress.range = *addr::Ipv4Prefix::parse("169.254.172.0/22");
  out.ipv4_egress.gateway = addr::Ipv4Address(out.ipv4_egress.range.address().to_u32() + 1);
  if (v4) {
    if (j.contains("ipv4Egress"))
      return std::unexpected(bad_config("\"ipv4Egress\" is for IPv6 pods; with \"ipv4Addresses\" use \"ipv4Snat\""));
    if (auto r = parse_ipv4_addresses(j["ipv4Addresses"], out); !r) return r;
    if (j.contains("ipv4Snat"))
      if (auto r = parse_snat(j["ipv4Snat"], out.ipv4_snat); !r) return r;
    return {};
  }
  if (j.contains("ipv4Snat"))
    return std::unexpected(bad_config("\"ipv4Snat\" needs \"ipv4Addresses\"; IPv6 pods use \"ipv4Egress\""));
  if (auto r = parse_ipv6_prefixes(j["ipv6Prefixes"], out); !r) return r;
  if (j.contains("ipv4Egress"))
    if (auto r = parse_egress(j["ipv4Egress"], out.ipv4_egress); !r) return r;
  out.ipv4_egress.gateway = addr::Ipv4Address(out.ipv4_egress.range.address().to_u32() + 1);
  return {};
}

}  // namespace internal
}  // namespace v6k::cni
