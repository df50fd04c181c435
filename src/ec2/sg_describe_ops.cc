// DescribeSecurityGroups and DescribeSecurityGroupRules: EC2's filters (including the
// ip-permission.* ones over a group's rules) and MaxResults/NextToken pages.
#include <algorithm>

#include "ec2/sg_rules.h"

namespace v6k::ec2 {
namespace {

using Values = std::optional<std::vector<std::string>>;

// A protocol filter matches the name and, for the named protocols, the IANA number.
void add_protocol(std::vector<std::string>& out, const std::string& p) {
  out.push_back(p);
  if (p == "tcp") out.push_back("6");
  if (p == "udp") out.push_back("17");
  if (p == "icmp") out.push_back("1");
  if (p == "icmpv6") out.push_back("58");
}

// ip-permission.<field> / egress.ip-permission.<field> over the rules of one direction.
Values permission_values(const SecurityGroup& g, const std::vector<SecurityGroup>& all, bool egress,
                         const std::string& field, const std::string& owner) {
  static const char* const kFields[] = {"cidr",     "ipv6-cidr", "protocol", "from-port",     "to-port",
                                        "group-id", "group-name", "user-id", "prefix-list-id"};
  if (std::none_of(std::begin(kFields), std::end(kFields), [&](const char* f) { return field == f; })) return std::nullopt;
  std::vector<std::string> out;
  for (const auto& r : g.rules) {
    if (r.egress != egress) continue;
    if (field == "cidr" && !r.cidr_ipv4.empty()) out.push_back(r.cidr_ipv4);
    if (field == "ipv6-cidr" && !r.cidr_ipv6.empty()) out.push_back(r.cidr_ipv6);
    if (field == "protocol") add_protocol(out, r.protocol);
    if (field == "from-port") out.push_back(std::to_string(r.from_port));
    if (field == "to-port") out.push_back(std::to_string(r.to_port));
    if (r.referenced_group_id.empty()) continue;
    if (field == "group-id") out.push_back(r.referenced_group_id);
    if (field == "user-id") out.push_back(owner);
    if (field == "group-name")
      for (const auto& other : all)
        if (other.id == r.referenced_group_id) out.push_back(other.name);
  }
  return out;
}

Values group_filter_values(const SecurityGroup& g, const std::vector<SecurityGroup>& all, const std::string& owner,
                           const std::string& name) {
  using V = std::vector<std::string>;
  if (name == "group-id") return V{g.id};
  if (name == "group-name") return V{g.name};
  if (name == "vpc-id") return V{g.vpc_id};
  if (name == "description") return V{g.description};
  if (name == "owner-id") return V{owner};
  static const std::string kEgress = "egress.ip-permission.", kIngress = "ip-permission.";
  if (name.rfind(kEgress, 0) == 0) return permission_values(g, all, true, name.substr(kEgress.size()), owner);
  if (name.rfind(kIngress, 0) == 0) return permission_values(g, all, false, name.substr(kIngress.size()), owner);
  bool known = false;
  auto tags = tag_filter_values(g.tags, name, &known);
  if (known) return tags;
  return std::nullopt;
}

struct Page {
  size_t begin = 0;
  size_t end = 0;
  std::string next_token;  // "" on the last page
};

// MaxResults (5..1000) and NextToken over `ids` in response order. The token is the ID of
// the first item of the next page, so it stays meaningful while the listing is read.
std::expected<Page, ApiError> paginate(const aws::QueryParams& p, const std::vector<std::string>& ids) {
  auto max = p.get_int("MaxResults");
  if (!max) return std::unexpected(api_error("InvalidParameterValue", max.error().what()));
  if (*max && (**max < 5 || **max > 1000))
    return std::unexpected(api_error("InvalidParameterValue", "Value ( " + std::to_string(**max) +
                                     " ) for parameter maxResults is invalid. Expecting a value between 5 and 1000."));
  Page page;
  if (auto token = p.get("NextToken"); token && !token->empty()) {
    auto it = std::find(ids.begin(), ids.end(), *token);
    if (it == ids.end()) return std::unexpected(api_error("InvalidNextToken", "The token '" + *token + "' is invalid."));
    page.begin = static_cast<size_t>(it - ids.begin());
  }
  page.end = ids.size();
  if (*max && ids.size() - page.begin > static_cast<size_t>(**max)) {
    page.end = page.begin + static_cast<size_t>(**max);
    page.next_token = ids[page.end];
  }
  return page;
}

bool listed(const std::vector<std::string>& wanted, const std::string& v) {
  return wanted.empty() || std::find(wanted.begin(), wanted.end(), v) != wanted.end();
}

}  // namespace

OpResult describe_security_groups(OpContext& c) {
  auto filters = parse_filters(c.params);
  if (!filters) return std::unexpected(filters.error());
  auto ids = param_list(c.params, "GroupId");
  if (!ids) return std::unexpected(ids.error());
  auto names = param_list(c.params, "GroupName");
  if (!names) return std::unexpected(names.error());
  if (!ids->empty() && c.params.has("MaxResults"))
    return std::unexpected(api_error("InvalidParameterCombination",
                                     "The parameter groupIds cannot be used with the parameter maxResults"));
  auto groups = load_all<SecurityGroup>(c.store, kSecurityGroupPrefix, "security group");
  if (!groups) return std::unexpected(groups.error());
  for (const auto& id : *ids) {
    if (std::any_of(groups->begin(), groups->end(), [&](const SecurityGroup& g) { return g.id == id; })) continue;
    if (id.rfind("sg-", 0) != 0)
      return std::unexpected(api_error("InvalidGroupId.Malformed", "Invalid id: \"" + id + "\" (expecting \"sg-...\")"));
    return std::unexpected(group_not_found(id));
  }
  for (const auto& name : *names)
    if (std::none_of(groups->begin(), groups->end(), [&](const SecurityGroup& g) { return g.name == name; }))
      return std::unexpected(group_not_found(name));

  const std::string owner = c.region.account_id;
  std::vector<SecurityGroup> out;
  for (const auto& g : *groups) {
    if (!listed(*ids, g.id) || !listed(*names, g.name)) continue;
    auto ok = matches(*filters, [&](const std::string& f) { return group_filter_values(g, *groups, owner, f); });
    if (!ok) return std::unexpected(ok.error());
    if (*ok) out.push_back(g);
  }
  std::vector<std::string> order;
  for (const auto& g : out) order.push_back(g.id);
  auto page = paginate(c.params, order);
  if (!page) return std::unexpected(page.error());
  out = std::vector<SecurityGroup>(out.begin() + static_cast<long>(page->begin), out.begin() + static_cast<long>(page->end));
  return [out, owner, next = page->next_token](aws::XmlWriter& w) {
    w.start("securityGroupInfo");
    for (const auto& g : out) {
      w.start("item");
      w.leaf("ownerId", owner);
      w.leaf("groupId", g.id);
      w.leaf("groupName", g.name);
      w.leaf("groupDescription", g.description);
      w.leaf("vpcId", g.vpc_id);
      write_ip_permissions(w, "ipPermissions", g.rules, false, owner);
      write_ip_permissions(w, "ipPermissionsEgress", g.rules, true, owner);
      write_tags(w, g.tags);
      w.end();
    }
    w.end();
    if (!next.empty()) w.leaf("nextToken", next);
  };
}

OpResult describe_security_group_rules(OpContext& c) {
  auto filters = parse_filters(c.params);
  if (!filters) return std::unexpected(filters.error());
  auto ids = param_list(c.params, "SecurityGroupRuleId");
  if (!ids) return std::unexpected(ids.error());
  auto groups = load_all<SecurityGroup>(c.store, kSecurityGroupPrefix, "security group");
  if (!groups) return std::unexpected(groups.error());
  struct Row {
    std::string group_id;
    SgRule rule;
  };
  std::vector<Row> all;
  for (const auto& g : *groups)
    for (const auto& r : g.rules) all.push_back({g.id, r});
  for (const auto& id : *ids) {
    if (std::any_of(all.begin(), all.end(), [&](const Row& row) { return row.rule.id == id; })) continue;
    if (id.rfind("sgr-", 0) != 0)
      return std::unexpected(api_error("InvalidSecurityGroupRuleId.Malformed", "Invalid id: \"" + id + "\" (expecting \"sgr-...\")"));
    return std::unexpected(api_error("InvalidSecurityGroupRuleId.NotFound", "The security group rule ID '" + id + "' does not exist"));
  }

  std::vector<Row> out;
  for (const auto& row : all) {
    if (!listed(*ids, row.rule.id)) continue;
    auto ok = matches(*filters, [&](const std::string& f) -> Values {
      if (f == "group-id") return std::vector<std::string>{row.group_id};
      if (f == "security-group-rule-id") return std::vector<std::string>{row.rule.id};
      bool known = false;
      auto tags = tag_filter_values({}, f, &known);  // rules carry no tags here
      if (known) return tags;
      return std::nullopt;
    });
    if (!ok) return std::unexpected(ok.error());
    if (*ok) out.push_back(row);
  }
  std::vector<std::string> order;
  for (const auto& row : out) order.push_back(row.rule.id);
  auto page = paginate(c.params, order);
  if (!page) return std::unexpected(page.error());
  out = std::vector<Row>(out.begin() + static_cast<long>(page->begin), out.begin() + static_cast<long>(page->end));
  return [out, owner = c.region.account_id, next = page->next_token](aws::XmlWriter& w) {
    w.start("securityGroupRuleSet");
    for (const auto& row : out) {
      w.start("item");
      write_rule(w, row.rule, row.group_id, owner);
      w.end();
    }
    w.end();
    if (!next.empty()) w.leaf("nextToken", next);
  };
}

}  // namespace v6k::ec2
