// Neighbour deletion (RTM_DELNEIGH) and single route lookups (RTM_GETROUTE without
// NLM_F_DUMP, as `ip route get` does).
#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/neighbour.h>

#include "netlink/nl_attr.h"
#include "netlink/nl_transport.h"
#include "netlink/rtnl.h"

namespace v6k::netlink {
using internal::family_of;
using internal::put_ip;
using internal::RequestBuffer;

Result<> Rtnl::delete_neighbour(const Neighbour& n) {
  RequestBuffer buf;
  nlmsghdr* nlh = impl_->t->start(buf, RTM_DELNEIGH, 0);
  auto* nd = static_cast<ndmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ndmsg)));
  nd->ndm_family = static_cast<uint8_t>(family_of(n.ip));
  nd->ndm_ifindex = n.ifindex;
  put_ip(nlh, NDA_DST, n.ip);
  return impl_->t->execute(nlh, "deleting neighbour " + addr::to_string(n.ip) + " on ifindex " +
                                    std::to_string(n.ifindex));
}

Result<uint8_t> Rtnl::route_type(const addr::IpAddress& dst) {
  RequestBuffer buf;
  nlmsghdr* nlh = impl_->t->start(buf, RTM_GETROUTE, 0);
  auto* rtm = static_cast<rtmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(rtmsg)));
  bool v6 = addr::is_v6(dst);
  rtm->rtm_family = static_cast<uint8_t>(v6 ? AF_INET6 : AF_INET);
  rtm->rtm_dst_len = static_cast<uint8_t>(v6 ? 128 : 32);
  put_ip(nlh, RTA_DST, dst);
  std::optional<uint8_t> type;
  V6K_TRY(impl_->t->execute(nlh, "looking up the route to " + addr::to_string(dst),
                            [&](const nlmsghdr* m) {
                              if (m->nlmsg_type == RTM_NEWROUTE && mnl_nlmsg_get_payload_len(m) >= sizeof(rtmsg))
                                type = static_cast<const rtmsg*>(mnl_nlmsg_get_payload(m))->rtm_type;
                            }),
          "");
  if (!type) return fail(Error::from_errno(ENETUNREACH, "looking up the route to " + addr::to_string(dst) + ": no reply"));
  return *type;
}

}  // namespace v6k::netlink
