// StartupLab: everything bench_pod_startup measures. A real control plane (API server on a
// SQLite file in a temp dir, the controllers and the scheduler, HTTPS on [::1]) in a child
// process of its own, as `v6k control-plane` runs apart from the agents (or in this
// process with in_process_control_plane), and two emulated nodes (node-a, node-b), each with its own network namespace,
// its own /80 conflist for the real v6k-cni, its own runtime root and its own PodManager,
// plus their Node objects (Ready, allocatable pods 110) created through the API.
//
//   auto lab = StartupLab::start({.cni_plugin = build + "/cmd/v6k-cni"});
//   if (!lab) ...;                         // lab.error().message() says which step failed
//   (*lab)->client()->create(...);         // admin client of the API server
//   (*lab)->cleanup();                     // also run by the destructor
//
// Every namespace it makes is named "<prefix>..." (prefix "v6kb-ps-<pid>-"), so cleanup
// (and a later run after a crash) removes them by prefix. Cleanup stops the pod managers,
// removes every sandbox of both runtimes (their shims outlive the agent), stops the control
// plane and deletes the namespaces and pod files.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "kube/client/client.h"
#include "kube/controlplane/controlplane.h"
#include "node/agent/cni.h"
#include "node/agent/pods.h"
#include "node/runtime/runtime.h"
#include "support/temp_dir.h"

namespace v6k::bench_startup {

struct LabOptions {
  std::string cni_plugin;  // path of the built v6k-cni
  int workers = 4;         // PodManagerOptions::workers per node (the agent's default)
  std::chrono::milliseconds monitor_period{200};
  bool memory_store = false;  // SQLite ":memory:" instead of a file (no fsync)
  // The API server in the agents' process: every fork the agents make (CNI exec, the
  // runtime's helper and shim) then also copies and write-faults the API server's memory.
  bool in_process_control_plane = false;
  // The controllers and the scheduler call the API server over HTTPS instead of in process
  // (ControlPlaneOptions::loopback_clients = false): what that transport costs.
  bool https_components = false;
  // ControllerOptions::pod_batch_period (-1 = its default).
  int pod_batch_ms = -1;
};

// One emulated node.
struct NodeRig {
  std::string name;         // "node-a"
  std::string netns_name;   // "<prefix>node-a"
  std::string pod_prefix;   // its /80
  std::unique_ptr<node::CniNetwork> cni;
  std::unique_ptr<node::runtime::Runtime> rt;
  std::unique_ptr<node::PodManager> pm;
};

class StartupLab {
 public:
  static constexpr const char* kToken = "admin-token-for-bench-pod-startup";

  static Result<std::unique_ptr<StartupLab>> start(const LabOptions& o);
  ~StartupLab();
  StartupLab(const StartupLab&) = delete;
  StartupLab& operator=(const StartupLab&) = delete;

  const std::shared_ptr<kube::Client>& client() const { return client_; }
  const std::string& prefix() const { return prefix_; }
  const std::string& dir() const { return dir_.path(); }
  std::vector<NodeRig>& nodes() { return nodes_; }
  pid_t control_plane_pid() const { return cp_pid_; }  // 0 = in this process
  // Sandboxes both runtimes still hold.
  size_t sandboxes() const;
  // Idempotent; returns how many sandboxes and namespaces it had to remove.
  std::pair<int, int> cleanup();

 private:
  StartupLab();
  Result<> start_control_plane(const LabOptions& o);
  Result<uint16_t> fork_control_plane(kube::ControlPlaneOptions cpo, bool memory_store);
  Result<> add_node(const LabOptions& o, const std::string& name, const std::string& pod_prefix,
                    const std::string& host_ip);

  testing::TempDir dir_{"v6kb-pod-startup"};
  std::string prefix_;
  std::string pod_root_;  // per-boot node state on tmpfs (common/volatile_dir.h): runtime, logs, pod files
  std::unique_ptr<kube::ControlPlane> cp_;
  pid_t cp_pid_ = 0;    // the control plane's process
  int cp_stop_fd_ = -1;  // closing it tells that process to stop
  std::shared_ptr<kube::Client> client_;
  std::vector<NodeRig> nodes_;
  bool cleaned_ = false;
};

}  // namespace v6k::bench_startup
