// FIB rule (RTM_*RULE) requests: policy routing for the fabric's VPC routers.
#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/fib_rules.h>

#include <cstring>

#include "netlink/nl_attr.h"
#include "netlink/nl_transport.h"
#include "netlink/rtnl.h"
#include "netlink/rule.h"

namespace v6k::netlink {
namespace {

using internal::Attrs;
using internal::ip_from;
using internal::put_ip;
using internal::RequestBuffer;

std::string rule_text(const FibRule& r) {
  std::string s = "pref " + std::to_string(r.priority);
  s += r.src ? " from " + addr::to_string(*r.src) + "/" + std::to_string(r.src_len) : " from all";
  if (r.dst) s += " to " + addr::to_string(*r.dst) + "/" + std::to_string(r.dst_len);
  s += " lookup " + std::to_string(r.table);
  if (r.suppress_prefixlen >= 0) s += " suppress_prefixlength " + std::to_string(r.suppress_prefixlen);
  return s;
}

nlmsghdr* build_rule(internal::Transport& t, RequestBuffer& buf, uint16_t type, uint16_t flags,
                     const FibRule& r) {
  nlmsghdr* nlh = t.start(buf, type, flags);
  auto* frh = static_cast<fib_rule_hdr*>(mnl_nlmsg_put_extra_header(nlh, sizeof(fib_rule_hdr)));
  frh->family = static_cast<uint8_t>(r.family);
  frh->src_len = static_cast<uint8_t>(r.src ? r.src_len : 0);
  frh->dst_len = static_cast<uint8_t>(r.dst ? r.dst_len : 0);
  frh->action = r.action;
  frh->table = static_cast<uint8_t>(r.table < 256 ? r.table : uint32_t{RT_TABLE_UNSPEC});
  mnl_attr_put_u32(nlh, FRA_PRIORITY, r.priority);
  mnl_attr_put_u32(nlh, FRA_TABLE, r.table);
  if (r.src) put_ip(nlh, FRA_SRC, *r.src);
  if (r.dst) put_ip(nlh, FRA_DST, *r.dst);
  if (r.suppress_prefixlen >= 0)
    mnl_attr_put_u32(nlh, FRA_SUPPRESS_PREFIXLEN, static_cast<uint32_t>(r.suppress_prefixlen));
  return nlh;
}

}  // namespace

Result<> Rtnl::add_rule(const FibRule& r) {
  RequestBuffer buf;
  nlmsghdr* nlh = build_rule(*impl_->t, buf, RTM_NEWRULE, NLM_F_CREATE | NLM_F_EXCL, r);
  return impl_->t->execute(nlh, "adding rule " + rule_text(r));
}

Result<> Rtnl::delete_rule(const FibRule& r) {
  RequestBuffer buf;
  nlmsghdr* nlh = build_rule(*impl_->t, buf, RTM_DELRULE, 0, r);
  return impl_->t->execute(nlh, "deleting rule " + rule_text(r));
}

Result<std::vector<FibRule>> Rtnl::list_rules(int family) {
  std::vector<FibRule> out;
  auto build = [&](RequestBuffer& buf) {
    nlmsghdr* nlh = impl_->t->start(buf, RTM_GETRULE, NLM_F_DUMP);
    auto* frh = static_cast<fib_rule_hdr*>(mnl_nlmsg_put_extra_header(nlh, sizeof(fib_rule_hdr)));
    frh->family = static_cast<uint8_t>(family);
    return nlh;
  };
  auto parse = [&](const nlmsghdr* m) {
    if (m->nlmsg_type != RTM_NEWRULE || mnl_nlmsg_get_payload_len(m) < sizeof(fib_rule_hdr)) return;
    auto* frh = static_cast<const fib_rule_hdr*>(mnl_nlmsg_get_payload(m));
    if (frh->family != family) return;
    Attrs<FRA_MAX> a;
    mnl_attr_parse(m, sizeof(fib_rule_hdr), Attrs<FRA_MAX>::collect, &a);
    FibRule r;
    r.family = frh->family;
    r.priority = a.u32(FRA_PRIORITY).value_or(0);
    r.src = ip_from(a.tb[FRA_SRC]);
    r.src_len = r.src ? frh->src_len : 0;
    r.dst = ip_from(a.tb[FRA_DST]);
    r.dst_len = r.dst ? frh->dst_len : 0;
    r.table = a.u32(FRA_TABLE).value_or(frh->table);
    auto sp = a.u32(FRA_SUPPRESS_PREFIXLEN);
    r.suppress_prefixlen = sp && *sp != 0xffffffffU ? static_cast<int>(*sp) : -1;
    r.action = frh->action;
    out.push_back(std::move(r));
  };
  std::string what = std::string("listing ") + (family == AF_INET6 ? "IPv6" : "IPv4") + " rules";
  V6K_TRY(impl_->t->dump(build, what, parse, [&] { out.clear(); }), "");
  return out;
}

}  // namespace v6k::netlink
