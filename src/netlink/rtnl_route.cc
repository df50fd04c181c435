// Address (RTM_*ADDR), route (RTM_*ROUTE) and neighbour (RTM_*NEIGH) requests.
#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/neighbour.h>

#include <cstring>

#include "netlink/nl_attr.h"
#include "netlink/nl_transport.h"
#include "netlink/rtnl.h"

namespace v6k::netlink {
namespace {

using internal::Attrs;
using internal::family_of;
using internal::ip_from;
using internal::put_ip;
using internal::RequestBuffer;

std::string on_link(int ifindex) { return " on ifindex " + std::to_string(ifindex); }

std::string route_text(const Route& r) {
  std::string s = r.dst ? addr::to_string(*r.dst) + "/" + std::to_string(r.dst_len) : "default";
  if (r.gateway) s += " via " + addr::to_string(*r.gateway);
  if (r.ifindex != 0) s += " dev ifindex " + std::to_string(r.ifindex);
  if (r.onlink) s += " onlink";
  if (r.table != RT_TABLE_MAIN) s += " table " + std::to_string(r.table);
  return s;
}

nlmsghdr* build_route(internal::Transport& t, RequestBuffer& buf, uint16_t type, uint16_t flags,
                      const Route& r) {
  nlmsghdr* nlh = t.start(buf, type, flags);
  auto* rtm = static_cast<rtmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(rtmsg)));
  rtm->rtm_family = static_cast<uint8_t>(r.family());
  rtm->rtm_dst_len = static_cast<uint8_t>(r.dst ? r.dst_len : 0);
  rtm->rtm_table = static_cast<uint8_t>(r.table < 256 ? r.table : uint32_t{RT_TABLE_UNSPEC});
  rtm->rtm_type = RTN_UNICAST;
  if (type == RTM_DELROUTE) {
    rtm->rtm_scope = RT_SCOPE_NOWHERE;  // match any scope, as `ip route del` does
  } else {
    rtm->rtm_scope = r.scope;
    rtm->rtm_protocol = r.protocol;
  }
  if (r.onlink) rtm->rtm_flags |= RTNH_F_ONLINK;
  if (r.table >= 256) mnl_attr_put_u32(nlh, RTA_TABLE, r.table);
  if (r.dst) put_ip(nlh, RTA_DST, *r.dst);
  if (r.gateway) put_ip(nlh, RTA_GATEWAY, *r.gateway);
  if (r.ifindex != 0) mnl_attr_put_u32(nlh, RTA_OIF, static_cast<uint32_t>(r.ifindex));
  return nlh;
}

}  // namespace

int Route::family() const {
  if (dst) return family_of(*dst);
  if (gateway) return family_of(*gateway);
  return AF_INET6;
}

// ---- addresses ----------------------------------------------------------------------

Result<> Rtnl::add_address(int ifindex, const addr::IpInterface& a, uint32_t flags,
                           uint8_t scope) {
  RequestBuffer buf;
  nlmsghdr* nlh = impl_->t->start(buf, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL);
  auto* ifa = static_cast<ifaddrmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ifaddrmsg)));
  ifa->ifa_family = static_cast<uint8_t>(family_of(a.address));
  ifa->ifa_prefixlen = static_cast<uint8_t>(a.prefix_length);
  ifa->ifa_flags = static_cast<uint8_t>(flags & 0xff);
  ifa->ifa_scope = scope;
  ifa->ifa_index = static_cast<uint32_t>(ifindex);
  put_ip(nlh, IFA_LOCAL, a.address);
  put_ip(nlh, IFA_ADDRESS, a.address);
  if (flags > 0xff) mnl_attr_put_u32(nlh, IFA_FLAGS, flags);
  return impl_->t->execute(nlh, "adding address " + a.to_string() + on_link(ifindex));
}

