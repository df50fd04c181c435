// Internal to src/netlink: the attribute helpers every rtnl_*.cc request and dump parser
// shares (addresses in and out of attributes, one attribute table per message).
#pragma once

#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <sys/socket.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <optional>

#include "addr/ip.h"

namespace v6k::netlink::internal {

inline int family_of(const addr::IpAddress& a) { return addr::is_v6(a) ? AF_INET6 : AF_INET; }

// Appends `a` as attribute `type`: 16 bytes for IPv6, 4 for IPv4 (network order).
inline void put_ip(nlmsghdr* nlh, uint16_t type, const addr::IpAddress& a) {
  if (const auto* v6 = std::get_if<addr::Ipv6Address>(&a)) {
    mnl_attr_put(nlh, type, 16, v6->bytes().data());
  } else {
    auto b = std::get<addr::Ipv4Address>(a).bytes();
    mnl_attr_put(nlh, type, 4, b.data());
  }
}

// The address in an attribute, by its payload length; nullopt when absent or neither.
inline std::optional<addr::IpAddress> ip_from(const nlattr* attr) {
  if (attr == nullptr) return std::nullopt;
  size_t len = mnl_attr_get_payload_len(attr);
  const void* p = mnl_attr_get_payload(attr);
  if (len == 16) {
    std::array<uint8_t, 16> b;
    std::memcpy(b.data(), p, 16);
    return addr::IpAddress(addr::Ipv6Address(b));
  }
  if (len == 4) {
    uint32_t be;
    std::memcpy(&be, p, 4);
    return addr::IpAddress(addr::Ipv4Address(ntohl(be)));
  }
  return std::nullopt;
}

// A message's attributes by type: mnl_attr_parse(m, hdr_len, Attrs<X_MAX>::collect, &a).
template <int Max>
struct Attrs {
  const nlattr* tb[Max + 1] = {};
  static int collect(const nlattr* attr, void* data) {
    auto* self = static_cast<Attrs*>(data);
    int type = mnl_attr_get_type(attr);
    if (type <= Max) self->tb[type] = attr;
    return MNL_CB_OK;
  }
  std::optional<uint32_t> u32(int type) const {
    if (tb[type] == nullptr || mnl_attr_get_payload_len(tb[type]) < 4) return std::nullopt;
    return mnl_attr_get_u32(tb[type]);
  }
  uint32_t u32(int type, uint32_t fallback) const { return u32(type).value_or(fallback); }
};

}  // namespace v6k::netlink::internal
