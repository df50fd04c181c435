#include "netlink/nl_transport.h"

#include <libmnl/libmnl.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <string_view>

namespace v6k::netlink::internal {
namespace {

constexpr size_t kReceiveBufferSize = 32768;  // >= any dump skb the kernel builds for us
constexpr int kMaxDumpRestarts = 20;

#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11
#endif
#ifndef NETLINK_GET_STRICT_CHK
#define NETLINK_GET_STRICT_CHK 12
#endif

int on_ext_ack_attr(const nlattr* attr, void* data) {
  if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG &&
      mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) >= 0) {
    *static_cast<std::string*>(data) = mnl_attr_get_str(attr);
  }
  return MNL_CB_OK;
}

// Extended-ack TLVs start after `payload_before_tlvs` bytes of the message's payload.
std::string ext_ack_text(const nlmsghdr* nlh, size_t payload_before_tlvs) {
  std::string text;
  if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS)) return text;
  if (mnl_nlmsg_get_payload_len(nlh) <= payload_before_tlvs) return text;
  mnl_attr_parse(nlh, static_cast<unsigned>(payload_before_tlvs), on_ext_ack_attr, &text);
  return text;
}

// The errno (positive, 0 = ACK) and ext-ack text of an NLMSG_ERROR message.
std::pair<int, std::string> parse_error(const nlmsghdr* nlh) {
  if (mnl_nlmsg_get_payload_len(nlh) < sizeof(nlmsgerr)) return {EBADMSG, "truncated NLMSG_ERROR"};
  auto* err = static_cast<const nlmsgerr*>(mnl_nlmsg_get_payload(nlh));
  if (err->error == 0) return {0, {}};
  size_t skip = sizeof(nlmsgerr);
  if (!(nlh->nlmsg_flags & NLM_F_CAPPED)) skip += err->msg.nlmsg_len - sizeof(nlmsghdr);
  return {-err->error, ext_ack_text(nlh, skip)};
}

}  // namespace

Error kernel_error(int err, const std::string& what, std::string ext_ack) {
  return Error::from_errno(err, what, std::move(ext_ack));
}

Result<std::unique_ptr<Transport>> Transport::open() {
  std::unique_ptr<Transport> t(new Transport());
  t->sock_ = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
  if (t->sock_ == nullptr) return fail_errno("opening NETLINK_ROUTE socket");
  int one = 1;
  // Extended ACK text and capped ACKs (the kernel need not echo our request back).
  if (mnl_socket_setsockopt(t->sock_, NETLINK_EXT_ACK, &one, sizeof(one)) < 0)
    return fail_errno("setting NETLINK_EXT_ACK");
  if (mnl_socket_setsockopt(t->sock_, NETLINK_CAP_ACK, &one, sizeof(one)) < 0)
    return fail_errno("setting NETLINK_CAP_ACK");
  // Strict checking makes the kernel filter dumps by the header fields we set (ifindex,
  // table); older kernels lack it and we filter in user space anyway.
  (void)mnl_socket_setsockopt(t->sock_, NETLINK_GET_STRICT_CHK, &one, sizeof(one));
  if (mnl_socket_bind(t->sock_, 0, MNL_SOCKET_AUTOPID) < 0)
    return fail_errno("binding NETLINK_ROUTE socket");
  t->portid_ = mnl_socket_get_portid(t->sock_);
  t->seq_ = 1;
  t->rx_.resize(kReceiveBufferSize);
  return t;
}

Transport::~Transport() {
  if (sock_ != nullptr) mnl_socket_close(sock_);
}

int Transport::fd() const { return mnl_socket_get_fd(sock_); }

nlmsghdr* Transport::start(RequestBuffer& buf, uint16_t type, uint16_t flags) {
  nlmsghdr* nlh = mnl_nlmsg_put_header(buf.bytes);
  nlh->nlmsg_type = type;
  nlh->nlmsg_flags = static_cast<uint16_t>(NLM_F_REQUEST | NLM_F_ACK | flags);
  nlh->nlmsg_seq = ++seq_;
  if (seq_ == 0) nlh->nlmsg_seq = seq_ = 1;
  return nlh;
}

Result<> Transport::send(const void* data, size_t len, const std::string& what) {
  for (;;) {
    ssize_t n = mnl_socket_sendto(sock_, data, len);
    if (n >= 0) return {};
    if (errno != EINTR) return fail_errno("sending netlink request: " + what);
  }
}

