// The parts of core/v1 Services and discovery.k8s.io/v1 EndpointSlices that a service
// proxy needs, parsed from the JSON an informer holds.
//
//   auto svc = parse_service(json_of_service).value();     // ns, name, clusterIPs, ports
//   auto sl  = parse_slice(json_of_slice).value();         // owner service, ports, endpoints
//   svc.cluster_ips == {"fd00:10::1"};  sl.service == "web";
//
// Addresses are canonicalised (RFC 5952 for IPv6), so rule text and diffs are stable
// whatever form the API server stored. Bad input gets an error naming the field; a
// Service the proxy does not handle (headless, ExternalName) parses with no cluster IPs.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"

namespace v6k::node::proxy {

enum class Protocol { kTcp, kUdp, kSctp };
const char* nft_name(Protocol p);  // "tcp", "udp", "sctp"

struct ServicePort {
  std::string name;  // "" allowed only when the Service has one port
  uint16_t port = 0;
  Protocol protocol = Protocol::kTcp;
  bool operator==(const ServicePort&) const = default;
};

struct ServiceInfo {
  std::string ns, name;
  std::vector<std::string> cluster_ips;  // canonical text; empty: not proxied
  std::vector<ServicePort> ports;
  bool local_internal_traffic = false;   // spec.internalTrafficPolicy == "Local"
  std::string key() const { return ns + "/" + name; }
  bool operator==(const ServiceInfo&) const = default;
};

struct SlicePort {
  std::string name;
  uint16_t port = 0;  // 0: absent (the slice has no usable port of this name)
  Protocol protocol = Protocol::kTcp;
  bool operator==(const SlicePort&) const = default;
};

struct SliceEndpoint {
  std::vector<std::string> addresses;  // canonical text
  bool ready = true;                   // conditions.ready; absent means ready (upstream)
  bool serving = true;                 // absent: same as ready
  bool terminating = false;
  std::string node_name;
  bool operator==(const SliceEndpoint&) const = default;
};

struct SliceInfo {
  std::string ns, name;
  std::string service;  // label kubernetes.io/service-name; "" = not owned by a Service
  int family = 6;       // addressType IPv6 -> 6, IPv4 -> 4, FQDN (never proxied) -> 0
  std::vector<SlicePort> ports;
  std::vector<SliceEndpoint> endpoints;
  std::string key() const { return ns + "/" + name; }
  bool operator==(const SliceInfo&) const = default;
};

Result<ServiceInfo> parse_service(const nlohmann::json& obj);
// An FQDN slice parses with family 0 and no endpoints: nothing to proxy.
Result<SliceInfo> parse_slice(const nlohmann::json& obj);

}  // namespace v6k::node::proxy
