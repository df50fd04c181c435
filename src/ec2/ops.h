// Internal to src/ec2: what every operation handler gets and returns.
#pragma once

#include <algorithm>
#include <expected>
#include <functional>
#include <string>
#include <vector>

#include "aws/query.h"
#include "aws/xml.h"
#include "ec2/model.h"
#include "ec2/model_json.h"
#include "ec2/resources.h"
#include "ec2/region.h"
#include "store/store.h"

namespace v6k::ec2 {

struct ApiError {
  int status = 400;
  std::string code;     // "InvalidVpcID.NotFound"
  std::string message;  // AWS's wording
};
inline ApiError api_error(std::string code, std::string message, int status = 400) {
  return ApiError{status, std::move(code), std::move(message)};
}
ApiError internal_error(const Error& e);

// A handler writes the response body's elements (after requestId) or fails.
using BodyWriter = std::function<void(aws::XmlWriter&)>;
using OpResult = std::expected<BodyWriter, ApiError>;

struct OpContext {
  const aws::QueryParams& params;
  store::Store& store;
  const RegionConfig& region;
  // VPCs whose kernel realisation this call changed (instances, ENI addresses, security
  // groups, routes, gateways). Every handler that commits such a change calls touch(vpc).
  std::vector<std::string> touched_vpcs;
  void touch(const std::string& vpc_id) {
    for (const auto& v : touched_vpcs)
      if (v == vpc_id) return;
    touched_vpcs.push_back(vpc_id);
  }
};

// Parameter helpers with EC2's wording.
std::expected<std::vector<std::string>, ApiError> param_list(const aws::QueryParams& p, std::string_view prefix);
std::expected<std::vector<aws::QueryParams>, ApiError> param_structs(const aws::QueryParams& p, std::string_view prefix);
std::expected<std::string, ApiError> required(const aws::QueryParams& p, const std::string& name);
std::expected<std::optional<bool>, ApiError> optional_bool(const aws::QueryParams& p, const std::string& name);
// TagSpecification.N.{ResourceType, Tag.M.{Key,Value}} for `resource_type`.
std::expected<Tags, ApiError> tag_specifications(const aws::QueryParams& p, const std::string& resource_type);
void write_tags(aws::XmlWriter& w, const Tags& tags);

// Filter.N.{Name, Value.M}: a resource matches when every filter has a value that matches
// one of the resource's values for that name (EC2 wildcards * and ? allowed).
struct Filter {
  std::string name;
  std::vector<std::string> values;
};
std::expected<std::vector<Filter>, ApiError> parse_filters(const aws::QueryParams& p);
using FilterValues = std::function<std::optional<std::vector<std::string>>(const std::string& name)>;
// nullopt from `values_of` = unknown filter name -> InvalidParameterValue.
std::expected<bool, ApiError> matches(const std::vector<Filter>& filters, const FilterValues& values_of);
std::vector<std::string> tag_filter_values(const Tags& tags, const std::string& filter_name, bool* known);

// What a Describe call answers from `all`: the items named by `ids` (every item when there
// are none; an id that names nothing fails with not_found(id), as EC2 does) that match
// every filter. values_of(item, filter_name) is as FilterValues.
template <typename T, typename ValuesOf, typename NotFound>
std::expected<std::vector<T>, ApiError> select_described(std::vector<T> all, const std::vector<std::string>& ids,
                                                         const std::vector<Filter>& filters,
                                                         const ValuesOf& values_of, const NotFound& not_found) {
  auto named = [&](const T& item) { return std::find(ids.begin(), ids.end(), item.id) != ids.end(); };
  for (const auto& id : ids)
    if (std::none_of(all.begin(), all.end(), [&](const T& item) { return item.id == id; }))
      return std::unexpected(not_found(id));
  std::vector<T> out;
  for (auto& item : all) {
    if (!ids.empty() && !named(item)) continue;
    auto ok = matches(filters, [&](const std::string& f) { return values_of(item, f); });
    if (!ok) return std::unexpected(ok.error());
    if (*ok) out.push_back(std::move(item));
  }
  return out;
}

// Loaders.
std::expected<std::vector<Vpc>, ApiError> load_vpcs(store::Store& s);
std::expected<std::vector<Subnet>, ApiError> load_subnets(store::Store& s);

// Every stored T under `prefix` (decode failures are internal errors).
template <typename T>
std::expected<std::vector<T>, ApiError> load_all(store::Store& s, std::string_view prefix, const char* what) {
  auto l = s.list(prefix);
  if (!l) return std::unexpected(internal_error(l.error()));
  std::vector<T> out;
  out.reserve(l->items.size());
  for (const auto& kv : l->items) {
    auto v = decode_stored<T>(kv.value, what);
    if (!v) return std::unexpected(internal_error(v.error()));
    out.push_back(std::move(*v));
  }
  return out;
}
// One stored T with its revision (for update), or nullopt when absent.
template <typename T>
struct Loaded {
  T value;
  int64_t revision = 0;
};
template <typename T>
std::expected<std::optional<Loaded<T>>, ApiError> load_one(store::Store& s, const std::string& key, const char* what) {
  auto kv = s.get(key);
  if (!kv) {
    if (kv.error().code() == ENOENT) return std::optional<Loaded<T>>();
    return std::unexpected(internal_error(kv.error()));
  }
  auto v = decode_stored<T>(kv->value, what);
  if (!v) return std::unexpected(internal_error(v.error()));
  return std::optional<Loaded<T>>(Loaded<T>{std::move(*v), kv->mod_revision});
}
// The stored subnet `id` (InvalidSubnetID.NotFound as EC2 words it) and its revision (subnet_ops.cc).
std::expected<Loaded<Subnet>, ApiError> load_subnet(store::Store& s, const std::string& id);
// Stores T as JSON (create when revision == 0, else update at that revision).
template <typename T>
std::expected<void, ApiError> save(store::Store& s, const std::string& key, const T& v, int64_t revision = 0) {
  nlohmann::json j = v;
  auto r = revision == 0 ? s.create(key, j.dump()) : s.update(key, j.dump(), revision);
  if (!r) return std::unexpected(internal_error(r.error()));
  return {};
}

// Several writes that land together or not at all (store::Store::commit): a kill -9 never
// leaves half a resource. Collect, then commit once at the end of the handler.
class WriteSet {
 public:
  template <typename T>
  void create(const std::string& key, const T& v) {
    writes_.push_back(store::Write::create(key, nlohmann::json(v).dump()));
  }
  template <typename T>
  void update(const std::string& key, const T& v, int64_t revision) {
    writes_.push_back(store::Write::update(key, nlohmann::json(v).dump(), revision));
  }
  void remove(const std::string& key, int64_t revision) { writes_.push_back(store::Write::remove(key, revision)); }
  bool empty() const { return writes_.empty(); }
  std::expected<void, ApiError> commit(store::Store& s) {
    if (writes_.empty()) return {};
    auto r = s.commit(writes_);
    writes_.clear();
    if (!r) return std::unexpected(internal_error(r.error()));
    return {};
  }

