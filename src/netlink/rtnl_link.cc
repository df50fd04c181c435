// Rtnl lifetime, MAC text, and link (RTM_*LINK) requests.
#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/veth.h>

#include <cstdio>
#include <cstring>

#include "netlink/nl_transport.h"
#include "netlink/rtnl.h"

namespace v6k::netlink {
namespace {

using internal::RequestBuffer;

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

ifinfomsg* put_ifinfo(nlmsghdr* nlh, int ifindex) {
  auto* ifi = static_cast<ifinfomsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ifinfomsg)));
  ifi->ifi_family = AF_UNSPEC;
  ifi->ifi_index = ifindex;
  return ifi;
}

struct LinkAttrs {
  const nlattr* tb[IFLA_MAX + 1] = {};
};

int on_link_attr(const nlattr* attr, void* data) {
  auto* a = static_cast<LinkAttrs*>(data);
  int type = mnl_attr_get_type(attr);
  if (type <= IFLA_MAX) a->tb[type] = attr;
  return MNL_CB_OK;
}

int on_linkinfo_attr(const nlattr* attr, void* data) {
  if (mnl_attr_get_type(attr) == IFLA_INFO_KIND && mnl_attr_validate(attr, MNL_TYPE_STRING) >= 0)
    *static_cast<std::string*>(data) =
        std::string(static_cast<const char*>(mnl_attr_get_payload(attr)),
                    strnlen(static_cast<const char*>(mnl_attr_get_payload(attr)),
                            mnl_attr_get_payload_len(attr)));
  return MNL_CB_OK;
}

std::optional<LinkInfo> parse_link(const nlmsghdr* nlh) {
  if (nlh->nlmsg_type != RTM_NEWLINK || mnl_nlmsg_get_payload_len(nlh) < sizeof(ifinfomsg))
    return std::nullopt;
  auto* ifi = static_cast<const ifinfomsg*>(mnl_nlmsg_get_payload(nlh));
  LinkAttrs a;
  mnl_attr_parse(nlh, sizeof(ifinfomsg), on_link_attr, &a);
  LinkInfo info;
  info.index = ifi->ifi_index;
  info.up = (ifi->ifi_flags & IFF_UP) != 0;
  if (a.tb[IFLA_IFNAME] && mnl_attr_validate(a.tb[IFLA_IFNAME], MNL_TYPE_NUL_STRING) >= 0)
    info.name = mnl_attr_get_str(a.tb[IFLA_IFNAME]);
  if (a.tb[IFLA_MTU] && mnl_attr_validate(a.tb[IFLA_MTU], MNL_TYPE_U32) >= 0)
    info.mtu = mnl_attr_get_u32(a.tb[IFLA_MTU]);
  if (a.tb[IFLA_ADDRESS] && mnl_attr_get_payload_len(a.tb[IFLA_ADDRESS]) == 6)
    std::memcpy(info.mac.bytes.data(), mnl_attr_get_payload(a.tb[IFLA_ADDRESS]), 6);
  if (a.tb[IFLA_OPERSTATE] && mnl_attr_get_payload_len(a.tb[IFLA_OPERSTATE]) >= 1)
    info.oper_up = mnl_attr_get_u8(a.tb[IFLA_OPERSTATE]) == IF_OPER_UP;
  if (a.tb[IFLA_LINK] && mnl_attr_validate(a.tb[IFLA_LINK], MNL_TYPE_U32) >= 0)
    info.link_index = static_cast<int>(mnl_attr_get_u32(a.tb[IFLA_LINK]));
  if (a.tb[IFLA_LINKINFO])
    mnl_attr_parse_nested(a.tb[IFLA_LINKINFO], on_linkinfo_attr, &info.kind);
  return info;
}

std::string ifindex_text(int ifindex) { return "ifindex " + std::to_string(ifindex); }

}  // namespace

// ---- Mac ----------------------------------------------------------------------------

std::string Mac::to_string() const {
  char buf[18];
  std::snprintf(buf, sizeof(buf), "%02x:%02x:%02x:%02x:%02x:%02x", bytes[0], bytes[1], bytes[2],
                bytes[3], bytes[4], bytes[5]);
  return buf;
}

