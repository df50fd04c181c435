// The cluster DNS zone of one node: an in-memory, thread-safe view of Services,
// EndpointSlices and Pods that answers the way CoreDNS's kubernetes plugin does
// (the Kubernetes DNS-Based Service Discovery specification, schema 1.1.0).
//
//   Records zone({.domain = "cluster.local"});
//   zone.upsert_service(service_json);            // from the agent's informers
//   zone.upsert_slice(endpointslice_json);
//   auto a = zone.lookup("my-service.aws-news-blog.svc.cluster.local", rtype::AAAA);
//   // a->answer[0]: my-service.aws-news-blog.svc.cluster.local. 5 IN AAAA <ClusterIP>
//   zone.lookup("example.com", rtype::A) == std::nullopt   // not ours: forward it
//
// Names answered (all case-insensitive; TTL = config ttl, 5 by default as in CoreDNS):
//   <svc>.<ns>.svc.<domain>               A/AAAA: ClusterIPs; headless: ready endpoint IPs;
//                                         ExternalName: CNAME to the external name
//   <ep>.<svc>.<ns>.svc.<domain>          A/AAAA of the endpoint whose hostname is <ep>, or
//                                         whose IP with '.'/':' turned into '-' is <ep>
//   _<port>._<proto>.<svc>.<ns>.svc.<domain>  SRV per named port (targets + addresses in
//                                         the additional section); without the _port._proto
//                                         labels an SRV query lists every port
//   <ip-with-dashes>.<ns>.pod.<domain>    A/AAAA (pods mode: verified by default, against
//                                         upsert_pod; insecure answers any well-formed IP)
//   reverse names (in-addr.arpa/ip6.arpa) PTR for ClusterIPs and endpoints; other reverse
//                                         names are not ours (CoreDNS's fallthrough)
//   <domain>                              SOA, NS ns.dns.<domain>; dns-version TXT "1.1.0"
// Unknown names inside the domain: NXDOMAIN; existing names without the asked type:
// NOERROR with no answer (NODATA); both carry the zone's SOA in the authority section
// (TTL min(300, ttl), minimum = ttl, refresh 7200, retry 1800, expire 86400, as CoreDNS).
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <set>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "addr/ip.h"
#include "common/result.h"
#include "node/dns/wire.h"

namespace v6k::node::dns {

enum class PodRecords { disabled, insecure, verified };

struct ZoneConfig {
  std::string domain = "cluster.local";
  uint32_t ttl = 5;
  PodRecords pods = PodRecords::verified;
  // The cluster DNS service address(es): answers for ns.dns.<domain> and the NS glue.
  std::vector<addr::IpAddress> nameservers;
};

// The zone's answer to one question: rcode plus the three sections (owner names lower case).
struct Answer {
  Rcode rcode = Rcode::noerror;
  std::vector<Record> answer, authority, additional;
};

class Records {
 public:
  explicit Records(ZoneConfig config = {});
  const ZoneConfig& config() const { return cfg_; }

  // Kubernetes objects as the API server serves them (v1 Service, discovery.k8s.io/v1
  // EndpointSlice, v1 Pod). An upsert replaces the previous version of the same object.
  // Errors (missing metadata.name, an unparsable IP, a port out of range) say which field
  // is wrong and leave the zone unchanged.
  Result<> upsert_service(const nlohmann::json& service);
  void remove_service(std::string_view ns, std::string_view name);
  Result<> upsert_slice(const nlohmann::json& slice);
  void remove_slice(std::string_view ns, std::string_view name);
  Result<> upsert_pod(const nlohmann::json& pod);
  void remove_pod(std::string_view ns, std::string_view name);

  // The answer for `qname` (presentation form, any case, trailing dot optional), or nullopt
  // when the name is not this zone's to answer.
  std::optional<Answer> lookup(std::string_view qname, uint16_t qtype) const;

  struct Counts {
    size_t services = 0, slices = 0, pods = 0;
  };
  Counts counts() const;

 private:
  struct Port {
    std::string name, protocol;  // lower case; protocol defaults to "tcp"
    int32_t port = -1;           // -1: none declared (no SRV)
  };
  struct Service {
    std::string ns, name;
    bool headless = false;
    std::string external_name;  // type ExternalName
    std::vector<addr::IpAddress> cluster_ips;
    std::vector<Port> ports;
  };
  struct Endpoint {
    std::vector<addr::IpAddress> addresses;
    std::string hostname;
    bool ready = true;
  };
  struct Slice {
    std::string service_key;  // "<ns>/<service>", "" when not labelled with one
    std::vector<Endpoint> endpoints;
    std::vector<Port> ports;
  };
  struct Pod {
    std::string ns;
    std::vector<addr::IpAddress> ips;
  };
  // One address a name resolves to, with what SRV needs.
  struct Target {
    std::string host;  // owner of the address record: the service or endpoint name
    addr::IpAddress ip;
    int32_t port = -1;
  };
  struct Query;

  std::optional<Answer> lookup_locked(const Query& q) const;
  std::optional<Answer> lookup_reverse(std::string_view name, uint16_t qtype) const;
  Answer service_answer(const Query& q) const;
  Answer pod_answer(const Query& q) const;
  Answer apex_answer(const Query& q) const;
  Answer nodata() const;
  Answer nxdomain() const;
  Record soa() const;
  bool namespace_known(const std::string& ns) const;
  void touch();
  void unindex_slice(const std::string& key);
  void unindex_pod(const std::string& key);

  const ZoneConfig cfg_;
  const std::string domain_;  // lower case, no trailing dot
  mutable std::shared_mutex mu_;
  std::map<std::string, Service> services_;  // "<ns>/<name>"
  std::map<std::string, Slice> slices_;      // "<ns>/<slice name>"
  std::map<std::string, std::set<std::string>> slices_by_service_;
  std::map<std::string, Pod> pods_;          // "<ns>/<name>"
  std::map<std::pair<std::string, addr::IpAddress>, int> pod_ips_;  // (ns, ip) -> pods
  uint32_t serial_ = 0;                      // unix time of the last change (CoreDNS too)
};

// The resolv.conf a pod in `ns` gets with dnsPolicy ClusterFirst:
//   nameserver <dns>\nsearch <ns>.svc.<domain> svc.<domain> <domain>\noptions ndots:5\n
std::string pod_resolv_conf(const addr::IpAddress& dns, std::string_view ns,
                            std::string_view domain = "cluster.local");

}  // namespace v6k::node::dns
