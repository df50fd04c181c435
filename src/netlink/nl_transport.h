// Internal to src/netlink: one NETLINK_ROUTE socket and the request/ACK/dump protocol
// (seq + portid checks, extended ACK text, NLM_F_DUMP_INTR restarts, batching).
// Message building stays in rtnl_*.cc; this file knows nothing about links or routes.
#pragma once

#include <linux/netlink.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "netlink/rtnl.h"

struct mnl_socket;

namespace v6k::netlink::internal {

// Big enough for any request we build (the largest, a veth, is ~200 bytes).
inline constexpr size_t kRequestBufferSize = 1024;

// A stack buffer for building one request with libmnl.
struct RequestBuffer {
  alignas(nlmsghdr) char bytes[kRequestBufferSize];
};

class Transport {
 public:
  static Result<std::unique_ptr<Transport>> open();
  ~Transport();

  int fd() const;
  // Writes a fresh header (type, NLM_F_REQUEST|NLM_F_ACK|flags, next seq) into `buf`.
  nlmsghdr* start(RequestBuffer& buf, uint16_t type, uint16_t flags);

  using OnMessage = std::function<void(const nlmsghdr*)>;
  // Sends `nlh` (or queues it when a batch is open and on_reply is empty) and waits for
  // its ACK; reply messages before the ACK go to on_reply.
  Result<> execute(const nlmsghdr* nlh, std::string what, const OnMessage& on_reply = {});
  // Runs a dump built by `build` until NLMSG_DONE; restarts (calling `reset` first) when
  // the kernel marks it NLM_F_DUMP_INTR.
  Result<> dump(const std::function<nlmsghdr*(RequestBuffer&)>& build, const std::string& what,
                const OnMessage& on_message, const std::function<void()>& reset);

  void begin_batch();
  Result<> commit_batch();
  bool batching() const { return batching_; }

 private:
  Transport() = default;
  // Receives until the request `seq` is finished (ACK / error / DONE).
  Result<> await(uint32_t seq, const std::string& what, const OnMessage& on_message,
                 bool* interrupted);
  Result<> send(const void* data, size_t len, const std::string& what);

  mnl_socket* sock_ = nullptr;
  uint32_t portid_ = 0;
  uint32_t seq_ = 0;
  std::vector<char> rx_;
  bool batching_ = false;
  std::vector<char> batch_;                // queued requests, back to back
  std::vector<std::string> batch_what_;    // description per queued request, in seq order
  uint32_t batch_first_seq_ = 0;
};

// Error helper: kernel errno + our description + extended-ack text.
Error kernel_error(int err, const std::string& what, std::string ext_ack);

}  // namespace v6k::netlink::internal

namespace v6k::netlink {
struct Rtnl::Impl {
  std::unique_ptr<internal::Transport> t;
};
}  // namespace v6k::netlink
