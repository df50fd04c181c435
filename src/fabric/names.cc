#include "fabric/names.h"

#include <cctype>
#include <cstdio>

namespace v6k::fabric::internal {
namespace {

// The 12 characters naming a resource in an interface name: the first 12 of the id after
// its "<kind>-" prefix when they are alphanumeric (EC2 ids are 17 hex digits), else a hash.
std::string short_id(const std::string& id) {
  auto dash = id.find('-');
  std::string suffix = dash == std::string::npos ? id : id.substr(dash + 1);
  bool ok = suffix.size() >= 12;
  for (size_t i = 0; ok && i < 12; ++i) ok = std::isalnum(static_cast<unsigned char>(suffix[i])) != 0;
  if (ok) return suffix.substr(0, 12);
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : id) h = (h ^ c) * 0x100000001b3ULL;
  char buf[17];
  std::snprintf(buf, sizeof buf, "%012llx", static_cast<unsigned long long>(h & 0xffffffffffffULL));
  return buf;
}

}  // namespace

uint32_t fnv32(std::string_view s) {
  uint32_t h = 2166136261U;
  for (unsigned char c : s) h = (h ^ c) * 16777619U;
  return h;
}

addr::Ipv6Address ll(uint16_t last) {
  std::array<uint8_t, 16> b{};
  b[0] = 0xfe;
  b[1] = 0x80;
  b[14] = static_cast<uint8_t>(last >> 8);
  b[15] = static_cast<uint8_t>(last & 0xff);
  return addr::Ipv6Address(b);
}

addr::Ipv4Address gw_inet_v4() { return addr::Ipv4Address(0x64400001U); }
addr::Ipv4Address gw_router_v4() { return addr::Ipv4Address(0x64400002U); }

std::string eni_link(const std::string& eni_id) { return "eni" + short_id(eni_id); }
std::string igw_inet_link(const std::string& vpc_id) { return "v" + short_id(vpc_id); }
std::string eigw_inet_link(const std::string& vpc_id) { return "e" + short_id(vpc_id); }

netlink::Mac derived_mac(std::string_view seed) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : seed) h = (h ^ c) * 0x100000001b3ULL;
  netlink::Mac m;
  m.bytes[0] = 0x0a;
  for (int i = 1; i < 6; ++i) m.bytes[i] = static_cast<uint8_t>(h >> (8 * (i - 1)));
  return m;
}

netlink::Mac eni_router_mac(const std::string& eni_id) { return derived_mac("router/" + eni_id); }

netlink::Mac eni_mac(const Eni& eni) {
  auto m = netlink::Mac::parse(eni.mac);
  if (m && (m->bytes[0] & 1) == 0) return *m;  // unicast only
  netlink::Mac d = derived_mac("eni/" + eni.id);
  d.bytes[0] = 0x02;
  return d;
}

std::string nft_ident(const std::string& id) {
  std::string out = id;
  for (char& c : out)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return out;
}

}  // namespace v6k::fabric::internal
