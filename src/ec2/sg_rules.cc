#include "ec2/sg_rules.h"

#include <cctype>
#include <optional>
#include <string_view>
#include <utility>

namespace v6k::ec2 {
namespace {

ApiError invalid(std::string message) { return api_error("InvalidParameterValue", std::move(message)); }
ApiError missing(const std::string& name) {
  return api_error("MissingParameter", "The request must contain the parameter " + name);
}
ApiError malformed_cidr(const std::string& text) { return invalid("CIDR block " + text + " is malformed"); }

std::string lower(std::string s) {
  for (auto& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return s;
}
std::string upper(std::string s) {
  for (auto& ch : s) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  return s;
}

// A decimal 0..max of at most three digits (no sign, no leading '+').
std::optional<int> small_number(std::string_view t, int max) {
  if (t.empty() || t.size() > 3) return std::nullopt;
  int v = 0;
  for (char ch : t) {
    if (ch < '0' || ch > '9') return std::nullopt;
    v = v * 10 + (ch - '0');
  }
  if (v > max) return std::nullopt;
  return v;
}

// EC2 accepts host bits in a rule's CIDR and stores the network ("10.0.0.5/24" is
// 10.0.0.0/24), so a later duplicate in either spelling is caught.
template <typename Address, typename Prefix, int kMaxLength>
std::expected<std::string, ApiError> canonical_cidr(const std::string& text) {
  auto slash = text.find('/');
  if (slash == std::string::npos) return std::unexpected(malformed_cidr(text));
  auto a = Address::parse(std::string_view(text).substr(0, slash));
  auto len = small_number(std::string_view(text).substr(slash + 1), kMaxLength);
  if (!a || !len) return std::unexpected(malformed_cidr(text));
  auto p = Prefix::make(*a, *len);
  if (!p) return std::unexpected(malformed_cidr(text));
  return p->to_string();
}

bool has_ports(const std::string& protocol) {
  return protocol == "tcp" || protocol == "udp" || protocol == "icmp" || protocol == "icmpv6";
}

struct Ports {
  int from = -1;
  int to = -1;
};

// Port (or ICMP type/code) rules per protocol; protocols without ports ignore what was given.
std::expected<Ports, ApiError> check_ports(const std::string& protocol, std::optional<long long> from,
                                           std::optional<long long> to) {
  if (protocol == "tcp" || protocol == "udp") {
    if (!from || !to) return std::unexpected(invalid("Invalid value 'Must specify both from and to ports with TCP/UDP.' for portRange."));
    for (long long v : {*from, *to})
      if (v < 0 || v > 65535) return std::unexpected(invalid("TCP/UDP port (" + std::to_string(v) + ") out of range"));
    if (*from > *to)
      return std::unexpected(invalid("Invalid TCP/UDP port range: from port " + std::to_string(*from) +
                                     " is greater than to port " + std::to_string(*to) + "."));
    return Ports{static_cast<int>(*from), static_cast<int>(*to)};
  }
  if (protocol == "icmp" || protocol == "icmpv6") {
    // ICMPv6 rules may leave type and code out (all of them); ICMP rules must give both.
    if (protocol == "icmp" && (!from || !to))
      return std::unexpected(invalid("Invalid value 'Must specify both from and to ports with ICMP.' for portRange."));
    long long type = from.value_or(-1), code = to.value_or(-1);
    if (type < -1 || type > 255) return std::unexpected(invalid("ICMP type (" + std::to_string(type) + ") out of range"));
    if (code < -1 || code > 255) return std::unexpected(invalid("ICMP code (" + std::to_string(code) + ") out of range"));
    if (type == -1 && code != -1)
      return std::unexpected(invalid("ICMP code (" + std::to_string(code) + ") must be -1 when the ICMP type is -1 (all types)"));
    return Ports{static_cast<int>(type), static_cast<int>(code)};
  }
  return Ports{};
}

std::expected<std::string, ApiError> rule_description(const aws::QueryParams& q) {
  std::string d = q.get("Description").value_or("");
  if (!valid_sg_text(d))
    return std::unexpected(invalid("Invalid rule description. Valid descriptions are strings less than 256 characters "
                                   "from the following set:  a-zA-Z0-9. _-:/()#,@[]+=&;{}!$*"));
  return d;
}

// A UserIdGroupPair (Groups.M): the referenced group, which must live in the same VPC.
std::expected<std::string, ApiError> resolve_pair(const aws::QueryParams& pair, const SecurityGroup& group,
                                                  const std::vector<SecurityGroup>& groups) {
  auto id = pair.get("GroupId").value_or("");
  auto name = pair.get("GroupName").value_or("");
  if (!id.empty()) {
    for (const auto& g : groups) {
      if (g.id != id) continue;
      if (g.vpc_id != group.vpc_id)
        return std::unexpected(api_error("InvalidGroup.NotFound", "You have specified two resources that belong to different networks."));
      return g.id;
    }
    if (id.rfind("sg-", 0) != 0)
      return std::unexpected(api_error("InvalidGroupId.Malformed", "Invalid id: \"" + id + "\" (expecting \"sg-...\")"));
    return std::unexpected(group_not_found(id));
  }
  if (!name.empty()) {
    for (const auto& g : groups)
      if (g.vpc_id == group.vpc_id && g.name == name) return g.id;
    return std::unexpected(api_error("InvalidGroup.NotFound", "The security group '" + name + "' does not exist in VPC '" +
                                     group.vpc_id + "'"));
  }
  return std::unexpected(missing("GroupId or GroupName (in a user/group pair)"));
}

// The legacy flat parameters, rewritten as the one IpPermission they describe.
const char* const kLegacyKeys[] = {"IpProtocol", "FromPort", "ToPort", "CidrIp", "SourceSecurityGroupName",
                                   "SourceSecurityGroupOwnerId"};

std::expected<std::optional<aws::QueryParams>, ApiError> legacy_permission(const aws::QueryParams& p) {
  bool any = false;
  for (const char* k : kLegacyKeys) any = any || p.has(k);
  if (!any) return std::optional<aws::QueryParams>();
  auto cidr = p.get("CidrIp");
  auto source = p.get("SourceSecurityGroupName");
  if (cidr && source)
    return std::unexpected(api_error("InvalidParameterCombination",
                                     "The parameter 'sourceSecurityGroupName' may not be used in combination with 'cidrIp'"));
  aws::QueryParams q;
  if (auto proto = p.get("IpProtocol")) {
    q.insert("IpProtocol", *proto);
  } else if (source) {
    q.insert("IpProtocol", "-1");  // a source group alone grants all traffic from it
  }
  if (auto v = p.get("FromPort")) q.insert("FromPort", *v);
  if (auto v = p.get("ToPort")) q.insert("ToPort", *v);
  if (cidr) q.insert("IpRanges.1.CidrIp", *cidr);
  if (source) q.insert("Groups.1.GroupName", *source);
  return std::optional<aws::QueryParams>(std::move(q));
}

// The rules one IpPermission describes (one per peer); `n` is its 1-based index for messages.
std::expected<std::vector<SgRule>, ApiError> permission_rules(const aws::QueryParams& item, size_t n, bool egress,
                                                              const SecurityGroup& group,
                                                              const std::vector<SecurityGroup>& groups) {
  auto proto_text = item.get("IpProtocol");
  if (!proto_text || proto_text->empty()) return std::unexpected(missing("IpPermissions." + std::to_string(n) + ".IpProtocol"));
  auto protocol = canonical_protocol(*proto_text);
  if (!protocol) return std::unexpected(protocol.error());
  auto from = item.get_int("FromPort");
  if (!from) return std::unexpected(invalid(from.error().what()));
  auto to = item.get_int("ToPort");
  if (!to) return std::unexpected(invalid(to.error().what()));
  auto ports = check_ports(*protocol, *from, *to);
  if (!ports) return std::unexpected(ports.error());

  SgRule base;
  base.egress = egress;
  base.protocol = *protocol;
  base.from_port = ports->from;
  base.to_port = ports->to;
  std::vector<SgRule> out;

  auto v4 = param_structs(item, "IpRanges");
  if (!v4) return std::unexpected(v4.error());
  for (const auto& r : *v4) {
    auto text = r.get("CidrIp");
    if (!text) return std::unexpected(missing("IpRanges.N.CidrIp"));
    auto cidr = canonical_cidr<addr::Ipv4Address, addr::Ipv4Prefix, 32>(*text);
    if (!cidr) return std::unexpected(cidr.error());
    auto d = rule_description(r);
    if (!d) return std::unexpected(d.error());
    SgRule rule = base;
    rule.cidr_ipv4 = *cidr;
    rule.description = *d;
    out.push_back(std::move(rule));
  }
  auto v6 = param_structs(item, "Ipv6Ranges");
  if (!v6) return std::unexpected(v6.error());
  for (const auto& r : *v6) {
    auto text = r.get("CidrIpv6");
    if (!text) return std::unexpected(missing("Ipv6Ranges.N.CidrIpv6"));
    auto cidr = canonical_cidr<addr::Ipv6Address, addr::Ipv6Prefix, 128>(*text);
    if (!cidr) return std::unexpected(cidr.error());
    auto d = rule_description(r);
    if (!d) return std::unexpected(d.error());
    SgRule rule = base;
    rule.cidr_ipv6 = *cidr;
    rule.description = *d;
    out.push_back(std::move(rule));
  }
  auto pairs = param_structs(item, "Groups");
  if (!pairs) return std::unexpected(pairs.error());
  for (const auto& pair : *pairs) {
    auto id = resolve_pair(pair, group, groups);
    if (!id) return std::unexpected(id.error());
    auto d = rule_description(pair);
    if (!d) return std::unexpected(d.error());
    SgRule rule = base;
    rule.referenced_group_id = *id;
    rule.description = *d;
    out.push_back(std::move(rule));
  }
  // This region has no managed prefix lists, so every prefix list ID is unknown.
  auto lists = param_structs(item, "PrefixListIds");
  if (!lists) return std::unexpected(lists.error());
  for (const auto& l : *lists) {
    auto id = l.get("PrefixListId").value_or("");
    return std::unexpected(api_error("InvalidPrefixListId.NotFound", "The prefix list ID '" + id + "' does not exist"));
  }
  return out;
}

}  // namespace

bool valid_sg_text(const std::string& s) {
  static constexpr std::string_view kExtra = " ._-:/()#,@[]+=&;{}!$*";
  if (s.size() > 255) return false;
  for (char ch : s)
    if (!std::isalnum(static_cast<unsigned char>(ch)) && kExtra.find(ch) == std::string_view::npos) return false;
  return true;
}

ApiError group_not_found(const std::string& id_or_name) {
  return api_error("InvalidGroup.NotFound", "The security group '" + id_or_name + "' does not exist");
}

std::expected<const SecurityGroup*, ApiError> find_target_group(const aws::QueryParams& p,
                                                                const std::vector<SecurityGroup>& groups,
                                                                bool allow_name) {
  auto id = p.get("GroupId").value_or("");
  if (!id.empty()) {
    for (const auto& g : groups)
      if (g.id == id) return &g;
    if (id.rfind("sg-", 0) != 0)
      return std::unexpected(api_error("InvalidGroupId.Malformed", "Invalid id: \"" + id + "\" (expecting \"sg-...\")"));
    return std::unexpected(group_not_found(id));
  }
  auto name = allow_name ? p.get("GroupName").value_or("") : std::string();
  if (name.empty()) return std::unexpected(missing(allow_name ? "groupName or groupId" : "groupId"));
  // EC2 resolves a bare name in the default VPC; this region has none, so a name names the
  // group in whichever VPC carries it, and only when exactly one does.
  const SecurityGroup* found = nullptr;
  for (const auto& g : groups) {
    if (g.name != name) continue;
    if (found)
      return std::unexpected(invalid("The security group name '" + name +
                                     "' is used in more than one VPC; specify the group by GroupId"));
    found = &g;
  }
  if (!found) return std::unexpected(group_not_found(name));
  return found;
}

std::expected<std::string, ApiError> canonical_protocol(const std::string& text) {
  std::string t = lower(text);
  if (t == "tcp" || t == "udp" || t == "icmp" || t == "icmpv6") return t;
  if (t == "-1" || t == "all") return std::string("-1");
  if (auto n = small_number(t, 255)) {
    switch (*n) {
      case 6: return std::string("tcp");
      case 17: return std::string("udp");
      case 1: return std::string("icmp");
      case 58: return std::string("icmpv6");
      default: return std::to_string(*n);
    }
  }
  return std::unexpected(invalid("Invalid value '" + text + "' for IP protocol. Unknown protocol."));
}

std::expected<std::vector<SgRule>, ApiError> parse_rules(const aws::QueryParams& p, bool egress,
                                                         const SecurityGroup& group,
                                                         const std::vector<SecurityGroup>& groups) {
  auto items = param_structs(p, "IpPermissions");
  if (!items) return std::unexpected(items.error());
  auto legacy = legacy_permission(p);
  if (!legacy) return std::unexpected(legacy.error());
  if (*legacy && !items->empty())
    return std::unexpected(api_error("InvalidParameterCombination",
                                     "The parameter 'ipPermissions' may not be used in combination with 'ipProtocol', "
                                     "'fromPort', 'toPort', 'cidrIp' or 'sourceSecurityGroupName'"));
  if (*legacy) items->push_back(std::move(**legacy));
  if (items->empty()) return std::unexpected(missing("ipPermissions"));

  std::vector<SgRule> out;
  for (size_t i = 0; i < items->size(); ++i) {
    auto rules = permission_rules((*items)[i], i + 1, egress, group, groups);
    if (!rules) return std::unexpected(rules.error());
    for (auto& r : *rules) {
      for (const auto& seen : out)
        if (same_rule(seen, r))
          return std::unexpected(api_error("InvalidPermission.Duplicate",
                                           "the specified rule \"" + rule_text(r) + "\" already exists"));
      out.push_back(std::move(r));
    }
  }
  return out;
}

bool same_rule(const SgRule& a, const SgRule& b) {
  return a.egress == b.egress && a.protocol == b.protocol && a.from_port == b.from_port && a.to_port == b.to_port &&
         a.cidr_ipv4 == b.cidr_ipv4 && a.cidr_ipv6 == b.cidr_ipv6 && a.referenced_group_id == b.referenced_group_id;
}

std::string rule_text(const SgRule& r) {
  std::string peer = !r.cidr_ipv4.empty() ? r.cidr_ipv4 : !r.cidr_ipv6.empty() ? r.cidr_ipv6 : r.referenced_group_id;
  std::string out = "peer: " + peer + ", ";
  if (r.protocol == "-1") return out + "ALL, ALLOW";
  out += upper(r.protocol) + ", ";
  if (has_ports(r.protocol))
    out += "from port: " + std::to_string(r.from_port) + ", to port: " + std::to_string(r.to_port) + ", ";
  return out + "ALLOW";
}

void write_ip_permissions(aws::XmlWriter& w, const std::string& element, const std::vector<SgRule>& rules,
                          bool egress, const std::string& owner) {
  // (protocol, from, to) -> rows, in first-seen order.
  std::vector<std::vector<const SgRule*>> buckets;
  for (const auto& r : rules) {
    if (r.egress != egress) continue;
    bool placed = false;
    for (auto& b : buckets) {
      const SgRule& k = *b.front();
      if (k.protocol == r.protocol && k.from_port == r.from_port && k.to_port == r.to_port) {
        b.push_back(&r);
        placed = true;
        break;
      }
    }
    if (!placed) buckets.push_back({&r});
  }
  w.start(element);
  for (const auto& b : buckets) {
    const SgRule& k = *b.front();
    w.start("item");
    w.leaf("ipProtocol", k.protocol);
    if (has_ports(k.protocol)) {
      w.leaf("fromPort", static_cast<long long>(k.from_port));
      w.leaf("toPort", static_cast<long long>(k.to_port));
    }
    w.start("groups");
    for (const SgRule* r : b) {
      if (r->referenced_group_id.empty()) continue;
      w.start("item");
      w.leaf("userId", owner);
      w.leaf("groupId", r->referenced_group_id);
      if (!r->description.empty()) w.leaf("description", r->description);
      w.end();
    }
    w.end();
    w.start("ipRanges");
    for (const SgRule* r : b) {
      if (r->cidr_ipv4.empty()) continue;
      w.start("item");
      w.leaf("cidrIp", r->cidr_ipv4);
      if (!r->description.empty()) w.leaf("description", r->description);
      w.end();
    }
    w.end();
    w.start("ipv6Ranges");
    for (const SgRule* r : b) {
      if (r->cidr_ipv6.empty()) continue;
      w.start("item");
      w.leaf("cidrIpv6", r->cidr_ipv6);
      if (!r->description.empty()) w.leaf("description", r->description);
      w.end();
    }
    w.end();
    w.start("prefixListIds");
    w.end();
    w.end();
  }
  w.end();
}

void write_rule(aws::XmlWriter& w, const SgRule& r, const std::string& group_id, const std::string& owner) {
  w.leaf("securityGroupRuleId", r.id);
  w.leaf("groupId", group_id);
  w.leaf("groupOwnerId", owner);
  w.leaf("isEgress", r.egress);
  w.leaf("ipProtocol", r.protocol);
  w.leaf("fromPort", static_cast<long long>(r.from_port));
  w.leaf("toPort", static_cast<long long>(r.to_port));
  if (!r.cidr_ipv4.empty()) w.leaf("cidrIpv4", r.cidr_ipv4);
  if (!r.cidr_ipv6.empty()) w.leaf("cidrIpv6", r.cidr_ipv6);
  if (!r.referenced_group_id.empty()) {
    w.start("referencedGroupInfo");
    w.leaf("groupId", r.referenced_group_id);
    w.leaf("userId", owner);
    w.end();
  }
  if (!r.description.empty()) w.leaf("description", r.description);
}

}  // namespace v6k::ec2
