#include "ec2/api.h"

#include <map>

#include "aws/xml.h"
#include "ec2/ops.h"

namespace v6k::ec2 {

ApiError internal_error(const Error& e) {
  return ApiError{500, "InternalError", "An internal error has occurred: " + e.message()};
}

namespace {

struct Operation {
  OpResult (*run)(OpContext&);
  bool writes;
};

const std::map<std::string, Operation, std::less<>>& operations() {
  static const std::map<std::string, Operation, std::less<>> ops = {
      {"DescribeAvailabilityZones", {describe_availability_zones, false}},
      {"CreateVpc", {create_vpc, true}},
      {"DescribeVpcs", {describe_vpcs, false}},
      {"DeleteVpc", {delete_vpc, true}},
      {"CreateSubnet", {create_subnet, true}},
      {"DescribeSubnets", {describe_subnets, false}},
      {"ModifySubnetAttribute", {modify_subnet_attribute, true}},
      {"DeleteSubnet", {delete_subnet, true}},
      {"AssociateVpcCidrBlock", {associate_vpc_cidr_block, true}},
      {"CreateInternetGateway", {create_internet_gateway, true}},
      {"AttachInternetGateway", {attach_internet_gateway, true}},
      {"DetachInternetGateway", {detach_internet_gateway, true}},
      {"DescribeInternetGateways", {describe_internet_gateways, false}},
      {"DeleteInternetGateway", {delete_internet_gateway, true}},
      {"CreateEgressOnlyInternetGateway", {create_egress_only_internet_gateway, true}},
      {"DescribeEgressOnlyInternetGateways", {describe_egress_only_internet_gateways, false}},
      {"DeleteEgressOnlyInternetGateway", {delete_egress_only_internet_gateway, true}},
      {"CreateRouteTable", {create_route_table, true}},
      {"DescribeRouteTables", {describe_route_tables, false}},
      {"AssociateRouteTable", {associate_route_table, true}},
      {"DisassociateRouteTable", {disassociate_route_table, true}},
      {"DeleteRouteTable", {delete_route_table, true}},
      {"CreateRoute", {create_route, true}},
      {"DeleteRoute", {delete_route, true}},
      {"CreateKeyPair", {create_key_pair, true}},
      {"ImportKeyPair", {import_key_pair, true}},
      {"DescribeKeyPairs", {describe_key_pairs, false}},
      {"DeleteKeyPair", {delete_key_pair, true}},
      {"CreateTags", {create_tags, true}},
      {"DeleteTags", {delete_tags, true}},
      {"DescribeTags", {describe_tags, false}},
      {"CreateSecurityGroup", {create_security_group, true}},
      {"DescribeSecurityGroups", {describe_security_groups, false}},
      {"DeleteSecurityGroup", {delete_security_group, true}},
      {"AuthorizeSecurityGroupIngress", {authorize_security_group_ingress, true}},
      {"AuthorizeSecurityGroupEgress", {authorize_security_group_egress, true}},
      {"RevokeSecurityGroupIngress", {revoke_security_group_ingress, true}},
      {"RevokeSecurityGroupEgress", {revoke_security_group_egress, true}},
      {"DescribeSecurityGroupRules", {describe_security_group_rules, false}},
      {"RunInstances", {run_instances, true}},
      {"DescribeInstances", {describe_instances, false}},
      {"TerminateInstances", {terminate_instances, true}},
      {"DescribeNetworkInterfaces", {describe_network_interfaces, false}},
      {"AssignIpv6Addresses", {assign_ipv6_addresses, true}},
      {"UnassignIpv6Addresses", {unassign_ipv6_addresses, true}},
      {"AssignPrivateIpAddresses", {assign_private_ip_addresses, true}},
      {"UnassignPrivateIpAddresses", {unassign_private_ip_addresses, true}},
  };
  return ops;
}

}  // namespace

http::Response Ec2Api::handle(const aws::QueryParams& params, const std::string& request_id) {
  auto action = params.get("Action");
  if (!action || action->empty())
    return aws::ec2_error(400, "MissingAction", "The request must contain the parameter Action", request_id);
  auto version = params.get("Version");
  if (!version)
    return aws::ec2_error(400, "MissingParameter", "The request must contain the parameter Version", request_id);
  auto it = operations().find(*action);
  if (it == operations().end())
    return aws::ec2_error(400, "InvalidAction", "The action " + *action + " is not valid for this web service.",
                          request_id);
  if (auto dry = optional_bool(params, "DryRun"); dry && dry->value_or(false))
    return aws::ec2_error(412, "DryRunOperation", "Request would have succeeded, but DryRun flag is set.",
                          request_id);

  OpContext ctx{params, store_, region_, {}};
  OpResult result;
  if (it->second.writes) {
    std::lock_guard lock(write_mu_);
    result = it->second.run(ctx);
    if (result && on_change_ && !ctx.touched_vpcs.empty()) on_change_(ctx.touched_vpcs);
  } else {
    result = it->second.run(ctx);
  }
  if (!result) return aws::ec2_error(result.error().status, result.error().code, result.error().message, request_id);
  return aws::ec2_ok(*action, request_id, *result);
}

std::expected<std::vector<std::string>, ApiError> param_list(const aws::QueryParams& p, std::string_view prefix) {
  auto r = p.list(prefix);
  if (!r) return std::unexpected(api_error("InvalidParameterValue", r.error().what()));
  return std::move(*r);
}

std::expected<std::vector<aws::QueryParams>, ApiError> param_structs(const aws::QueryParams& p, std::string_view prefix) {
  auto r = p.structs(prefix);
  if (!r) return std::unexpected(api_error("InvalidParameterValue", r.error().what()));
  return std::move(*r);
}

std::expected<std::string, ApiError> required(const aws::QueryParams& p, const std::string& name) {
  auto v = p.get(name);
  if (!v || v->empty())
    return std::unexpected(api_error("MissingParameter", "The request must contain the parameter " + name));
  return *v;
}

std::expected<std::optional<bool>, ApiError> optional_bool(const aws::QueryParams& p, const std::string& name) {
  auto v = p.get_bool(name);
  if (!v) return std::unexpected(api_error("InvalidParameterValue", v.error().what()));
  return *v;
}

std::expected<Tags, ApiError> tag_specifications(const aws::QueryParams& p, const std::string& resource_type) {
  Tags out;
  auto specs = param_structs(p, "TagSpecification");
  if (!specs) return std::unexpected(specs.error());
  for (const auto& spec : *specs) {
    auto type = spec.get("ResourceType");
    if (!type)
      return std::unexpected(api_error("InvalidParameterValue", "Tag specification resource type must have a value"));
    if (*type != resource_type)
      return std::unexpected(api_error("InvalidParameterValue", "'" + *type +
                                       "' is not a valid taggable resource type for this operation."));
    auto tag_list = param_structs(spec, "Tag");
    if (!tag_list) return std::unexpected(tag_list.error());
    for (const auto& tag : *tag_list) {
      auto key = tag.get("Key");
      if (!key || key->empty()) return std::unexpected(api_error("InvalidParameterValue", "Tag keys must not be empty"));
      if (key->rfind("aws:", 0) == 0)
        return std::unexpected(api_error("InvalidParameterValue", "Tag keys starting with 'aws:' are reserved for internal use"));
      out.emplace_back(*key, tag.get("Value").value_or(""));
    }
  }
  return out;
}

void write_tags(aws::XmlWriter& w, const Tags& tags) {
  if (tags.empty()) return;  // EC2 omits an empty tagSet
  w.start("tagSet");
  for (const auto& [k, v] : tags) {
    w.start("item");
    w.leaf("key", k);
    w.leaf("value", v);
    w.end();
  }
  w.end();
}

std::expected<std::vector<Filter>, ApiError> parse_filters(const aws::QueryParams& p) {
  std::vector<Filter> out;
  auto filters = param_structs(p, "Filter");
  if (!filters) return std::unexpected(filters.error());
  for (const auto& f : *filters) {
    auto name = f.get("Name");
    if (!name || name->empty())
      return std::unexpected(api_error("InvalidParameterValue", "The filter 'null' is invalid"));
    auto values = param_list(f, "Value");
    if (!values) return std::unexpected(values.error());
    out.push_back({*name, std::move(*values)});
  }
  return out;
}

namespace {

// EC2 filter values: '*' matches any run, '?' one character, '\' escapes.
bool wildcard_match(std::string_view pattern, std::string_view text) {
  size_t p = 0, t = 0, star = std::string_view::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '\\' && p + 1 < pattern.size() && pattern[p + 1] == text[t]) {
      p += 2;
      ++t;
    } else if (p < pattern.size() && (pattern[p] == '?' || (pattern[p] == text[t] && pattern[p] != '*' && pattern[p] != '\\'))) {
      ++p;
      ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

}  // namespace

std::expected<bool, ApiError> matches(const std::vector<Filter>& filters, const FilterValues& values_of) {
  for (const auto& f : filters) {
    auto have = values_of(f.name);
    if (!have) return std::unexpected(api_error("InvalidParameterValue", "The filter '" + f.name + "' is invalid"));
    bool any = false;
    for (const auto& want : f.values)
      for (const auto& v : *have)
        if (wildcard_match(want, v)) any = true;
    if (!any) return false;
  }
  return true;
}

std::vector<std::string> tag_filter_values(const Tags& tags, const std::string& name, bool* known) {
  std::vector<std::string> out;
  *known = true;
  if (name.rfind("tag:", 0) == 0) {
    std::string key = name.substr(4);
    for (const auto& [k, v] : tags)
      if (k == key) out.push_back(v);
  } else if (name == "tag-key") {
    for (const auto& [k, v] : tags) out.push_back(k);
  } else if (name == "tag-value") {
    for (const auto& [k, v] : tags) out.push_back(v);
  } else {
    *known = false;
  }
  return out;
}

std::expected<std::vector<Vpc>, ApiError> load_vpcs(store::Store& s) {
  auto l = s.list(kVpcPrefix);
  if (!l) return std::unexpected(internal_error(l.error()));
  std::vector<Vpc> out;
  for (const auto& kv : l->items) {
    auto v = vpc_from_json(kv.value);
    if (!v) return std::unexpected(internal_error(v.error()));
    out.push_back(std::move(*v));
  }
  return out;
}

std::expected<std::vector<Subnet>, ApiError> load_subnets(store::Store& s) {
  auto l = s.list(kSubnetPrefix);
  if (!l) return std::unexpected(internal_error(l.error()));
  std::vector<Subnet> out;
  for (const auto& kv : l->items) {
    auto v = subnet_from_json(kv.value);
    if (!v) return std::unexpected(internal_error(v.error()));
    out.push_back(std::move(*v));
  }
  return out;
}

}  // namespace v6k::ec2
