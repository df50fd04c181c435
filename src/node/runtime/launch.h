// Internal: starting one container process through its shim (runtime.cc fills the plan).
//
// Process tree (the agent may die and restart; nothing here depends on it staying):
//
//   agent ──spawn──▶ v6k-shim ──fork──▶ shim (setsid; orphaned when v6k-shim exits at once)
//   (without a v6k-shim executable: agent ──fork──▶ helper ──fork──▶ shim, the same below)
//                                     │ unshare(PID) + fork
//                                     ▼
//                              container init: pid 1 of a new PID namespace; setns(pod
//                              netns); unshare(mount, UTS, IPC); read-only host view +
//                              writable mounts; hostname; cgroups; execve(argv)
//
// The shim owns the container's stdout/stderr pipes and writes them to the log file in
// the CRI format, then reaps the container and writes its exit record (exit code, signal,
// finish time) next to the state, so exit codes and logs survive an agent restart.
// Everything after fork runs in a copy of a multithreaded process: only system calls and
// the plan's prebuilt strings are used there (no allocation, no locks).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "common/unique_fd.h"

namespace v6k::node::runtime::detail {

struct PlannedMount {
  enum class Kind { kBind, kTmpfs };
  Kind kind = Kind::kBind;
  std::string source;  // bind source (host path), unused for tmpfs
  std::string target;  // path in the container
  bool writable = false;
};

struct LaunchPlan {
  std::string netns_path;
  std::string hostname;
  std::vector<std::string> argv;
  std::vector<std::string> env;            // KEY=value
  std::vector<std::string> path_dirs;      // PATH search for argv[0] without '/'
  std::string working_dir;
  bool create_working_dir = false;         // mkdir -p inside the container (under /tmp)
  std::vector<PlannedMount> mounts;        // in order, after the host view is made read-only
  std::vector<std::string> cgroup_procs;   // ".../cgroup.procs" files to join
  std::string log_path;
  std::string exit_path;                   // exit record written by the shim
  std::string shim_path;                   // exec'd v6k-shim; "" = fork this process instead
};

// The v6k-shim executable next to this program or in $V6K_BUILD_DIR/cmd, or "".
std::string find_shim();
// The plan as the agent hands it to v6k-shim (JSON), and back.
std::string encode_plan(const LaunchPlan& plan);
Result<LaunchPlan> decode_plan(std::string_view text);
// v6k-shim's main: reads the plan from stdin, reports on fd 3 exactly as the forked
// helper does, and exits at once, leaving the shim running.
int shim_exec_main();

struct Launched {
  pid_t pid = 0;          // container init, in the host PID namespace
  uint64_t pid_ticks = 0;  // its /proc start time (identity across pid reuse)
  pid_t shim_pid = 0;
  uint64_t shim_ticks = 0;
  int64_t started_ns = 0;  // realtime when execve succeeded (taken by the shim)
};

// Starts the container; returns once execve succeeded (or with the reason it failed:
// setup step + errno, or `exec: "x": executable file not found in $PATH`).
Result<Launched> launch_container(const LaunchPlan& plan);

// Start time (clock ticks since boot, /proc/<pid>/stat field 22) of a live or zombie
// process; 0 if it does not exist. Allocation-free.
uint64_t process_start_ticks(pid_t pid);

// Parses the shim's exit record "<exit_code> <signal> <finished_ns>".
struct ExitRecord {
  int exit_code = 0;
  int signal = 0;
  int64_t finished_ns = 0;
};
Result<ExitRecord> read_exit_record(const std::string& path);

// Async-signal-safe pieces shared with exec.cc.
void reset_signals();
// Closes every fd >= 3 except those in keep (any order, -1 entries ignored).
void close_fds_except(const int* keep, int n);
// execve(argv[0]) with a PATH search over path_dirs when argv[0] has no '/'; on failure
// writes `exec: "x": <reason>` into msg (NUL-terminated) and returns the errno.
int exec_search(char* const* argv, char* const* envp, const char* const* path_dirs, char* msg, size_t msg_len);

}  // namespace v6k::node::runtime::detail
