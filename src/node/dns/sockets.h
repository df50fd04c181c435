// Socket plumbing shared by the DNS server's UDP and TCP sides (internal to node_dns):
// addresses of either family, listening sockets, and deadline-bounded TCP I/O.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "addr/ip.h"
#include "common/result.h"
#include "common/unique_fd.h"

namespace v6k::node::dns {

using Clock = std::chrono::steady_clock;

struct SockAddr {
  sockaddr_storage ss{};
  socklen_t len = 0;

  static SockAddr from(const addr::IpAddress& ip, uint16_t port);
  int family() const { return ss.ss_family; }
  const sockaddr* get() const { return reinterpret_cast<const sockaddr*>(&ss); }
  sockaddr* get() { return reinterpret_cast<sockaddr*>(&ss); }
  uint16_t port() const;
  std::string to_string() const;  // "[fd12::a]:53", "10.0.0.10:53"
};

// A bound UDP socket (non-blocking). IP(V6)_FREEBIND lets the bind succeed while the
// address is still tentative or not yet configured, so the agent need not order the two.
Result<UniqueFd> bind_udp(const SockAddr& at);
// A listening TCP socket (non-blocking, SO_REUSEADDR, FREEBIND).
Result<UniqueFd> listen_tcp(const SockAddr& at);
// A non-blocking UDP socket connect()ed to `to` (for forwarding).
Result<UniqueFd> connect_udp(const SockAddr& to);
// A blocking-style TCP connection to `to`, established before `deadline`.
Result<UniqueFd> connect_tcp(const SockAddr& to, Clock::time_point deadline);

// Writes all of `data` before `deadline` (poll + send, MSG_NOSIGNAL).
Result<> write_all(int fd, std::span<const uint8_t> data, Clock::time_point deadline);
// Reads exactly out.size() bytes before `deadline`; ECONNRESET-coded error on EOF.
Result<> read_exact(int fd, std::span<uint8_t> out, Clock::time_point deadline);
// One length-prefixed DNS message over TCP (RFC 1035 4.2.2).
Result<std::vector<uint8_t>> read_tcp_message(int fd, Clock::time_point deadline);
Result<> write_tcp_message(int fd, std::span<const uint8_t> msg, Clock::time_point deadline);

}  // namespace v6k::node::dns
