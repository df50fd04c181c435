// CreateSecurityGroup, DeleteSecurityGroup, Authorize/RevokeSecurityGroupIngress/Egress and
// the VPC's default group. Each change alters what the fabric enforces at the ENIs, so every
// successful change touches the group's VPC. The Describe calls live in sg_describe_ops.cc,
// rule parsing and rendering in sg_rules.cc.
#include <algorithm>

#include "ec2/sg_rules.h"

namespace v6k::ec2 {
namespace {

std::expected<std::vector<SecurityGroup>, ApiError> load_groups(store::Store& s) {
  return load_all<SecurityGroup>(s, kSecurityGroupPrefix, "security group");
}

// The stored group with the revision an update must name.
std::expected<Loaded<SecurityGroup>, ApiError> load_group(store::Store& s, const std::string& id) {
  auto r = load_one<SecurityGroup>(s, key_of(kSecurityGroupPrefix, id), "security group");
  if (!r) return std::unexpected(r.error());
  if (!*r) return std::unexpected(group_not_found(id));
  return std::move(**r);
}

ApiError dependency(const std::string& id) {
  return api_error("DependencyViolation", "resource " + id + " has a dependent object");
}

SgRule all_traffic_to(const std::string& cidr, bool ipv6) {
  SgRule r;
  r.id = new_id("sgr");
  r.egress = true;
  (ipv6 ? r.cidr_ipv6 : r.cidr_ipv4) = cidr;
  return r;
}

std::expected<std::string, ApiError> group_text(const aws::QueryParams& p, const std::string& name,
                                                const std::string& wire_name) {
  auto v = p.get(name);
  if (!v || v->empty()) return std::unexpected(api_error("MissingParameter", "The request must contain the parameter " + wire_name));
  if (!valid_sg_text(*v))
    return std::unexpected(api_error("InvalidParameterValue", "Value (" + *v + ") for parameter " + wire_name +
                                     " is invalid. Character sets beyond ASCII are not supported; valid characters are "
                                     "a-z, A-Z, 0-9, spaces, and ._-:/()#,@[]+=&;{}!$*, at most 255 of them."));
  return *v;
}

// Security group rules carry no tags in this region's model; refuse them rather than drop them.
std::expected<void, ApiError> no_rule_tags(const aws::QueryParams& p) {
  auto tags = tag_specifications(p, "security-group-rule");
  if (!tags) return std::unexpected(tags.error());
  if (!tags->empty())
    return std::unexpected(api_error("InvalidParameterValue", "Tagging security group rules is not supported in this region."));
  return {};
}

OpResult authorize(OpContext& c, bool egress) {
  auto groups = load_groups(c.store);
  if (!groups) return std::unexpected(groups.error());
  auto target = find_target_group(c.params, *groups, !egress);
  if (!target) return std::unexpected(target.error());
  if (auto t = no_rule_tags(c.params); !t) return std::unexpected(t.error());
  auto rules = parse_rules(c.params, egress, **target, *groups);
  if (!rules) return std::unexpected(rules.error());
  for (const auto& r : *rules)
    for (const auto& have : (*target)->rules)
      if (same_rule(have, r))
        return std::unexpected(api_error("InvalidPermission.Duplicate", "the specified rule \"" + rule_text(r) + "\" already exists"));

  auto loaded = load_group(c.store, (*target)->id);
  if (!loaded) return std::unexpected(loaded.error());
  SecurityGroup g = loaded->value;
  for (auto& r : *rules) {
    r.id = new_id("sgr");
    g.rules.push_back(r);
  }
  // A permission that names no peer adds nothing, as on EC2; then nothing is written.
  if (!rules->empty()) {
    WriteSet ws;
    ws.update(key_of(kSecurityGroupPrefix, g.id), g, loaded->revision);
    if (auto r = ws.commit(c.store); !r) return std::unexpected(r.error());
    c.touch(g.vpc_id);
  }
  std::string owner = c.region.account_id;
  return [added = *rules, id = g.id, owner](aws::XmlWriter& w) {
    w.leaf("return", true);
    w.start("securityGroupRuleSet");
    for (const auto& r : added) {
      w.start("item");
      write_rule(w, r, id, owner);
      w.end();
    }
    w.end();
  };
}

bool has_permission_params(const aws::QueryParams& p) {
  for (const auto& [k, v] : p.all()) {
    if (k.rfind("IpPermissions.", 0) == 0) return true;
    for (const char* legacy : {"IpProtocol", "FromPort", "ToPort", "CidrIp", "SourceSecurityGroupName"})
      if (k == legacy) return true;
  }
  return false;
}

OpResult revoke(OpContext& c, bool egress) {
  auto groups = load_groups(c.store);
  if (!groups) return std::unexpected(groups.error());
  auto target = find_target_group(c.params, *groups, !egress);
  if (!target) return std::unexpected(target.error());
  auto rule_ids = param_list(c.params, "SecurityGroupRuleId");
  if (!rule_ids) return std::unexpected(rule_ids.error());
  const SecurityGroup& group = **target;

  std::vector<std::string> doomed;
  if (!rule_ids->empty()) {
    if (has_permission_params(c.params))
      return std::unexpected(api_error("InvalidParameterCombination",
                                       "The parameter 'securityGroupRuleIds' may not be used in combination with 'ipPermissions'"));
    for (const auto& id : *rule_ids) {
      bool found = std::any_of(group.rules.begin(), group.rules.end(),
                               [&](const SgRule& r) { return r.id == id && r.egress == egress; });
      if (!found && id.rfind("sgr-", 0) != 0)
        return std::unexpected(api_error("InvalidSecurityGroupRuleId.Malformed", "Invalid id: \"" + id + "\" (expecting \"sgr-...\")"));
      if (!found)
        return std::unexpected(api_error("InvalidSecurityGroupRuleId.NotFound", "The security group rule ID '" + id + "' does not exist"));
      if (std::find(doomed.begin(), doomed.end(), id) == doomed.end()) doomed.push_back(id);
    }
  } else {
    auto rules = parse_rules(c.params, egress, group, *groups);
    if (!rules) return std::unexpected(rules.error());
    // In a non-default VPC (every VPC here) EC2 refuses the whole call when any permission
    // matches no rule, and revokes nothing.
    for (const auto& want : *rules) {
      auto it = std::find_if(group.rules.begin(), group.rules.end(), [&](const SgRule& r) { return same_rule(r, want); });
      if (it == group.rules.end())
        return std::unexpected(api_error("InvalidPermission.NotFound", "The specified rule does not exist in this security group."));
      doomed.push_back(it->id);
    }
  }

  if (!doomed.empty()) {
    auto loaded = load_group(c.store, group.id);
    if (!loaded) return std::unexpected(loaded.error());
    SecurityGroup g = loaded->value;
    std::erase_if(g.rules, [&](const SgRule& r) { return std::find(doomed.begin(), doomed.end(), r.id) != doomed.end(); });
    WriteSet ws;
    ws.update(key_of(kSecurityGroupPrefix, g.id), g, loaded->revision);
    if (auto r = ws.commit(c.store); !r) return std::unexpected(r.error());
    c.touch(g.vpc_id);
  }
  return [](aws::XmlWriter& w) { w.leaf("return", true); };
}

}  // namespace

SecurityGroup default_security_group_for(const Vpc& vpc) {
  SecurityGroup g;
  g.id = new_id("sg");
  g.name = "default";
  g.description = "default VPC security group";
  g.vpc_id = vpc.id;
  g.is_default = true;
  // All traffic from members of the group itself, and all traffic out.
  SgRule self;
  self.id = new_id("sgr");
  self.referenced_group_id = g.id;
  g.rules.push_back(self);
  g.rules.push_back(all_traffic_to("0.0.0.0/0", false));
  if (vpc.ipv6) g.rules.push_back(all_traffic_to("::/0", true));
  return g;
}

OpResult create_security_group(OpContext& c) {
  auto name = group_text(c.params, "GroupName", "groupName");
  if (!name) return std::unexpected(name.error());
  auto description = group_text(c.params, "GroupDescription", "groupDescription");
  if (!description) return std::unexpected(description.error());
  auto vpc_id = c.params.get("VpcId").value_or("");
  // Without a VpcId EC2 would use the default VPC, which this region never has.
  if (vpc_id.empty()) return std::unexpected(api_error("VPCIdNotSpecified", "No default VPC for this user"));
  if (*name == "default")
    return std::unexpected(api_error("InvalidParameterValue", "Cannot use reserved security group name: default"));
  if (name->rfind("sg-", 0) == 0)
    return std::unexpected(api_error("InvalidParameterValue", "Group names may not be in the format sg-*."));
  auto tags = tag_specifications(c.params, "security-group");
  if (!tags) return std::unexpected(tags.error());

  auto vpc_kv = c.store.get(vpc_key(vpc_id));
  if (!vpc_kv) {
    if (vpc_kv.error().code() == ENOENT)
      return std::unexpected(api_error("InvalidVpcID.NotFound", "The vpc ID '" + vpc_id + "' does not exist"));
    return std::unexpected(internal_error(vpc_kv.error()));
  }
  auto groups = load_groups(c.store);
  if (!groups) return std::unexpected(groups.error());
  for (const auto& g : *groups)
    if (g.vpc_id == vpc_id && g.name == *name)
      return std::unexpected(api_error("InvalidGroup.Duplicate",
                                       "The security group '" + *name + "' already exists for VPC '" + vpc_id + "'"));

  SecurityGroup g;
  g.id = new_id("sg");
  g.name = *name;
  g.description = *description;
  g.vpc_id = vpc_id;
  g.tags = *tags;
  // EC2 gives a new group one egress rule, all traffic to 0.0.0.0/0 (no ::/0, even in an
  // IPv6 VPC; only the default group has that).
  g.rules.push_back(all_traffic_to("0.0.0.0/0", false));
  WriteSet ws;
  ws.create(key_of(kSecurityGroupPrefix, g.id), g);
  if (auto r = ws.commit(c.store); !r) return std::unexpected(r.error());
  c.touch(vpc_id);
  return [id = g.id, tags = g.tags](aws::XmlWriter& w) {
    w.leaf("return", true);
    w.leaf("groupId", id);
    write_tags(w, tags);
  };
}

OpResult delete_security_group(OpContext& c) {
  auto groups = load_groups(c.store);
  if (!groups) return std::unexpected(groups.error());
  auto target = find_target_group(c.params, *groups, true);
  if (!target) return std::unexpected(target.error());
  const SecurityGroup& group = **target;
  if (group.is_default)
    return std::unexpected(api_error("CannotDelete", "the specified group: \"" + group.id + "\" name: \"" + group.name +
                                     "\" cannot be deleted by a user"));
  for (const auto& other : *groups) {
    if (other.id == group.id) continue;
    for (const auto& r : other.rules)
      if (r.referenced_group_id == group.id) return std::unexpected(dependency(group.id));
  }
  auto enis = load_all<NetworkInterface>(c.store, kEniPrefix, "network interface");
  if (!enis) return std::unexpected(enis.error());
  for (const auto& e : *enis)
    if (std::find(e.security_group_ids.begin(), e.security_group_ids.end(), group.id) != e.security_group_ids.end())
      return std::unexpected(dependency(group.id));

  auto loaded = load_group(c.store, group.id);
  if (!loaded) return std::unexpected(loaded.error());
  WriteSet ws;
  ws.remove(key_of(kSecurityGroupPrefix, group.id), loaded->revision);
  if (auto r = ws.commit(c.store); !r) return std::unexpected(r.error());
  c.touch(group.vpc_id);
  return [id = group.id](aws::XmlWriter& w) {
    w.leaf("return", true);
    w.leaf("groupId", id);
  };
}

OpResult authorize_security_group_ingress(OpContext& c) { return authorize(c, false); }
OpResult authorize_security_group_egress(OpContext& c) { return authorize(c, true); }
OpResult revoke_security_group_ingress(OpContext& c) { return revoke(c, false); }
OpResult revoke_security_group_egress(OpContext& c) { return revoke(c, true); }

}  // namespace v6k::ec2
