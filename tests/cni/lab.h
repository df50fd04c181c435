// A small emulated network for the plugin's tests, built with our own netlink library in
// namespaces the test creates (unique names, removed in the destructor, also on failure):
//
//   pods ── node1 (eth0 2001:db8:0:11::2, 10.0.1.2) ─┐
//                                                     router ── inet (203.0.113.10, IPv4 only)
//   pods ── node2 (eth0 2001:db8:0:12::2, 10.0.2.2) ─┘
//
// The router routes each node's pod /80 to that node, so pod-to-pod across nodes is plain
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

namespace v6k::testing {

struct ExecResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs argv with extra environment and stdin; waits; captures stdout and stderr.
ExecResult run_command(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
                       const std::string& stdin_text);

// The same, exec'd inside the network namespace at ns_path ("" = this one). With
// wait_for_exit=false it returns right after writing stdin (for kill tests; pid in *child_pid).
ExecResult run_in_netns(const std::string& ns_path, const std::vector<std::string>& argv,
                        const std::map<std::string, std::string>& env, const std::string& stdin_text,
                        pid_t* child_pid = nullptr, bool wait_for_exit = true);

// Path of a binary built in this build tree (V6K_BUILD_DIR), e.g. "cmd/v6k-cni".
std::string built(const std::string& rel);

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

  // Runs v6k-cni inside node i's namespace.
  ExecResult cni(int i, const std::string& command, const std::string& container_id, const std::string& pod,
                 const nlohmann::json& conf, const std::string& ifname = "eth0",
                 const std::string& extra_args = "");

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

// Traffic between namespaces, from this process (sockets are created inside each netns).
// A TCP connection from `client_ns` to [dst]:port served in `server_ns`: returns the peer
// address the server saw, or an error text. Times out after timeout_ms.
struct TcpProbe {
  bool ok = false;
  std::string server_saw;  // client address as seen by the server
  std::string error;
};
TcpProbe tcp_probe(const std::string& client_ns, const std::string& server_ns, const std::string& dst,
                   uint16_t port, int timeout_ms = 2000);

}  // namespace v6k::testing
