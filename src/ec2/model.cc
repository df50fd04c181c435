#include "ec2/model.h"

#include <sys/random.h>

namespace v6k::ec2 {

using nlohmann::json;

namespace {

json tags_json(const Tags& tags) {
  json out = json::array();
  for (const auto& [k, v] : tags) out.push_back({{"key", k}, {"value", v}});
  return out;
}

Tags tags_from(const json& j) {
  Tags out;
  if (j.is_array())
    for (const auto& t : j) out.emplace_back(t.value("key", ""), t.value("value", ""));
  return out;
}

json ipv6_json(const std::optional<Ipv6Block>& b) {
  if (!b) return nullptr;
  return {{"cidr", b->cidr.to_string()}, {"association_id", b->association_id}};
}

Result<std::optional<Ipv6Block>> ipv6_from(const json& j) {
  if (j.is_null()) return std::optional<Ipv6Block>();
  auto p = addr::Ipv6Prefix::parse(j.value("cidr", ""));
  if (!p) return fail(std::move(p.error()).wrap("stored IPv6 block"));
  return std::optional<Ipv6Block>(Ipv6Block{*p, j.value("association_id", "")});
}

Result<json> parse_object(std::string_view text, const char* what) {
  json j = json::parse(text, nullptr, false);
  if (!j.is_object()) return fail_invalid(std::string("stored ") + what + " is not a JSON object");
  return j;
}

}  // namespace

json to_json(const Vpc& v) {
  return {{"id", v.id},
          {"cidr", v.cidr.to_string()},
          {"cidr_association_id", v.cidr_association_id},
          {"ipv6", ipv6_json(v.ipv6)},
          {"dhcp_options_id", v.dhcp_options_id},
          {"instance_tenancy", v.instance_tenancy},
          {"tags", tags_json(v.tags)}};
}

json to_json(const Subnet& s) {
  return {{"id", s.id},
          {"vpc_id", s.vpc_id},
          {"availability_zone", s.availability_zone},
          {"availability_zone_id", s.availability_zone_id},
          {"cidr", s.cidr.to_string()},
          {"ipv6", ipv6_json(s.ipv6)},
          {"assign_ipv6_address_on_creation", s.assign_ipv6_address_on_creation},
          {"map_public_ip_on_launch", s.map_public_ip_on_launch},
          {"tags", tags_json(s.tags)}};
}

Result<Vpc> vpc_from_json(std::string_view text) {
  auto j = parse_object(text, "VPC");
  if (!j) return fail(std::move(j.error()));
  Vpc v;
  v.id = j->value("id", "");
  auto cidr = addr::Ipv4Prefix::parse(j->value("cidr", ""));
  if (!cidr) return fail(std::move(cidr.error()).wrap("stored VPC " + v.id));
  v.cidr = *cidr;
  v.cidr_association_id = j->value("cidr_association_id", "");
  auto v6 = ipv6_from((*j)["ipv6"]);
  if (!v6) return fail(std::move(v6.error()).wrap("stored VPC " + v.id));
  v.ipv6 = *v6;
  v.dhcp_options_id = j->value("dhcp_options_id", "");
  v.instance_tenancy = j->value("instance_tenancy", "default");
  v.tags = tags_from((*j)["tags"]);
  return v;
}

Result<Subnet> subnet_from_json(std::string_view text) {
  auto j = parse_object(text, "subnet");
  if (!j) return fail(std::move(j.error()));
  Subnet s;
  s.id = j->value("id", "");
  s.vpc_id = j->value("vpc_id", "");
  s.availability_zone = j->value("availability_zone", "");
  s.availability_zone_id = j->value("availability_zone_id", "");
  auto cidr = addr::Ipv4Prefix::parse(j->value("cidr", ""));
  if (!cidr) return fail(std::move(cidr.error()).wrap("stored subnet " + s.id));
  s.cidr = *cidr;
  auto v6 = ipv6_from((*j)["ipv6"]);
  if (!v6) return fail(std::move(v6.error()).wrap("stored subnet " + s.id));
  s.ipv6 = *v6;
  s.assign_ipv6_address_on_creation = j->value("assign_ipv6_address_on_creation", false);
  s.map_public_ip_on_launch = j->value("map_public_ip_on_launch", false);
  s.tags = tags_from((*j)["tags"]);
  return s;
}

std::string new_id(std::string_view prefix) {
  static constexpr char kHex[] = "0123456789abcdef";
  unsigned char raw[9];
  ssize_t n = ::getrandom(raw, sizeof raw, 0);
  if (n != static_cast<ssize_t>(sizeof raw)) std::abort();  // getrandom on Linux >= 3.17 cannot fail here
  std::string id(prefix);
  id += '-';
  for (int i = 0; i < 17; ++i) id += kHex[(raw[i / 2] >> ((i % 2) * 4)) & 0xf];
  return id;
}

}  // namespace v6k::ec2
