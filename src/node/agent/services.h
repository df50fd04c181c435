// Services and cluster DNS of one node (the kube-proxy role and the node's share of
// CoreDNS): informers on Services, EndpointSlices and Pods feed node/proxy's ServiceProxy
// (nftables DNAT of ClusterIP:port in the node netns) and node/dns's Records zone, served
// by a dns::Server at the cluster DNS address <service CIDR base>::a in the node netns.
//
//   auto svc = ServiceNetworking::start({.client = client, .node_name = "ip-10-0-0-5...",
//                                        .node_netns = "/var/run/netns/v6k-i-0123",
//                                        .service_cidr = "fd5a:1b2c:3d4e::/108"}).value();
//   svc->dns_ip();      // fd5a:1b2c:3d4e::a, also on the node netns' lo as a /128
//   svc->stop();        // rules, the address and running pods stay (agent restart)
//
// The proxy is single-threaded, so it is owned by one thread: informer handlers only
// queue events; that thread applies them and syncs at most once per min_sync_interval
// (bursts coalesce into one nftables transaction). A failed sync is logged and retried
// after retry_interval; ServiceProxy then replaces the whole table (the recovery path).
// The first sync waits for the informers' first lists, so an agent restart never
// installs an empty table over the previous agent's rules.
//
// A Service whose ClusterIP is the cluster DNS address (EKS's kube-dns) is not proxied:
// this node answers DNS at that address itself, as NodeLocal DNSCache does by skipping
// kube-proxy's DNAT for it.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "addr/ip.h"
#include "common/result.h"
#include "kube/client/client.h"
#include "node/dns/server.h"

namespace v6k::node {

// The cluster DNS address of a service CIDR: its base + 10, i.e. <base>::a for an IPv6
// range ("fd5a:1b2c:3d4e::/108" -> fd5a:1b2c:3d4e::a) and EKS's 10.100.0.10 /
// 172.20.0.10 for IPv4 ranges. Errors: unparsable CIDR, host bits set, or a range too
// small to hold offset 10.
Result<addr::IpAddress> cluster_dns_ip(std::string_view service_cidr);

struct ServiceNetworkingOptions {
  std::shared_ptr<kube::Client> client;
  std::string node_name;     // internalTrafficPolicy: Local
  std::string node_netns;    // "/var/run/netns/<node>"
  std::string service_cidr;  // "fd5a:1b2c:3d4e::/108"
  std::string cluster_domain = "cluster.local";
  std::optional<dns::Upstream> upstream;  // names outside the domain; none -> NXDOMAIN
  uint16_t dns_port = 53;
  std::chrono::milliseconds min_sync_interval{5};
  std::chrono::milliseconds retry_interval{1000};  // after a failed sync
  std::chrono::seconds full_resync_period{300};    // periodic repair of the whole table
  std::chrono::seconds informer_sync_timeout{30};  // start() fails after this
};

struct ServiceNetworkingStats {
  uint64_t syncs = 0;       // transactions applied
  uint64_t full_syncs = 0;  // of which whole-table replacements
  uint64_t failures = 0;    // failed syncs (each logged)
  uint64_t bad_objects = 0; // objects the proxy or the zone refused (logged)
  std::string last_error;
};

class ServiceNetworking {
 public:
  // Adds the DNS address to the node netns' lo (idempotent), opens the proxy, starts the
  // informers and waits for their first lists, then starts the DNS server and the proxy
  // thread. Errors name the step.
  static Result<std::unique_ptr<ServiceNetworking>> start(ServiceNetworkingOptions opts);
  ~ServiceNetworking();
  ServiceNetworking(const ServiceNetworking&) = delete;
  ServiceNetworking& operator=(const ServiceNetworking&) = delete;

  // Stops informers, the proxy thread and the DNS server. Leaves the nftables table and
  // the address in place: pods keep working until the next agent takes over. Idempotent.
  void stop();

  const addr::IpAddress& dns_ip() const;
  uint16_t dns_port() const;
  ServiceNetworkingStats stats() const;

  struct Impl;

 private:
  explicit ServiceNetworking(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace v6k::node
