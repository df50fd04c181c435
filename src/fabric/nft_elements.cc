#include "fabric/nft_elements.h"

#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <net/if.h>
#include <poll.h>
#include <sys/socket.h>

#include <cstring>

#include "addr/ip.h"

namespace v6k::fabric::internal {
namespace {

constexpr int kReplyTimeoutMs = 5000;

// Appends one message built by `build` (into a scratch buffer) to the batch.
template <typename F>
uint32_t append(std::vector<char>& batch, uint16_t type, uint16_t flags, uint8_t family, uint16_t res_id,
                uint32_t seq, F&& build) {
  alignas(nlmsghdr) char scratch[1024];
  nlmsghdr* nlh = mnl_nlmsg_put_header(scratch);
  nlh->nlmsg_type = type;
  nlh->nlmsg_flags = static_cast<uint16_t>(NLM_F_REQUEST | flags);
  nlh->nlmsg_seq = seq;
  auto* nfg = static_cast<nfgenmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(nfgenmsg)));
  nfg->nfgen_family = family;
  nfg->version = NFNETLINK_V0;
  nfg->res_id = htons(res_id);
  build(nlh);
  batch.insert(batch.end(), scratch, scratch + NLMSG_ALIGN(nlh->nlmsg_len));
  return seq;
}

bool is_eni_map(const std::string& set) { return set == "eni_in" || set == "eni_out"; }

Result<> put_key(nlmsghdr* nlh, uint16_t type, const std::string& set, const std::string& text) {
  nlattr* nest = mnl_attr_nest_start(nlh, type);
  if (is_eni_map(set)) {
    char name[IFNAMSIZ] = {};  // nft's ifname type: the name, zero-padded to IFNAMSIZ
    if (text.empty() || text.size() >= IFNAMSIZ) return fail_invalid("bad interface name " + text);
    std::memcpy(name, text.data(), text.size());
    mnl_attr_put(nlh, NFTA_DATA_VALUE, IFNAMSIZ, name);
  } else {
    auto ip = addr::parse_ip(text);
    if (!ip) return fail(std::move(ip.error()).wrap("element of " + set));
    if (const auto* v6 = std::get_if<addr::Ipv6Address>(&*ip)) {
      mnl_attr_put(nlh, NFTA_DATA_VALUE, 16, v6->bytes().data());
    } else {
      auto b = std::get<addr::Ipv4Address>(*ip).bytes();  // network order
      mnl_attr_put(nlh, NFTA_DATA_VALUE, 4, b.data());
    }
  }
  mnl_attr_nest_end(nlh, nest);
  return {};
}

Result<> put_element(nlmsghdr* nlh, const ElementOp& op) {
  mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_TABLE, op.nat_table ? "v6k-nat" : "v6k-sg");
  mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_SET, op.set.c_str());
  nlattr* list = mnl_attr_nest_start(nlh, NFTA_SET_ELEM_LIST_ELEMENTS);
  nlattr* elem = mnl_attr_nest_start(nlh, NFTA_LIST_ELEM);
  V6K_TRY(put_key(nlh, NFTA_SET_ELEM_KEY, op.set, op.key), "");
  if (op.add && !op.value.empty()) {
    if (is_eni_map(op.set)) {
      nlattr* data = mnl_attr_nest_start(nlh, NFTA_SET_ELEM_DATA);
      nlattr* verdict = mnl_attr_nest_start(nlh, NFTA_DATA_VERDICT);
      mnl_attr_put_u32(nlh, NFTA_VERDICT_CODE, htonl(static_cast<uint32_t>(NFT_JUMP)));
      mnl_attr_put_strz(nlh, NFTA_VERDICT_CHAIN, op.value.c_str());
      mnl_attr_nest_end(nlh, verdict);
      mnl_attr_nest_end(nlh, data);
    } else {
      V6K_TRY(put_key(nlh, NFTA_SET_ELEM_DATA, op.set, op.value), "");
    }
  }
  mnl_attr_nest_end(nlh, elem);
  mnl_attr_nest_end(nlh, list);
  return {};
}

std::string op_text(const ElementOp& op) {
  return std::string(op.add ? "adding " : "removing ") + op.key + (op.value.empty() ? "" : " : " + op.value) +
         (op.add ? " to " : " from ") + op.set;
}

}  // namespace

