// The node's cluster DNS server: UDP and TCP on one address:port inside a network namespace,
// answering from a Records zone and forwarding other names to an upstream resolver.
//
//   auto zone = std::make_shared<Records>(ZoneConfig{.nameservers = {dns_ip}});
//   auto srv = Server::start(zone, {.netns = "/var/run/netns/v6k-node-1",
//                                   .address = dns_ip,             // fd12:3456:789a::a
//                                   .upstream = Upstream{inet_resolver_ip}}).value();
//   zone->upsert_service(svc_json);   // visible to the very next query
//   srv->stop();                       // or let the unique_ptr go
//
// The sockets (listening UDP/TCP and the upstream UDP socket) are created while the calling
// thread is inside `netns` (NetNsScope) and keep that namespace; the serving threads run
// anywhere. TCP connection threads enter the namespace themselves because forwarding over
// TCP opens new sockets. Threads: one UDP loop (answers and the asynchronous UDP
// forwarder), one TCP acceptor, one thread per TCP connection (bounded).
//
// Forwarding: the query is relayed unchanged except for a fresh random ID; the upstream's
// answer goes back with the client's ID after its question is checked against the query.
// No answer within upstream_timeout: SERVFAIL. Without an upstream: NXDOMAIN.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "addr/ip.h"
#include "common/result.h"
#include "node/dns/records.h"

namespace v6k::node::dns {

struct Upstream {
  addr::IpAddress address;
  uint16_t port = 53;
};

struct ServerConfig {
  std::string netns;         // netns path ("/var/run/netns/x", "/proc/<pid>/ns/net"); "" = caller's
  addr::IpAddress address;   // the cluster DNS address, e.g. fd12:3456:789a::a
  uint16_t port = 53;        // 0: the kernel picks (UDP's port is reused for TCP)
  std::optional<Upstream> upstream;
  std::chrono::milliseconds upstream_timeout{2000};
  size_t max_tcp_connections = 64;
  std::chrono::milliseconds tcp_idle_timeout{10000};
};

struct ServerStats {
  uint64_t udp_queries = 0, tcp_queries = 0;
  uint64_t forwarded = 0, upstream_timeouts = 0, upstream_errors = 0;
  uint64_t truncated = 0, formerr = 0;
};

class Server {
 public:
  // Opens the sockets in cfg.netns and starts serving; errors name the address and the
  // namespace (e.g. EADDRINUSE when something else holds the port there).
  static Result<std::unique_ptr<Server>> start(std::shared_ptr<const Records> zone, ServerConfig cfg);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Stops accepting, closes every connection, joins every thread. Idempotent.
  void stop();
  uint16_t port() const { return port_; }
  ServerStats stats() const;

 private:
  struct Impl;
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
  uint16_t port_ = 0;
};

}  // namespace v6k::node::dns
