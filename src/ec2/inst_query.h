// What the instance and network-interface handlers share beyond XML: EC2's id checks and
// not-found wording, one-pass loaders, and MaxResults/NextToken paging.
#pragma once

#include <expected>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ec2/inst_xml.h"
#include "ec2/ops.h"

namespace v6k::ec2 {

// `Invalid id: "x" (expecting "i-...")` as InvalidInstanceID.Malformed etc. when an id does
// not carry its resource prefix ("i", "eni", "sg", "subnet").
std::expected<void, ApiError> check_id_format(const std::string& id, const std::string& prefix,
                                              const std::string& malformed_code);

// EC2's plural form for missing ids: "The instance ID 'i-1' does not exist" /
// "The instance IDs 'i-1, i-2' do not exist".
ApiError ids_not_found(const std::string& code, const std::string& what, const std::vector<std::string>& ids);

// Every stored security group's name by id (groupSet items carry both).
std::expected<GroupNames, ApiError> load_group_names(store::Store& s);

// Every stored instance / network interface, in key (= id) order, shared and immutable.
// Decoding JSON is most of the cost of listing a thousand of them, so decoded values are
// kept per key together with the exact text they came from and reused while the stored
// text is byte-for-byte the same: a cache that cannot go stale, whatever store it sees.
using EniPtr = std::shared_ptr<const NetworkInterface>;
using InstancePtr = std::shared_ptr<const Instance>;
std::expected<std::vector<EniPtr>, ApiError> load_network_interfaces(store::Store& s);
std::expected<std::vector<InstancePtr>, ApiError> load_instances(store::Store& s);

// MaxResults (5..1000, EC2's range for these calls) and NextToken. A page token is the sort
// key of the last item returned, hex-encoded: the next page starts after it, so items added
// or removed between calls never shift a page.
struct PageRequest {
  std::optional<long long> max_results;
  std::optional<std::string> after;  // decoded token
};
std::expected<PageRequest, ApiError> parse_page_request(const aws::QueryParams& p);
std::string page_token(const std::string& sort_key);

}  // namespace v6k::ec2