Result<> Rtnl::delete_address(int ifindex, const addr::IpInterface& a) {
  RequestBuffer buf;
  nlmsghdr* nlh = impl_->t->start(buf, RTM_DELADDR, 0);
  auto* ifa = static_cast<ifaddrmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ifaddrmsg)));
  ifa->ifa_family = static_cast<uint8_t>(family_of(a.address));
  ifa->ifa_prefixlen = static_cast<uint8_t>(a.prefix_length);
  ifa->ifa_index = static_cast<uint32_t>(ifindex);
  put_ip(nlh, IFA_LOCAL, a.address);
  put_ip(nlh, IFA_ADDRESS, a.address);
  return impl_->t->execute(nlh, "deleting address " + a.to_string() + on_link(ifindex));
}

Result<std::vector<AddressInfo>> Rtnl::list_addresses(int ifindex) {
  std::vector<AddressInfo> out;
  auto build = [&](RequestBuffer& buf) {
    nlmsghdr* nlh = impl_->t->start(buf, RTM_GETADDR, NLM_F_DUMP);
    auto* ifa = static_cast<ifaddrmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ifaddrmsg)));
    ifa->ifa_index = static_cast<uint32_t>(ifindex);  // kernel filters (strict check)
    return nlh;
  };
  auto parse = [&](const nlmsghdr* m) {
    if (m->nlmsg_type != RTM_NEWADDR || mnl_nlmsg_get_payload_len(m) < sizeof(ifaddrmsg)) return;
    auto* ifa = static_cast<const ifaddrmsg*>(mnl_nlmsg_get_payload(m));
    if (ifindex != 0 && static_cast<int>(ifa->ifa_index) != ifindex) return;
    Attrs<IFA_MAX> a;
    mnl_attr_parse(m, sizeof(ifaddrmsg), Attrs<IFA_MAX>::collect, &a);
    // IPv4 puts the interface's own address in IFA_LOCAL (IFA_ADDRESS is the peer on
    // point-to-point links); IPv6 uses IFA_ADDRESS unless a peer is configured.
    auto ip = ip_from(a.tb[IFA_LOCAL] ? a.tb[IFA_LOCAL] : a.tb[IFA_ADDRESS]);
    if (!ip) return;
    AddressInfo info;
    info.ifindex = static_cast<int>(ifa->ifa_index);
    info.address = addr::IpInterface{*ip, ifa->ifa_prefixlen};
    info.flags = a.u32(IFA_FLAGS, ifa->ifa_flags);
    info.scope = ifa->ifa_scope;
    out.push_back(std::move(info));
  };
  V6K_TRY(impl_->t->dump(build, "listing addresses", parse, [&] { out.clear(); }), "");
  return out;
}

// ---- routes -------------------------------------------------------------------------

Result<> Rtnl::add_route(const Route& r, bool replace) {
  RequestBuffer buf;
  uint16_t flags = NLM_F_CREATE | (replace ? NLM_F_REPLACE : NLM_F_EXCL);
  nlmsghdr* nlh = build_route(*impl_->t, buf, RTM_NEWROUTE, flags, r);
  return impl_->t->execute(nlh, "adding route " + route_text(r));
}

Result<> Rtnl::delete_route(const Route& r) {
  RequestBuffer buf;
  nlmsghdr* nlh = build_route(*impl_->t, buf, RTM_DELROUTE, 0, r);
  return impl_->t->execute(nlh, "deleting route " + route_text(r));
}