Result<> Transport::execute(const nlmsghdr* nlh, std::string what, const OnMessage& on_reply) {
  if (batching_ && !on_reply) {
    const char* p = reinterpret_cast<const char*>(nlh);
    if (batch_.empty()) batch_first_seq_ = nlh->nlmsg_seq;
    batch_.insert(batch_.end(), p, p + NLMSG_ALIGN(nlh->nlmsg_len));
    batch_what_.push_back(std::move(what));
    return {};
  }
  if (batching_) return fail(Error::from_errno(EBUSY, what + " (a batch is open)"));
  V6K_TRY(send(nlh, nlh->nlmsg_len, what), "");
  return await(nlh->nlmsg_seq, what, on_reply, nullptr);
}

Result<> Transport::await(uint32_t seq, const std::string& what, const OnMessage& on_message,
                          bool* interrupted) {
  for (;;) {
    ssize_t n = mnl_socket_recvfrom(sock_, rx_.data(), rx_.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail_errno("receiving netlink reply: " + what);
    }
    const nlmsghdr* nlh = reinterpret_cast<const nlmsghdr*>(rx_.data());
    int len = static_cast<int>(n);
    for (; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
      // Replies to an earlier request (e.g. one abandoned on error) and anything not
      // addressed to our port are not ours: skip them.
      if (nlh->nlmsg_seq != seq || (nlh->nlmsg_pid != 0 && nlh->nlmsg_pid != portid_)) continue;
      if ((nlh->nlmsg_flags & NLM_F_DUMP_INTR) && interrupted != nullptr) *interrupted = true;
      if (nlh->nlmsg_type == NLMSG_ERROR) {
        auto [err, text] = parse_error(nlh);
        if (err != 0) return fail(kernel_error(err, what, std::move(text)));
        return {};
      }
      if (nlh->nlmsg_type == NLMSG_DONE) {
        if (mnl_nlmsg_get_payload_len(nlh) >= sizeof(int)) {
          int err = *static_cast<const int*>(mnl_nlmsg_get_payload(nlh));
          if (err < 0) return fail(kernel_error(-err, what, ext_ack_text(nlh, sizeof(int))));
        }
        return {};
      }
      if (nlh->nlmsg_type < NLMSG_MIN_TYPE) continue;  // NOOP / OVERRUN
      if (on_message) on_message(nlh);
    }
  }
}

Result<> Transport::dump(const std::function<nlmsghdr*(RequestBuffer&)>& build,
                         const std::string& what, const OnMessage& on_message,
                         const std::function<void()>& reset) {
  if (batching_) return fail(Error::from_errno(EBUSY, what + " (a batch is open)"));
  for (int attempt = 0; attempt <= kMaxDumpRestarts; ++attempt) {
    RequestBuffer buf;
    nlmsghdr* nlh = build(buf);
    V6K_TRY(send(nlh, nlh->nlmsg_len, what), "");
    bool interrupted = false;
    V6K_TRY(await(nlh->nlmsg_seq, what, on_message, &interrupted), "");
    if (!interrupted) return {};
    reset();  // the table changed under the dump: results may be inconsistent, start over
  }
  return fail(Error::from_errno(EINTR, what + ": dump interrupted " +
                                           std::to_string(kMaxDumpRestarts + 1) + " times"));
}

void Transport::begin_batch() { batching_ = true; }

Result<> Transport::commit_batch() {
  batching_ = false;
  std::vector<char> queued = std::move(batch_);
  std::vector<std::string> whats = std::move(batch_what_);
  batch_.clear();
  batch_what_.clear();
  if (queued.empty()) return {};
  V6K_TRY(send(queued.data(), queued.size(), "batch of " + std::to_string(whats.size())),
          "committing netlink batch");
  // One ACK per request, in order. Remember the first failure but drain every ACK so the
  // socket is clean for the next request.
  std::optional<Error> first;
  for (size_t i = 0; i < whats.size(); ++i) {
    auto r = await(batch_first_seq_ + static_cast<uint32_t>(i), whats[i], {}, nullptr);
    if (!r && !first) first = std::move(r.error());
  }
  if (first) return fail(std::move(*first));
  return {};
}

}  // namespace v6k::netlink::internal