Result<Mac> Mac::parse(std::string_view text) {
  auto bad = [&](const std::string& why) {
    return fail_invalid("MAC address \"" + std::string(text) + "\": " + why);
  };
  if (text.size() != 17) return bad("expected 17 characters like 02:00:5e:10:00:01");
  const char sep = text[2];
  if (sep != ':' && sep != '-') return bad("groups must be separated by ':' or '-'");
  Mac mac;
  for (size_t i = 0; i < 6; ++i) {
    size_t at = i * 3;
    int hi = hex_value(text[at]), lo = hex_value(text[at + 1]);
    if (hi < 0 || lo < 0) return bad("group " + std::to_string(i + 1) + " is not two hex digits");
    if (i < 5 && text[at + 2] != sep) return bad("mixed or missing separators");
    mac.bytes[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return mac;
}

// ---- lifetime -----------------------------------------------------------------------

Rtnl::Rtnl(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Rtnl::Rtnl(Rtnl&&) noexcept = default;
Rtnl& Rtnl::operator=(Rtnl&&) noexcept = default;
Rtnl::~Rtnl() = default;

Result<Rtnl> Rtnl::open() {
  auto t = internal::Transport::open();
  if (!t) return fail(std::move(t.error()));
  auto impl = std::make_unique<Impl>();
  impl->t = std::move(*t);
  return Rtnl(std::move(impl));
}

Result<Rtnl> Rtnl::open_in(const NetNs& ns) {
  auto scope = NetNsScope::enter(ns);
  if (!scope) return fail(std::move(scope.error()).wrap("opening rtnetlink socket"));
  auto r = open();
  if (!r) return fail(std::move(r.error()).wrap("in netns " + ns.path()));
  return r;
}

int Rtnl::fd() const { return impl_->t->fd(); }
void Rtnl::begin_batch() { impl_->t->begin_batch(); }
Result<> Rtnl::commit_batch() { return impl_->t->commit_batch(); }

// ---- links --------------------------------------------------------------------------

// RTM_NEWLINK for a veth pair. Attribute nesting:
//
//   nlmsghdr + ifinfomsg                      host side (ifi_index 0)
//   IFLA_IFNAME "v6k1a2b"  IFLA_MTU  IFLA_ADDRESS
//   IFLA_LINKINFO {
//     IFLA_INFO_KIND "veth"
//     IFLA_INFO_DATA {
//       VETH_INFO_PEER {                      payload = ifinfomsg of the peer, then attrs:
//         ifinfomsg
//         IFLA_IFNAME "eth0"  IFLA_NET_NS_FD <fd>  IFLA_MTU  IFLA_ADDRESS
//       }
//     }
//   }
//
// IFLA_NET_NS_FD inside the peer makes the kernel create the peer in that namespace
// directly: no window where a pod's eth0 exists in the node's namespace.
Result<CreatedVeth> Rtnl::create_veth(const VethSpec& s) {
  std::string what = "creating veth " + s.name + " (peer " + s.peer_name +
                     (s.peer_netns_fd >= 0 ? " in netns fd " + std::to_string(s.peer_netns_fd) : "") +
                     ")";
  if (s.name.empty() || s.name.size() >= IFNAMSIZ || s.peer_name.empty() ||
      s.peer_name.size() >= IFNAMSIZ)
    return fail_invalid(what + ": interface names must be 1-15 characters");
  RequestBuffer buf;
  // NLM_F_ECHO (honoured for link creation since Linux 6.1) makes the kernel send the new
  // link back, saving a lookup: its ifindex and, in IFLA_LINK, the peer's ifindex.
  uint16_t flags = NLM_F_CREATE | NLM_F_EXCL | (impl_->t->batching() ? 0 : NLM_F_ECHO);
  nlmsghdr* nlh = impl_->t->start(buf, RTM_NEWLINK, flags);
  put_ifinfo(nlh, 0);
  mnl_attr_put_strz(nlh, IFLA_IFNAME, s.name.c_str());
  if (s.mtu != 0) mnl_attr_put_u32(nlh, IFLA_MTU, s.mtu);
  if (s.mac) mnl_attr_put(nlh, IFLA_ADDRESS, 6, s.mac->bytes.data());
  nlattr* linkinfo = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
  mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
  nlattr* data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
  nlattr* peer = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
  put_ifinfo(nlh, 0);
  mnl_attr_put_strz(nlh, IFLA_IFNAME, s.peer_name.c_str());
  if (s.peer_netns_fd >= 0) mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, static_cast<uint32_t>(s.peer_netns_fd));
  if (s.mtu != 0) mnl_attr_put_u32(nlh, IFLA_MTU, s.mtu);
  if (s.peer_mac) mnl_attr_put(nlh, IFLA_ADDRESS, 6, s.peer_mac->bytes.data());
  mnl_attr_nest_end(nlh, peer);
  mnl_attr_nest_end(nlh, data);
  mnl_attr_nest_end(nlh, linkinfo);
  CreatedVeth out;
  if (impl_->t->batching()) {
    V6K_TRY(impl_->t->execute(nlh, std::move(what)), "");
    return out;
  }
  V6K_TRY(impl_->t->execute(nlh, std::move(what), [&](const nlmsghdr* m) {
    auto info = parse_link(m);
    if (info && info->name == s.name) {
      out.index = info->index;
      out.peer_index = info->link_index;
    }
  }), "");
  return out;
}

namespace {
Result<LinkInfo> get_link_impl(internal::Transport& t, int ifindex, const std::string* name,
                               std::string what) {
  RequestBuffer buf;
  nlmsghdr* nlh = t.start(buf, RTM_GETLINK, 0);
  put_ifinfo(nlh, ifindex);
  if (name) mnl_attr_put_strz(nlh, IFLA_IFNAME, name->c_str());
  mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
  std::optional<LinkInfo> found;
  V6K_TRY(t.execute(nlh, what, [&](const nlmsghdr* m) {
    if (!found) found = parse_link(m);
  }), "");
  if (!found) return fail(Error::from_errno(ENODEV, what + ": no link in the reply"));
  return *found;
}
}  // namespace

Result<LinkInfo> Rtnl::get_link(const std::string& name) {
  if (name.empty() || name.size() >= IFNAMSIZ)
    return fail(Error::from_errno(ENODEV, "looking up link \"" + name + "\": invalid name"));
  return get_link_impl(*impl_->t, 0, &name, "looking up link " + name);
}

Result<LinkInfo> Rtnl::get_link(int ifindex) {
  return get_link_impl(*impl_->t, ifindex, nullptr, "looking up link " + ifindex_text(ifindex));
}

Result<std::vector<LinkInfo>> Rtnl::list_links() {
  std::vector<LinkInfo> out;
  V6K_TRY(impl_->t->dump(
              [&](RequestBuffer& buf) {
                nlmsghdr* nlh = impl_->t->start(buf, RTM_GETLINK, NLM_F_DUMP);
                put_ifinfo(nlh, 0);
                mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
                return nlh;
              },
              "listing links",
              [&](const nlmsghdr* m) {
                if (auto l = parse_link(m)) out.push_back(std::move(*l));
              },
              [&] { out.clear(); }),
          "");
  return out;
}

Result<> Rtnl::set_link_up(int ifindex, bool up) {
  RequestBuffer buf;
  nlmsghdr* nlh = impl_->t->start(buf, RTM_NEWLINK, 0);
  ifinfomsg* ifi = put_ifinfo(nlh, ifindex);
  ifi->ifi_change = IFF_UP;
  ifi->ifi_flags = up ? IFF_UP : 0;
  return impl_->t->execute(nlh, std::string(up ? "setting up " : "setting down ") +
                                    ifindex_text(ifindex));
}

Result<> Rtnl::set_mtu(int ifindex, uint32_t mtu) {
  RequestBuffer buf;
  nlmsghdr* nlh = impl_->t->start(buf, RTM_NEWLINK, 0);
  put_ifinfo(nlh, ifindex);
  mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
  return impl_->t->execute(nlh, "setting MTU " + std::to_string(mtu) + " on " +
                                    ifindex_text(ifindex));
}

Result<> Rtnl::set_mac(int ifindex, const Mac& mac) {
  RequestBuffer buf;
  nlmsghdr* nlh = impl_->t->start(buf, RTM_NEWLINK, 0);
  put_ifinfo(nlh, ifindex);
  mnl_attr_put(nlh, IFLA_ADDRESS, 6, mac.bytes.data());
  return impl_->t->execute(nlh, "setting MAC " + mac.to_string() + " on " + ifindex_text(ifindex));
}

Result<> Rtnl::delete_link(int ifindex) {
  RequestBuffer buf;
  nlmsghdr* nlh = impl_->t->start(buf, RTM_DELLINK, 0);
  put_ifinfo(nlh, ifindex);
  return impl_->t->execute(nlh, "deleting link " + ifindex_text(ifindex));
}

Result<> Rtnl::delete_link(const std::string& name) {
  if (name.empty() || name.size() >= IFNAMSIZ)
    return fail(Error::from_errno(ENODEV, "deleting link \"" + name + "\": invalid name"));
  RequestBuffer buf;
  nlmsghdr* nlh = impl_->t->start(buf, RTM_DELLINK, 0);
  put_ifinfo(nlh, 0);
  mnl_attr_put_strz(nlh, IFLA_IFNAME, name.c_str());
  return impl_->t->execute(nlh, "deleting link " + name);
}

}  // namespace v6k::netlink