Result<NftElements> NftElements::open() {
  mnl_socket* s = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC);
  if (s == nullptr) return fail_errno("opening NETLINK_NETFILTER socket");
  NftElements out(s);
  int one = 1;
  (void)mnl_socket_setsockopt(s, NETLINK_EXT_ACK, &one, sizeof one);
  (void)mnl_socket_setsockopt(s, NETLINK_CAP_ACK, &one, sizeof one);
  if (mnl_socket_bind(s, 0, MNL_SOCKET_AUTOPID) < 0) return fail_errno("binding NETLINK_NETFILTER socket");
  return out;
}

NftElements::~NftElements() {
  if (sock_ != nullptr) mnl_socket_close(sock_);
}

Result<> NftElements::apply(const std::vector<ElementOp>& ops) {
  if (ops.empty()) return {};
  std::vector<char> batch;
  batch.reserve(128 * (ops.size() + 2));
  uint32_t first = seq_;
  append(batch, NFNL_MSG_BATCH_BEGIN, 0, AF_UNSPEC, NFNL_SUBSYS_NFTABLES, seq_++, [](nlmsghdr*) {});
  Result<> built;
  for (size_t i = 0; i < ops.size() && built; ++i) {
    const ElementOp& op = ops[i];
    uint16_t type = static_cast<uint16_t>(NFNL_SUBSYS_NFTABLES << 8 | (op.add ? NFT_MSG_NEWSETELEM : NFT_MSG_DELSETELEM));
    // Only the last request asks for an ACK: errors are reported anyway, and the last
    // reply tells us the transaction is over.
    uint16_t flags = static_cast<uint16_t>((op.add ? NLM_F_CREATE : 0) | (i + 1 == ops.size() ? NLM_F_ACK : 0));
    append(batch, type, flags, op.nat_table ? NFPROTO_IPV4 : NFPROTO_INET, 0, seq_++,
           [&](nlmsghdr* nlh) { built = put_element(nlh, op); });
  }
  if (!built) return fail(std::move(built.error()).wrap("building an nftables element batch"));
  const uint32_t last = seq_ - 1;
  append(batch, NFNL_MSG_BATCH_END, 0, AF_UNSPEC, NFNL_SUBSYS_NFTABLES, seq_++, [](nlmsghdr*) {});

  int fd = mnl_socket_get_fd(sock_);
  if (batch.size() > 64 * 1024) {  // one datagram must hold the whole transaction
    int size = static_cast<int>(batch.size() + 4096);
    (void)::setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof size);
  }
  if (mnl_socket_sendto(sock_, batch.data(), batch.size()) < 0) return fail_errno("sending nftables elements");

  std::optional<Error> failed;
  std::vector<char> rx(MNL_SOCKET_BUFFER_SIZE * 4);
  for (;;) {
    pollfd p{fd, POLLIN, 0};
    int n = ::poll(&p, 1, kReplyTimeoutMs);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return fail(Error::from_errno(ETIMEDOUT, "waiting for the nftables element transaction"));
    ssize_t len = mnl_socket_recvfrom(sock_, rx.data(), rx.size());
    if (len < 0) return fail_errno("reading nftables replies");
    int left = static_cast<int>(len);
    for (auto* nlh = reinterpret_cast<const nlmsghdr*>(rx.data()); mnl_nlmsg_ok(nlh, left);
         nlh = mnl_nlmsg_next(nlh, &left)) {
      if (nlh->nlmsg_seq < first || nlh->nlmsg_seq > last || nlh->nlmsg_type != NLMSG_ERROR) continue;
      const auto* err = static_cast<const nlmsgerr*>(mnl_nlmsg_get_payload(nlh));
      if (err->error != 0 && !failed) {
        size_t index = nlh->nlmsg_seq - first - 1;
        std::string what = index < ops.size() ? op_text(ops[index]) : "nftables element batch";
        failed = Error::from_errno(-err->error, what);
      }
      if (nlh->nlmsg_seq == last) {
        if (failed) return fail(std::move(*failed).wrap("nftables element transaction (rolled back)"));
        return {};
      }
    }
  }
}

}  // namespace v6k::fabric::internal
