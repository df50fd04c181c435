// Internal to src/ec2: what every operation handler gets and returns.
#pragma once

#include <expected>
#include <functional>
#include <string>
#include <vector>

#include "aws/query.h"
#include "aws/xml.h"
#include "ec2/model.h"
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

// Loaders.
std::expected<std::vector<Vpc>, ApiError> load_vpcs(store::Store& s);
std::expected<std::vector<Subnet>, ApiError> load_subnets(store::Store& s);

OpResult describe_availability_zones(OpContext& c);
OpResult create_vpc(OpContext& c);
OpResult describe_vpcs(OpContext& c);
OpResult delete_vpc(OpContext& c);
OpResult create_subnet(OpContext& c);
OpResult describe_subnets(OpContext& c);
OpResult modify_subnet_attribute(OpContext& c);
OpResult delete_subnet(OpContext& c);

}  // namespace v6k::ec2
