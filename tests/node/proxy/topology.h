// A node and two pods built from test-created namespaces, wired like the real pod
// datapath (DESIGN.md): each pod's eth0 holds a /128 (no DAD) and a /32, routes
// "fe80::1 dev eth0", "default via fe80::1" and "default via 169.254.172.1 onlink" with
// permanent neighbours for both gateways -> the host veth's MAC; the node routes each
// pod's /128 and /32 to its veth, forwards, and has its own address on "eth0" (a veth
// whose peer stays in the node). Each pod runs a TCP server on :8080 (IPv6 + IPv4) that
// answers "<pod name> <client address as seen>\n". Everything is removed in the destructor.
#pragma once

#include <atomic>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/unique_fd.h"
#include "netlink/netns.h"

namespace v6k::node::proxy::testing {

struct Pod {
  std::string name;  // "a" / "b"
  std::string ns;    // netns name
  std::string ip6, ip4;
};

// Outcome of one TCP connection: the server's answer, or the errno that ended it.
struct Reply {
  std::string text;  // "a 2001:db8:ff::1"
  int error = 0;     // ECONNREFUSED, ETIMEDOUT, ...
  double ms = 0;     // time to the answer or the failure
  std::string who() const { return text.substr(0, text.find(' ')); }
  std::string peer() const { return text.find(' ') == std::string::npos ? "" : text.substr(text.find(' ') + 1); }
};

class Topology {
 public:
  static std::optional<std::string> unavailable();  // reason to skip, if any
  Topology();
  ~Topology();
  Topology(const Topology&) = delete;
  Topology& operator=(const Topology&) = delete;

  const std::string& node_ns() const { return node_; }
  const netlink::NetNs& node() const { return *node_handle_; }
  const Pod& pod(int i) const { return pods_[i]; }
  static constexpr const char* kNodeIp6 = "2001:db8:ff::1";
  static constexpr const char* kNodeIp4 = "10.255.0.1";

  // One connection from namespace `from_ns` to [dst]:port, bounded by timeout_ms.
  static Reply connect(const std::string& from_ns, const std::string& dst, uint16_t port, int timeout_ms = 1000);

 private:
  void build();
  void cleanup();
  void serve(int index, UniqueFd listener);
  std::string prefix_;
  std::string node_;
  std::optional<netlink::NetNs> node_handle_;
  std::vector<Pod> pods_;
  std::vector<std::string> created_;
  std::atomic<bool> stop_{false};
  std::vector<std::thread> servers_;
};

}  // namespace v6k::node::proxy::testing
