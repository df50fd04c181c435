#include "node/runtime/exec.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

#include "node/runtime/launch.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

namespace v6k::node::runtime {
namespace {

volatile pid_t g_exec_child = 0;

void forward_signal(int sig) {
  if (g_exec_child > 0) ::kill(g_exec_child, sig);
}

void write_str(int fd, const char* s) {
  size_t n = strlen(s);
  while (n > 0) {
    ssize_t w = ::write(fd, s, n);
    if (w <= 0) return;
    s += w;
    n -= static_cast<size_t>(w);
  }
}

[[noreturn]] void relay_fail(int fd, const char* what, int err) {
  write_str(fd, "v6k exec: ");
  write_str(fd, what);
  write_str(fd, ": ");
  write_str(fd, strerrordesc_np(err) ? strerrordesc_np(err) : "error");
  write_str(fd, "\n");
  ::_exit(126);
}

int pidfd_open(pid_t pid) { return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)); }

}  // namespace

ExecProcess::~ExecProcess() {
  if (!pidfd_ || reaped_) return;
  ::syscall(SYS_pidfd_send_signal, pidfd_.get(), SIGKILL, nullptr, 0);
  siginfo_t info{};
  while (::waitid(static_cast<idtype_t>(P_PIDFD), static_cast<id_t>(pidfd_.get()), &info, WEXITED) < 0 &&
         errno == EINTR) {
  }
}

Result<int> ExecProcess::wait(std::chrono::milliseconds timeout) {
  if (reaped_) return fail_invalid("exec process already waited for");
  struct pollfd pfd = {pidfd_.get(), POLLIN, 0};
  while (true) {
    int r = ::poll(&pfd, 1, static_cast<int>(timeout.count()));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return fail_errno("waiting for exec process");
    if (r == 0) return fail(Error::make(ETIMEDOUT, "exec process still running"));
    break;
  }
  siginfo_t info{};
  while (::waitid(static_cast<idtype_t>(P_PIDFD), static_cast<id_t>(pidfd_.get()), &info, WEXITED) < 0) {
    if (errno != EINTR) return fail_errno("reaping exec process");
  }
  reaped_ = true;
  return info.si_code == CLD_EXITED ? info.si_status : 128 + info.si_status;
}

Result<> ExecProcess::signal(int sig) const {
  if (reaped_) return fail(Error::make(ESRCH, "exec process has exited"));
  if (::syscall(SYS_pidfd_send_signal, pidfd_.get(), sig, nullptr, 0) < 0)
    return fail_errno("signalling exec process");
  return {};
}

Result<> ExecProcess::resize(unsigned short rows, unsigned short cols) const {
  struct winsize ws {};
  ws.ws_row = rows;
  ws.ws_col = cols;
  if (::ioctl(stdout_.get(), TIOCSWINSZ, &ws) < 0) return fail_errno("resizing exec tty");
  return {};
}

namespace detail {

Result<ExecProcess> start_exec(const ExecTarget& t, const ExecOptions& o) {
  if (o.argv.empty()) return fail_invalid("exec: empty command");
  static constexpr const char* kNs[] = {"ipc", "uts", "net", "pid", "mnt"};
  static constexpr int kNsType[] = {CLONE_NEWIPC, CLONE_NEWUTS, CLONE_NEWNET, CLONE_NEWPID, CLONE_NEWNS};
  UniqueFd ns[5];
  for (int i = 0; i < 5; ++i) {
    std::string path = "/proc/" + std::to_string(t.pid) + "/ns/" + kNs[i];
    ns[i] = UniqueFd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!ns[i]) return fail(Error::make(ESRCH, "exec: container is not running (" + path + ")"));
  }
  // Checked after opening: the fds then surely belong to the container, not a reused pid.
  if (process_start_ticks(t.pid) != t.pid_ticks)
    return fail(Error::make(ESRCH, "exec: container is not running"));