Result<std::vector<Route>> Rtnl::list_routes(int family, uint32_t table) {
  std::vector<Route> out;
  auto build = [&](RequestBuffer& buf) {
    nlmsghdr* nlh = impl_->t->start(buf, RTM_GETROUTE, NLM_F_DUMP);
    auto* rtm = static_cast<rtmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(rtmsg)));
    rtm->rtm_family = static_cast<uint8_t>(family);
    mnl_attr_put_u32(nlh, RTA_TABLE, table);  // kernel filters (strict check)
    return nlh;
  };
  auto parse = [&](const nlmsghdr* m) {
    if (m->nlmsg_type != RTM_NEWROUTE || mnl_nlmsg_get_payload_len(m) < sizeof(rtmsg)) return;
    auto* rtm = static_cast<const rtmsg*>(mnl_nlmsg_get_payload(m));
    if (rtm->rtm_family != family || rtm->rtm_type != RTN_UNICAST) return;
    if (rtm->rtm_flags & RTM_F_CLONED) return;
    Attrs<RTA_MAX> a;
    mnl_attr_parse(m, sizeof(rtmsg), Attrs<RTA_MAX>::collect, &a);
    if (a.u32(RTA_TABLE, rtm->rtm_table) != table) return;
    Route r;
    r.dst = ip_from(a.tb[RTA_DST]);
    r.dst_len = rtm->rtm_dst_len;
    r.gateway = ip_from(a.tb[RTA_GATEWAY]);
    r.ifindex = static_cast<int>(a.u32(RTA_OIF, 0));
    r.scope = rtm->rtm_scope;
    r.table = table;
    r.onlink = (rtm->rtm_flags & RTNH_F_ONLINK) != 0;
    r.protocol = rtm->rtm_protocol;
    out.push_back(std::move(r));
  };
  std::string what = "listing " + std::string(family == AF_INET6 ? "IPv6" : "IPv4") +
                     " routes of table " + std::to_string(table);
  V6K_TRY(impl_->t->dump(build, what, parse, [&] { out.clear(); }), "");
  return out;
}

// ---- neighbours ---------------------------------------------------------------------

Result<> Rtnl::add_neighbour(const Neighbour& n, bool replace) {
  RequestBuffer buf;
  uint16_t flags = NLM_F_CREATE | (replace ? NLM_F_REPLACE : NLM_F_EXCL);
  nlmsghdr* nlh = impl_->t->start(buf, RTM_NEWNEIGH, flags);
  auto* nd = static_cast<ndmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ndmsg)));
  nd->ndm_family = static_cast<uint8_t>(family_of(n.ip));
  nd->ndm_ifindex = n.ifindex;
  nd->ndm_state = n.permanent ? NUD_PERMANENT : NUD_REACHABLE;
  put_ip(nlh, NDA_DST, n.ip);
  mnl_attr_put(nlh, NDA_LLADDR, 6, n.mac.bytes.data());
  return impl_->t->execute(nlh, "adding neighbour " + addr::to_string(n.ip) + " lladdr " +
                                    n.mac.to_string() + on_link(n.ifindex));
}

Result<std::vector<Neighbour>> Rtnl::list_neighbours(int ifindex, int family) {
  std::vector<Neighbour> out;
  auto build = [&](RequestBuffer& buf) {
    nlmsghdr* nlh = impl_->t->start(buf, RTM_GETNEIGH, NLM_F_DUMP);
    auto* nd = static_cast<ndmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ndmsg)));
    nd->ndm_family = static_cast<uint8_t>(family);
    // Strict dump checking wants the filter as NDA_IFINDEX, not in the header.
    if (ifindex != 0) mnl_attr_put_u32(nlh, NDA_IFINDEX, static_cast<uint32_t>(ifindex));
    return nlh;
  };
  auto parse = [&](const nlmsghdr* m) {
    if (m->nlmsg_type != RTM_NEWNEIGH || mnl_nlmsg_get_payload_len(m) < sizeof(ndmsg)) return;
    auto* nd = static_cast<const ndmsg*>(mnl_nlmsg_get_payload(m));
    if (nd->ndm_family != family || (ifindex != 0 && nd->ndm_ifindex != ifindex)) return;
    Attrs<NDA_MAX> a;
    mnl_attr_parse(m, sizeof(ndmsg), Attrs<NDA_MAX>::collect, &a);
    auto ip = ip_from(a.tb[NDA_DST]);
    if (!ip || a.tb[NDA_LLADDR] == nullptr || mnl_attr_get_payload_len(a.tb[NDA_LLADDR]) != 6)
      return;
    Neighbour n;
    n.ifindex = nd->ndm_ifindex;
    n.ip = *ip;
    std::memcpy(n.mac.bytes.data(), mnl_attr_get_payload(a.tb[NDA_LLADDR]), 6);
    n.permanent = (nd->ndm_state & NUD_PERMANENT) != 0;
    out.push_back(std::move(n));
  };
  V6K_TRY(impl_->t->dump(build, "listing neighbours" + on_link(ifindex), parse,
                         [&] { out.clear(); }),
          "");
  return out;
}

}  // namespace v6k::netlink
