// A small emulated network for the plugin's tests, built with our own netlink library in
// namespaces the test creates (unique names, removed in the destructor, also on failure):
//
//   pods ── node1 (eth0 2001:db8:0:11::2, 10.0.1.2) ─┐
//                                                     router ── inet (203.0.113.10, IPv4 only)
//   pods ── node2 (eth0 2001:db8:0:12::2, 10.0.2.2) ─┘
//
// The router routes each node's pod /80 (and 10.0.i.16/28, for IPv4 pods) to that node, so pod-to-pod across nodes is plain
// IPv6 routing over one hop. The plugin is run exactly as a runtime runs it: exec'd inside
// the node namespace with the CNI_* environment and the config on stdin.
#pragma once

#include <nlohmann/json.hpp>
#include <sys/types.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "addr/ip.h"
#include "netlink/netns.h"
#include "support/probe.h"
#include "support/proc.h"

namespace v6k::testing {


class Lab {
 public:
  // Skips (returns nullopt with a reason) when not root or namespaces are unavailable.
  static std::optional<std::string> unavailable();
  explicit Lab(int nodes = 2);
  ~Lab();
  Lab(const Lab&) = delete;
  Lab& operator=(const Lab&) = delete;

  std::string node(int i) const { return prefix_ + "n" + std::to_string(i); }
  std::string inet() const { return prefix_ + "inet"; }
  // Creates an empty pod netns (like a runtime does before ADD) and returns its name.
  std::string new_pod();
  void delete_pod(const std::string& name);
  std::string pod_path(const std::string& name) const { return "/var/run/netns/" + name; }

  // Per-node delegated prefix, node IPv4 and the plugin's data directory.
  std::string pod_prefix(int i) const { return "2001:db8:0:1" + std::to_string(i) + ":1::/80"; }
  std::string node_ipv4(int i) const { return "10.0." + std::to_string(i) + ".2"; }
  std::string data_dir() const { return data_dir_; }
  // The plugin config for node i (single-plugin form), with optional overrides merged in.
  nlohmann::json config(int i, const nlohmann::json& overrides = nlohmann::json::object()) const;
  // IPv4 pod mode (an IPv4 cluster): node i's "secondary" addresses 10.0.i.17-10.0.i.19,
  // which the router sends to the node (10.0.i.16/28 via the node), and the config that
  // hands them to pods with SNAT outside 10.0.0.0/16.
  std::vector<std::string> pod_ipv4s(int i) const;
  nlohmann::json config_v4(int i) const;

  // Runs v6k-cni inside node i's namespace.
  ExecResult cni(int i, const std::string& command, const std::string& container_id, const std::string& pod,
                 const nlohmann::json& conf, const std::string& ifname = "eth0",
                 const std::string& extra_args = "");

  // A new pod netns on node i and its ADD with `conf` (expected to succeed): the pod's
  // netns name and the result (null when the plugin printed no JSON).
  std::pair<std::string, nlohmann::json> add_pod(int i, const std::string& container_id, const nlohmann::json& conf);
  // The first address of a result, without its prefix length.
  static std::string first_ip(const nlohmann::json& result);

  const std::string& prefix() const { return prefix_; }

 private:
  void build();
  void cleanup();
  std::string prefix_;
  std::string data_dir_;
  int nodes_;
  int pods_ = 0;
  std::vector<std::string> namespaces_;
};

}  // namespace v6k::testing
