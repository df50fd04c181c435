// Internal: the runtime's files under <root>, written atomically, read by any later Runtime.
//
//   <root>/sandboxes/<id>/sandbox.json   SandboxConfig + created time
//   <root>/sandboxes/<id>/hostname       bound over the containers' /etc/hostname
//   <root>/containers/<id>/config.json   ContainerRecord (what exec and stop need)
//   <root>/containers/<id>/state.json    ProcessRecord (written once the process runs)
//   <root>/containers/<id>/exit          "<code> <signal> <finished_ns>" (by the shim)
//   <root>/containers/<id>/scratch/      the container's /tmp
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"
#include "node/runtime/runtime.h"

namespace v6k::node::runtime::detail {

struct ContainerRecord {
  std::string id, sandbox_id, name, image, image_id, log_path, working_dir;
  std::vector<std::string> argv, env, path_dirs;
  int stop_signal = 15;
  int64_t created_ns = 0;
  std::vector<std::string> cgroup_dirs, cgroups_applied, cgroups_skipped;
};

struct ProcessRecord {
  pid_t pid = 0;
  uint64_t pid_ticks = 0;
  pid_t shim_pid = 0;
  uint64_t shim_ticks = 0;
  int64_t started_ns = 0;
};

Result<> save_sandbox(const std::string& path, const Sandbox& s);
Result<Sandbox> load_sandbox(const std::string& path);
Result<> save_container(const std::string& path, const ContainerRecord& r);
Result<ContainerRecord> load_container(const std::string& path);
Result<> save_process(const std::string& path, const ProcessRecord& r);
Result<ProcessRecord> load_process(const std::string& path);

// 64 lowercase hex characters from the kernel's random source.
Result<std::string> random_id();

}  // namespace v6k::node::runtime::detail
