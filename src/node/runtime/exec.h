// A process started inside a running container (`kubectl exec`), and its stdio.
//
//   auto p = rt.exec_in_container(id, {.argv = {"sh", "-c", "cat /etc/hostname"}}).value();
//   std::string out = read_all(p.stdout_fd());            // caller's helper
//   int code = p.wait().value();                            // exit code, 128+signal if killed
//
// The process joins the container's IPC, UTS, network, PID and mount namespaces and its
// cgroups, runs in its working directory with its environment (+ options.env), and gets
// pipes for stdin/stdout/stderr — or, with tty, one pseudo-terminal (stdout_fd() is the
// master; stdin_fd() a dup of it; no separate stderr, as with `kubectl exec -t`).
// The process the caller holds is a small relay (nsenter-style: entering a PID namespace
// only affects children) that forwards signals and exits with the command's status.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "common/result.h"
#include "common/unique_fd.h"

namespace v6k::node::runtime {

class ExecProcess;
struct ExecOptions;
namespace detail {
struct ExecTarget;
Result<ExecProcess> start_exec(const ExecTarget& target, const ExecOptions& options);
}  // namespace detail

struct ExecOptions {
  std::vector<std::string> argv;
  bool tty = false;
  bool stdin = false;  // false: stdin is /dev/null
  std::vector<std::pair<std::string, std::string>> env;  // added to the container's
  unsigned short rows = 24, cols = 80;                   // initial tty size
};

class ExecProcess {
 public:
  ExecProcess(ExecProcess&&) noexcept = default;
  ExecProcess& operator=(ExecProcess&&) noexcept = default;
  // Kills (SIGKILL) and reaps the process if it was never waited for.
  ~ExecProcess();

  pid_t pid() const { return pid_; }
  int stdin_fd() const { return stdin_.get(); }   // -1 unless options.stdin or tty
  int stdout_fd() const { return stdout_.get(); }
  int stderr_fd() const { return stderr_.get(); }  // -1 with tty
  void close_stdin() { stdin_.reset(); }
  // Exit code (128 + signal when killed by one); ETIMEDOUT after `timeout` (-1 ms = forever).
  Result<int> wait(std::chrono::milliseconds timeout = std::chrono::milliseconds(-1));
  Result<> signal(int sig) const;
  Result<> resize(unsigned short rows, unsigned short cols) const;  // tty only

 private:
  friend Result<ExecProcess> detail::start_exec(const detail::ExecTarget&, const ExecOptions&);
  ExecProcess() = default;
  pid_t pid_ = 0;
  UniqueFd pidfd_, stdin_, stdout_, stderr_;
  bool reaped_ = false;
};

namespace detail {
struct ExecTarget {
  pid_t pid = 0;             // container init (host PID namespace)
  uint64_t pid_ticks = 0;    // its identity
  std::vector<std::string> env;
  std::vector<std::string> path_dirs;
  std::string working_dir;
  std::vector<std::string> cgroup_procs;
};
}  // namespace detail

}  // namespace v6k::node::runtime
