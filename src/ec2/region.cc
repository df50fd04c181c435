#include "ec2/region.h"

namespace v6k::ec2 {
namespace {

// "us-west-2" -> "usw2", "ap-southeast-2" -> "apse2": the zone-id prefix AWS uses
// (country code, direction abbreviation, number).
std::string zone_id_prefix(const std::string& region) {
  static const std::pair<const char*, const char*> kDirections[] = {
      {"northeast", "ne"}, {"northwest", "nw"}, {"southeast", "se"}, {"southwest", "sw"},
      {"north", "n"},      {"south", "s"},      {"east", "e"},       {"west", "w"},
      {"central", "c"}};
  std::string out;
  size_t start = 0;
  for (int part_no = 0; start <= region.size(); ++part_no) {
    size_t dash = region.find('-', start);
    std::string part = region.substr(start, dash == std::string::npos ? std::string::npos : dash - start);
    std::string abbrev = part;
    if (part_no > 0)
      for (const auto& [word, short_form] : kDirections)
        if (part == word) abbrev = short_form;
    out += abbrev;
    if (dash == std::string::npos) break;
    start = dash + 1;
  }
  return out;
}

}  // namespace

RegionConfig RegionConfig::defaults(const std::string& region, const std::string& account_id) {
  RegionConfig c;
  c.region = region;
  c.account_id = account_id;
  std::string prefix = zone_id_prefix(region);
  const char letters[] = {'a', 'b', 'c'};
  for (int i = 0; i < 3; ++i)
    c.zones.push_back({region + letters[i], prefix + "-az" + std::to_string(i + 1)});
  c.ipv6_pool = *addr::Ipv6Prefix::parse("2001:db8::/32");
  c.public_ipv4_pool = *addr::Ipv4Prefix::parse("198.51.100.0/24");
  return c;
}

bool RegionConfig::has_zone(const std::string& name) const { return !zone_id(name).empty(); }

std::string RegionConfig::zone_id(const std::string& name) const {
  for (const auto& z : zones)
    if (z.name == name) return z.id;
  return {};
}

}  // namespace v6k::ec2
