// Internal to src/ec2: security-group rules on the wire. Turns AuthorizeSecurityGroup*/
// RevokeSecurityGroup* input (IpPermissions.N, or the legacy flat IpProtocol/FromPort/ToPort/
// CidrIp/SourceSecurityGroupName form) into SgRule rows with EC2's validation and wording, and
// renders rows as EC2's grouped IpPermission and flat SecurityGroupRule XML. Shared by
// security_group_ops.cc and sg_describe_ops.cc.
#pragma once

#include <string>
#include <vector>

#include "ec2/ops.h"

namespace v6k::ec2 {

ApiError group_not_found(const std::string& id_or_name);

// EC2's alphabet for VPC group names, group descriptions and rule descriptions
// (a-z, A-Z, 0-9, spaces and ._-:/()#,@[]+=&;{}!$*), at most 255 characters.
bool valid_sg_text(const std::string& s);

// The group named by GroupId (or, when absent and `allow_name`, by GroupName) among `groups`.
// Neither given -> MissingParameter; unknown -> InvalidGroup.NotFound.
std::expected<const SecurityGroup*, ApiError> find_target_group(const aws::QueryParams& p,
                                                                const std::vector<SecurityGroup>& groups,
                                                                bool allow_name);

// "tcp", "udp", "icmp", "icmpv6", "-1", or an IANA number 0..255 as text (6, 17, 1, 58 and
// "all" map to their names / -1), case-insensitive; anything else is InvalidParameterValue.
std::expected<std::string, ApiError> canonical_protocol(const std::string& text);

// The rules a request describes, for `group` in `direction` (ids and descriptions as given,
// ids empty). Referenced groups are looked up in `groups`: by id, or by name within the
// group's VPC. Every value is validated before anything is returned.
std::expected<std::vector<SgRule>, ApiError> parse_rules(const aws::QueryParams& p, bool egress,
                                                         const SecurityGroup& group,
                                                         const std::vector<SecurityGroup>& groups);

// Same direction, protocol, ports and peer (descriptions do not make rules different).
bool same_rule(const SgRule& a, const SgRule& b);
// EC2's text for a rule in InvalidPermission.Duplicate:
// "peer: 0.0.0.0/0, TCP, from port: 22, to port: 22, ALLOW".
std::string rule_text(const SgRule& r);

// <element><item>ipProtocol, fromPort, toPort, groups, ipRanges, ipv6Ranges,
// prefixListIds</item>…</element>: the rows of one direction grouped by (protocol, ports),
// in the order each combination first appears.
void write_ip_permissions(aws::XmlWriter& w, const std::string& element, const std::vector<SgRule>& rules,
                          bool egress, const std::string& owner);
// One SecurityGroupRule's fields (inside an <item>).
void write_rule(aws::XmlWriter& w, const SgRule& r, const std::string& group_id, const std::string& owner);

}  // namespace v6k::ec2
