#include "cni/names.h"

namespace v6k::cni {
namespace {

constexpr uint64_t kFnvOffset = 0xcbf29ce484222325ULL;
constexpr uint64_t kFnvPrime = 0x100000001b3ULL;

uint64_t fnv1a(uint64_t h, std::string_view s) {
  for (unsigned char c : s) {
    h ^= c;
    h *= kFnvPrime;
  }
  return h;
}

// Final avalanche (splitmix64) so nearby inputs spread over every output bit.
uint64_t mix(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

netlink::Mac mac_from(uint64_t h, uint8_t tag) {
  netlink::Mac m;
  m.bytes[0] = 0x02;  // locally administered, unicast
  m.bytes[1] = tag;
  for (int i = 0; i < 4; ++i) m.bytes[2 + i] = static_cast<uint8_t>(h >> (8 * i));
  return m;
}

}  // namespace

uint64_t attachment_hash(std::string_view container_id, std::string_view ifname) {
  uint64_t h = fnv1a(kFnvOffset, container_id);
  h = fnv1a(h, std::string_view("\0", 1));
  return mix(fnv1a(h, ifname));
}

std::string host_veth_name(std::string_view prefix, std::string_view container_id, std::string_view ifname) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string name(prefix);
  uint64_t h = attachment_hash(container_id, ifname);
  while (name.size() < 15) {
    name.push_back(kHex[h & 0xf]);
    h >>= 4;
  }
  return name;
}

netlink::Mac host_veth_mac(std::string_view container_id, std::string_view ifname) {
  return mac_from(attachment_hash(container_id, ifname), 0x6b);
}

netlink::Mac pod_mac(std::string_view container_id, std::string_view ifname) {
  return mac_from(attachment_hash(container_id, ifname) >> 16, 0x70);
}

}  // namespace v6k::cni
