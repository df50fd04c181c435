// Server internals shared by server.cc (start/stop, UDP loop, UDP forwarder) and
// server_tcp.cc (acceptor, connections, TCP forwarding). Not part of the public API.
#pragma once

#include <atomic>
#include <deque>
#include <list>
#include <memory>
#include <optional>
#include <random>
#include <thread>
#include <unordered_map>
#include <vector>

#include "common/unique_fd.h"
#include "netlink/netns.h"
#include "node/dns/handler.h"
#include "node/dns/server.h"
#include "node/dns/sockets.h"

namespace v6k::node::dns {

struct Server::Impl {
  std::shared_ptr<const Records> zone;
  ServerConfig cfg;
  std::optional<netlink::NetNs> ns;
  std::optional<SockAddr> upstream;
  UniqueFd udp, tcp, upstream_udp, stop_fd;
  std::thread udp_thread, tcp_thread;
  std::atomic<bool> stopping{false};

  std::atomic<uint64_t> udp_queries{0}, tcp_queries{0}, forwarded{0}, upstream_timeouts{0},
      upstream_errors{0}, truncated{0}, formerr{0};

  // UDP forwarder: touched by the UDP thread only.
  struct Pending {
    SockAddr client;
    uint16_t client_id = 0;
    Query query;
    Clock::time_point deadline;
  };
  static constexpr size_t kMaxPending = 4096;
  std::unordered_map<uint16_t, Pending> pending;
  std::deque<std::pair<Clock::time_point, uint16_t>> expiry;  // one timeout: FIFO order
  std::mt19937 rng{std::random_device{}()};
  std::vector<uint8_t> buf = std::vector<uint8_t>(65536);

  // TCP connections: touched by the acceptor thread, then by stop() after joining it.
  struct Conn {
    UniqueFd fd;
    std::thread thread;
    std::atomic<bool> done{false};
  };
  std::list<std::unique_ptr<Conn>> conns;

  void udp_loop();
  void on_udp_query(size_t len, const SockAddr& client);
  void forward_udp(const Handled& h, std::span<const uint8_t> msg, const SockAddr& client);
  void on_upstream_reply(size_t len);
  void expire(Clock::time_point now);
  void send_udp(std::span<const uint8_t> msg, const SockAddr& to);
  void count_reply(const std::vector<uint8_t>& reply, bool truncated);

  void tcp_accept_loop();
  void reap_connections(bool all);
  void serve_tcp(Conn& c);
  Result<std::vector<uint8_t>> forward_tcp(std::span<const uint8_t> msg);
};

}  // namespace v6k::node::dns
