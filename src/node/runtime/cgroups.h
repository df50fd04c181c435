// Internal: per-container cgroups (v1 cpu, memory and pids hierarchies).
//
//   auto cg = create_cgroups("v6k", id, {.cpu_limit_millis = 500, .memory_limit_bytes = 64 << 20});
//   cg.procs_files  → the container init writes "0" to each to join
//   remove_cgroups(cg.dirs);                       // after the container exited
//
// Only controllers the container has a limit for are used: moving a process into a v1
// cgroup waits for an RCU grace period per hierarchy (~10 ms each on this machine), which
// would otherwise dominate container start. Each container's cgroup is created under the CALLER's own cgroup in each hierarchy
// (/proc/self/cgroup) + "/v6k", so the agent's own limits still bound its containers.
// A controller that is not mounted or not writable is skipped and named in `skipped`;
// cgroup v2-only hosts get no limits (documented in docs/images.md).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace v6k::node::runtime {

struct Resources {
  int64_t cpu_limit_millis = 0;    // 0 = none; CFS quota per 100 ms period
  int64_t memory_limit_bytes = 0;  // 0 = none; memory.limit_in_bytes
  int64_t pids_limit = 0;          // 0 = none; pids.max
};

namespace detail {

struct Cgroups {
  std::vector<std::string> dirs;         // created directories (removed with the container)
  std::vector<std::string> procs_files;  // <dir>/cgroup.procs
  std::vector<std::string> applied;      // "cpu", "memory", "pids": controllers in use
  std::vector<std::string> skipped;      // "memory: Read-only file system"
};

// Never fails: what cannot be set up is reported in `skipped`.
Cgroups create_cgroups(const std::string& group, const std::string& id, const Resources& r);
void remove_cgroups(const std::vector<std::string>& dirs);
// "oom_kill N" > 0 in <memory dir>/memory.oom_control.
bool cgroup_oom_killed(const std::vector<std::string>& dirs);

}  // namespace detail
}  // namespace v6k::node::runtime