  UniqueFd in_r, in_w, out_r, out_w, err_r, err_w, master, slave;
  auto make_pipe = [](UniqueFd& r, UniqueFd& w) -> Result<> {
    int p[2];
    if (::pipe2(p, O_CLOEXEC) < 0) return fail_errno("exec: pipe");
    r = UniqueFd(p[0]);
    w = UniqueFd(p[1]);
    return {};
  };
  if (o.tty) {
    master = UniqueFd(::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC));
    if (!master || ::grantpt(master.get()) < 0 || ::unlockpt(master.get()) < 0)
      return fail_errno("exec: allocating a pseudo-terminal");
    char name[128];
    if (::ptsname_r(master.get(), name, sizeof name) != 0) return fail_errno("exec: ptsname");
    slave = UniqueFd(::open(name, O_RDWR | O_NOCTTY | O_CLOEXEC));
    if (!slave) return fail_errno(std::string("exec: opening ") + name);
    struct winsize ws {};
    ws.ws_row = o.rows;
    ws.ws_col = o.cols;
    ::ioctl(master.get(), TIOCSWINSZ, &ws);
  } else {
    if (o.stdin) {
      V6K_TRY(make_pipe(in_r, in_w), "exec stdin");
    } else {
      in_r = UniqueFd(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    }
    V6K_TRY(make_pipe(out_r, out_w), "exec stdout");
    V6K_TRY(make_pipe(err_r, err_w), "exec stderr");
  }

  std::vector<std::string> env = t.env;
  for (const auto& [k, v] : o.env) {
    std::erase_if(env, [&](const std::string& e) { return e.compare(0, k.size() + 1, k + "=") == 0; });
    env.push_back(k + "=" + v);
  }
  std::vector<char*> argv_p, env_p;
  std::vector<const char*> path_p;
  for (const auto& a : o.argv) argv_p.push_back(const_cast<char*>(a.c_str()));
  argv_p.push_back(nullptr);
  for (const auto& e : env) env_p.push_back(const_cast<char*>(e.c_str()));
  env_p.push_back(nullptr);
  for (const auto& d : t.path_dirs) path_p.push_back(d.c_str());
  path_p.push_back(nullptr);
  const int c_in = o.tty ? slave.get() : in_r.get();
  const int c_out = o.tty ? slave.get() : out_w.get();
  const int c_err = o.tty ? slave.get() : err_w.get();

  pid_t pid = ::fork();
  if (pid < 0) return fail_errno("exec: fork");
  if (pid == 0) {
    int keep[] = {ns[0].get(), ns[1].get(), ns[2].get(), ns[3].get(), ns[4].get(), c_in, c_out, c_err};
    close_fds_except(keep, 8);
    reset_signals();
    for (const auto& f : t.cgroup_procs) {
      int fd = ::open(f.c_str(), O_WRONLY | O_CLOEXEC);
      if (fd >= 0) {
        (void)!::write(fd, "0", 1);
        ::close(fd);
      }
    }
    for (int i = 0; i < 5; ++i)
      if (::setns(ns[i].get(), kNsType[i]) < 0) relay_fail(c_err, kNs[i], errno);
    pid_t child = ::fork();
    if (child < 0) relay_fail(c_err, "fork in the container's PID namespace", errno);
    if (child == 0) {
      ::setsid();
      if (o.tty) ::ioctl(c_in, TIOCSCTTY, 0);
      if (::dup2(c_in, 0) < 0 || ::dup2(c_out, 1) < 0 || ::dup2(c_err, 2) < 0) ::_exit(126);
      close_fds_except(nullptr, 0);
      if (::chdir(t.working_dir.c_str()) < 0) (void)!::chdir("/");
      char msg[1024];
      int err = exec_search(argv_p.data(), env_p.data(), path_p.data(), msg, sizeof msg);
      write_str(2, msg);
      write_str(2, "\n");
      ::_exit(err == ENOENT ? 127 : 126);
    }
    g_exec_child = child;
    for (int s : {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2}) ::signal(s, forward_signal);
    close_fds_except(nullptr, 0);
    int status = 0;
    while (::waitpid(child, &status, 0) < 0)
      if (errno != EINTR) ::_exit(126);
    if (WIFEXITED(status)) ::_exit(WEXITSTATUS(status));
    int sig = WTERMSIG(status);
    ::signal(sig, SIG_DFL);
    ::kill(::getpid(), sig);
    ::_exit(128 + sig);
  }

  ExecProcess p;
  p.pid_ = pid;
  p.pidfd_ = UniqueFd(pidfd_open(pid));
  if (!p.pidfd_) {
    int err = errno;
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    return fail_errno("exec: pidfd_open", err);
  }
  if (o.tty) {
    p.stdin_ = UniqueFd(::fcntl(master.get(), F_DUPFD_CLOEXEC, 0));
    p.stdout_ = std::move(master);
  } else {
    if (o.stdin) p.stdin_ = std::move(in_w);
    p.stdout_ = std::move(out_r);
    p.stderr_ = std::move(err_r);
  }
  return p;
}

}  // namespace detail
}  // namespace v6k::node::runtime
