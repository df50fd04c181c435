#include "ec2/resources.h"

#include "ec2/model_json.h"

namespace v6k::ec2 {

// nlohmann's NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT defines its functions inline,
// which would leave the declarations in resources.h without a definition other files can
// link to; this is the same mapping, out of line. Missing fields take the struct's defaults.
#define V6K_JSON_MAPPING(Type, ...)                                                          \
  void to_json(nlohmann::json& nlohmann_json_j, const Type& nlohmann_json_t) {               \
    NLOHMANN_JSON_EXPAND(NLOHMANN_JSON_PASTE(NLOHMANN_JSON_TO, __VA_ARGS__))                 \
  }                                                                                          \
  void from_json(const nlohmann::json& nlohmann_json_j, Type& nlohmann_json_t) {             \
    const Type nlohmann_json_default_obj{};                                                  \
    NLOHMANN_JSON_EXPAND(NLOHMANN_JSON_PASTE(NLOHMANN_JSON_FROM_WITH_DEFAULT, __VA_ARGS__))  \
  }

V6K_JSON_MAPPING(InternetGateway, id, vpc_id, tags)
V6K_JSON_MAPPING(EgressOnlyInternetGateway, id, vpc_id, tags)
V6K_JSON_MAPPING(Route, destination, ipv6, gateway_id, egress_only_gateway_id)
V6K_JSON_MAPPING(RouteTableAssociation, id, subnet_id, main)
V6K_JSON_MAPPING(RouteTable, id, vpc_id, routes, associations, tags)
V6K_JSON_MAPPING(SgRule, id, egress, protocol, from_port, to_port, cidr_ipv4,
                                                cidr_ipv6, referenced_group_id, description)
V6K_JSON_MAPPING(SecurityGroup, id, name, description, vpc_id, is_default, rules, tags)
V6K_JSON_MAPPING(KeyPair, id, name, key_type, fingerprint, public_key, create_time,
                                                tags)

void to_json(nlohmann::json& j, const NetworkInterface& v) {
  j = {{"id", v.id},
       {"subnet_id", v.subnet_id},
       {"vpc_id", v.vpc_id},
       {"availability_zone", v.availability_zone},
       {"description", v.description},
       {"mac", v.mac},
       {"private_ipv4", v.private_ipv4},
       {"ipv4_secondaries", v.ipv4_secondaries},
       {"public_ipv4", v.public_ipv4 ? nlohmann::json(*v.public_ipv4) : nlohmann::json()},
       {"ipv6_addresses", v.ipv6_addresses},
       {"ipv6_prefixes", v.ipv6_prefixes},
       {"security_group_ids", v.security_group_ids},
       {"instance_id", v.instance_id},
       {"attachment_id", v.attachment_id},
       {"device_index", v.device_index},
       {"status", v.status},
       {"tags", v.tags}};
}

void from_json(const nlohmann::json& j, NetworkInterface& v) {
  v.id = j.at("id").get<std::string>();
  v.subnet_id = j.value("subnet_id", "");
  v.vpc_id = j.value("vpc_id", "");
  v.availability_zone = j.value("availability_zone", "");
  v.description = j.value("description", "");
  v.mac = j.value("mac", "");
  v.private_ipv4 = j.at("private_ipv4").get<addr::Ipv4Address>();
  v.ipv4_secondaries = j.value("ipv4_secondaries", std::vector<addr::Ipv4Address>{});
  if (j.contains("public_ipv4") && !j["public_ipv4"].is_null()) v.public_ipv4 = j["public_ipv4"].get<addr::Ipv4Address>();
  v.ipv6_addresses = j.value("ipv6_addresses", std::vector<addr::Ipv6Address>{});
  v.ipv6_prefixes = j.value("ipv6_prefixes", std::vector<addr::Ipv6Prefix>{});
  v.security_group_ids = j.value("security_group_ids", std::vector<std::string>{});
  v.instance_id = j.value("instance_id", "");
  v.attachment_id = j.value("attachment_id", "");
  v.device_index = j.value("device_index", 0);
  v.status = j.value("status", "in-use");
  v.tags = j.value("tags", Tags{});
}

V6K_JSON_MAPPING(Instance, id, reservation_id, image_id, instance_type, key_name,
                                                subnet_id, vpc_id, availability_zone, state, launch_time,
                                                ami_launch_index, client_token, network_interface_ids,
                                                security_group_ids, architecture, tags)

std::string private_dns_name(const addr::Ipv4Address& a, const std::string& region) {
  std::string s = a.to_string();
  for (char& ch : s)
    if (ch == '.') ch = '-';
  return "ip-" + s + "." + region + ".compute.internal";
}

}  // namespace v6k::ec2
