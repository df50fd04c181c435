// The agent's side of the CNI contract (what libcni does for containerd): the node's
// conflist for v6k-cni, and ADD / DEL / CHECK / GC by exec'ing the plugin with the CNI
// environment and the network configuration on stdin — inside the node's network
// namespace, as a runtime on that node would.
//
//   CniNetwork net({.plugin = "/usr/lib/v6k/v6k-cni", .node_netns = "/run/netns/v6k-i-0123",
//                   .conflist = node_conflist({.pod_prefix = "2001:db8:0:1:a::/80", ...})});
//   auto r = net.add({.container_id = uid, .netns = "/run/netns/v6k-pod-…",
//                     .pod_namespace = "default", .pod_name = "web-1"});
//   r->ipv6   // "2001:db8:0:1:a::5"
//   net.del(...);                              // idempotent, as the spec requires
//   net.gc({{uid1, "eth0"}, {uid2, "eth0"}});  // frees every other attachment
#pragma once

#include <functional>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"

namespace v6k::node {

struct ConflistOptions {
  std::string pod_prefix;        // the node's delegated /80 (an IPv6 cluster)
  // An IPv4 cluster instead: the pods' addresses (the ENI's secondaries; may be empty until
  // ipamd assigns some) and the VPC's IPv4 CIDRs, outside which pod traffic is SNATed.
  bool ipv4_pods = false;
  std::vector<std::string> pod_ipv4s;
  std::vector<std::string> vpc_ipv4_cidrs;
  std::string node_ipv4;         // SNAT source for pod IPv4 egress ("" = no IPv4 egress)
  std::string uplink = "eth0";   // SNAT only traffic leaving here
  int mtu = 9001;
  std::string data_dir;          // IPAM store ("" = the plugin's default)
  int cooldown_seconds = 30;
};

// The conflist (cniVersion 1.1.0, one v6k-cni plugin) the agent writes for its node.
nlohmann::json node_conflist(const ConflistOptions& o);

struct CniOptions {
  std::string plugin;      // path of the v6k-cni binary
  std::string node_netns;  // path of the node's network namespace ("" = the caller's)
  nlohmann::json conflist;
  // IPv4 pods: called with the number of listed addresses when an ADD finds none free (or
  // the list empty); returns the conflist with more (ipamd assigned them), or why not.
  // The ADD is then retried once.
  std::function<Result<nlohmann::json>(size_t listed)> refill;
};

struct Attachment {
  std::string container_id;  // the pod sandbox id (the agent uses the pod uid)
  std::string netns;         // path of the pod's network namespace
  std::string ifname = "eth0";
  std::string pod_namespace, pod_name, pod_uid;
};

struct CniResult {
  nlohmann::json raw;  // the plugin's result
  std::string ipv6;    // first IPv6 address (no prefix length; "" for an IPv4 pod)
  std::string ipv4;    // first IPv4 address ("" if none)
  const std::string& pod_ip() const { return ipv6.empty() ? ipv4 : ipv6; }
};

// A CNI error: the plugin's code, msg and details (or exec trouble), as one Error in
// containerd's words ("failed to setup network for sandbox \"<id>\": plugin type=… failed
// (add): plugin error <code>: <msg> (<details>)").
class CniNetwork {
 public:
  explicit CniNetwork(CniOptions o) : o_(std::move(o)), conflist_(o_.conflist) {}
  Result<CniResult> add(const Attachment& a) const;
  Result<> del(const Attachment& a) const;
  Result<> check(const Attachment& a, const nlohmann::json& prev_result) const;
  Result<> gc(const std::vector<std::pair<std::string, std::string>>& valid) const;  // (containerID, ifname)
  nlohmann::json conflist() const;
  // Runs `change` while no ADD is in flight (new ADDs wait for it). Given the plugin's
  // configuration as an ADD would get it, `change` may return a conflist to use from now on:
  // how ipamd shrinks the IPv4 list with no pod choosing an address that is being given back.
  void exclusive(const std::function<std::optional<nlohmann::json>(const nlohmann::json& plugin_config)>& change) const;

 private:
  // On a CNI error result, *cni_code (if given) gets its code.
  Result<std::string> invoke(const std::string& command, const Attachment& a, const nlohmann::json& config,
                             int* cni_code = nullptr) const;
  nlohmann::json plugin_config(const nlohmann::json* prev_result) const;
  CniOptions o_;
  mutable std::shared_mutex gate_;  // ADDs hold it shared, exclusive() uniquely
  mutable std::mutex mu_;          // guards conflist_ (refills replace it)
  mutable nlohmann::json conflist_;
};

}  // namespace v6k::node