 private:
  std::vector<store::Write> writes_;
};

// The first free /56 of the region's IPv6 pool (CreateVpc, AssociateVpcCidrBlock); never
// inside 2001:db8:ffff::/48, the internet hosts' range.
std::expected<addr::Ipv6Prefix, ApiError> allocate_vpc_block(const RegionConfig& region, const std::vector<Vpc>& vpcs);

OpResult describe_availability_zones(OpContext& c);
OpResult create_vpc(OpContext& c);
OpResult describe_vpcs(OpContext& c);
OpResult delete_vpc(OpContext& c);
OpResult create_subnet(OpContext& c);
OpResult describe_subnets(OpContext& c);
OpResult modify_subnet_attribute(OpContext& c);
OpResult delete_subnet(OpContext& c);
OpResult associate_vpc_cidr_block(OpContext& c);

// gateway_ops.cc
OpResult create_internet_gateway(OpContext& c);
OpResult attach_internet_gateway(OpContext& c);
OpResult detach_internet_gateway(OpContext& c);
OpResult describe_internet_gateways(OpContext& c);
OpResult delete_internet_gateway(OpContext& c);
OpResult create_egress_only_internet_gateway(OpContext& c);
OpResult describe_egress_only_internet_gateways(OpContext& c);
OpResult delete_egress_only_internet_gateway(OpContext& c);
// route_ops.cc
OpResult create_route_table(OpContext& c);
OpResult describe_route_tables(OpContext& c);
OpResult associate_route_table(OpContext& c);
OpResult disassociate_route_table(OpContext& c);
OpResult delete_route_table(OpContext& c);
OpResult create_route(OpContext& c);
OpResult delete_route(OpContext& c);
// The VPC's main route table (local routes only), added to the CreateVpc commit.
RouteTable main_route_table_for(const Vpc& vpc);
// keypair_ops.cc
OpResult create_key_pair(OpContext& c);
OpResult import_key_pair(OpContext& c);
OpResult describe_key_pairs(OpContext& c);
OpResult delete_key_pair(OpContext& c);
// tag_ops.cc
OpResult create_tags(OpContext& c);
OpResult delete_tags(OpContext& c);
OpResult describe_tags(OpContext& c);
// security_group_ops.cc
OpResult create_security_group(OpContext& c);
OpResult describe_security_groups(OpContext& c);
OpResult delete_security_group(OpContext& c);
OpResult authorize_security_group_ingress(OpContext& c);
OpResult authorize_security_group_egress(OpContext& c);
OpResult revoke_security_group_ingress(OpContext& c);
OpResult revoke_security_group_egress(OpContext& c);
OpResult describe_security_group_rules(OpContext& c);
// The VPC's "default" group (ingress from itself, egress to 0.0.0.0/0 and ::/0), added to
// the CreateVpc commit.
SecurityGroup default_security_group_for(const Vpc& vpc);
// instance_ops.cc / eni_ops.cc
OpResult run_instances(OpContext& c);
OpResult describe_instances(OpContext& c);
OpResult terminate_instances(OpContext& c);
OpResult describe_network_interfaces(OpContext& c);
OpResult assign_ipv6_addresses(OpContext& c);
OpResult unassign_ipv6_addresses(OpContext& c);
// The stored interface `id` (Malformed / NotFound errors as EC2 words them).
std::expected<Loaded<NetworkInterface>, ApiError> load_eni(store::Store& s, const std::string& id);
// private_ip_ops.cc
OpResult assign_private_ip_addresses(OpContext& c);
OpResult unassign_private_ip_addresses(OpContext& c);

}  // namespace v6k::ec2
