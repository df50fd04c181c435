// The node's container runtime (the containerd + runc role, minimal but real).
//
//   auto rt = Runtime::open({.root = "/var/lib/v6k/runtime"}).value();
//   auto sb = rt.create_sandbox({.pod_uid = uid, .pod_name = "web-0", .pod_namespace = "default",
//                                .netns_path = "/var/run/netns/pod-1"}).value();
//   auto c = rt.start_container(sb.id, {.name = "nginx", .image = "nginx:1.25"},
//                               "/var/log/pods/default_web-0_<uid>/nginx/0.log").value();
//   rt.status(c.id)->state == ContainerState::kRunning;
//   auto ex = rt.exec_in_container(c.id, {.argv = {"hostname"}}).value();  // exec.h
//   rt.stop_container(c.id, std::chrono::seconds(30));   // stop signal, grace, SIGKILL
//   rt.remove_sandbox(sb.id, std::chrono::seconds(30));
//
// A container runs in the pod's network namespace and in its own mount, PID (it is pid 1),
// UTS (hostname = pod name) and IPC namespaces. It sees the host's filesystem read-only,
// plus: a private writable /tmp (<root>/containers/<id>/scratch), a private /dev/shm, a
// fresh /proc, the image's generated files and writable dirs (images.h), /etc/hostname, and
// the spec's mounts. Limits go to cgroup v1 cpu/memory/pids when writable (cgroups.h).
// stdout/stderr reach `log_path` in the CRI format through a per-container shim process
// that outlives the agent (launch.h); state lives under <root>, so a new Runtime on the
// same root lists, waits for, stops and execs into containers started by an earlier one.
//
// Thread-safety: distinct containers may be used from distinct threads; the state files
// are written atomically.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "common/result.h"
#include "node/runtime/cgroups.h"
#include "node/runtime/exec.h"

namespace v6k::node::runtime {

struct RuntimeOptions {
  std::string root = "/var/lib/v6k/runtime";
  std::string cgroup_group = "v6k";  // under the caller's own cgroup; "" disables cgroups
  // The `v6k-shim` executable that starts and minds each container. "" = look next to
  // this program, then in $V6K_BUILD_DIR/cmd; when there is none, the shim is a fork of
  // this process instead (slower: the fork copies this whole process, twice).
  std::string shim_path;
};

struct SandboxConfig {
  std::string pod_uid;
  std::string pod_name;       // the containers' hostname
  std::string pod_namespace;
  std::string netns_path;     // the pod's network namespace (made by the agent + CNI)
};

struct Sandbox {
  std::string id;  // 64 hex
  SandboxConfig config;
  int64_t created_ns = 0;
};

struct Mount {
  std::string host_path;       // file or directory on the host
  std::string container_path;  // must exist on the host too (the view is the host's)
  bool read_only = true;
};

struct ContainerSpec {
  std::string name;
  std::string image;
  std::vector<std::string> command;  // empty: the image's entrypoint
  std::vector<std::string> args;     // empty: the image's cmd (only when command is empty too)
  std::vector<std::pair<std::string, std::string>> env;
  std::string working_dir;           // empty: the image's
  Resources resources;
  std::vector<Mount> mounts;
};

enum class ContainerState { kRunning, kExited };

struct ContainerStatus {
  std::string id;  // 64 hex
  std::string sandbox_id;
  std::string name;
  std::string image;     // the reference as given
  std::string image_id;  // "sha256:..."
  std::string log_path;
  ContainerState state = ContainerState::kRunning;
  pid_t pid = 0;            // container init in the host PID namespace
  int64_t created_ns = 0;
  int64_t started_ns = 0;
  int64_t finished_ns = 0;  // exited only
  int exit_code = 0;        // exited only; 128 + signal when killed
  int signal = 0;           // exited by a signal
  std::string reason;       // exited: "Completed" (0), "Error", "OOMKilled", "Unknown"
  std::vector<std::string> cgroups_applied;  // "cpu", "memory", "pids"
  std::vector<std::string> cgroups_skipped;  // why a controller was not used
};

class Runtime {
 public:
  // Creates <root>/{sandboxes,containers,images} and the busybox applet links.
  static Result<Runtime> open(RuntimeOptions options);

  Result<Sandbox> create_sandbox(const SandboxConfig& config);
  Result<Sandbox> sandbox(const std::string& id) const;
  Result<std::vector<Sandbox>> list_sandboxes() const;
  // Stops (with `grace`) and removes the sandbox's containers, then the sandbox.
  Result<> remove_sandbox(const std::string& id, std::chrono::milliseconds grace);

  // Resolves the image (ENOENT/EINVAL: see images.h), creates and starts the container;
  // returns when its process runs. The log file is appended to (created if missing).
  Result<ContainerStatus> start_container(const std::string& sandbox_id, const ContainerSpec& spec,
                                          const std::string& log_path);
  Result<ContainerStatus> status(const std::string& id) const;
  // Blocks until the container exits or `timeout` passes; returns its status either way.
  Result<ContainerStatus> wait(const std::string& id, std::chrono::milliseconds timeout) const;
  // Sends the image's stop signal (SIGTERM for most), waits up to `grace`, then SIGKILL.
  Result<ContainerStatus> stop_container(const std::string& id, std::chrono::milliseconds grace);
  // An exited container's state, scratch dir and cgroups (not its log). EBUSY if running.
  Result<> remove_container(const std::string& id);
  // Every container under root (running and exited), oldest first.
  Result<std::vector<ContainerStatus>> list() const;

  // A process joined to the container's namespaces and cgroups (exec.h).
  Result<ExecProcess> exec_in_container(const std::string& id, const ExecOptions& options) const;

  const RuntimeOptions& options() const { return options_; }

 private:
  explicit Runtime(RuntimeOptions o) : options_(std::move(o)) {}
  std::string container_dir(const std::string& id) const;
  std::string sandbox_dir(const std::string& id) const;
  RuntimeOptions options_;
  std::string applet_dir_;
};

std::string_view to_string(ContainerState s);

}  // namespace v6k::node::runtime
