#include "node/runtime/launch.h"

#include <fcntl.h>
#include <linux/mount.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

#include "node/runtime/cri_time.h"

namespace v6k::node::runtime::detail {
namespace {

constexpr size_t kMaxLogLine = 16 * 1024;  // containerd's default max_container_log_line_size
constexpr int kStartTimeoutMs = 30000;

// Pointers into the plan's strings, built before fork so the child only reads memory.
struct Prepared {
  std::vector<char*> argv, env;
  std::vector<const char*> path_dirs;
};

size_t put(char* dst, size_t len, size_t cap, const char* src) {
  while (*src && len + 1 < cap) dst[len++] = *src++;
  dst[len] = '\0';
  return len;
}

size_t put_u64(char* dst, size_t len, size_t cap, uint64_t v) {
  char tmp[24];
  int n = 0;
  do {
    tmp[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v);
  while (n && len + 1 < cap) dst[len++] = tmp[--n];
  dst[len] = '\0';
  return len;
}

size_t put_i64(char* dst, size_t len, size_t cap, int64_t v) {
  if (v < 0) {
    len = put(dst, len, cap, "-");
    return put_u64(dst, len, cap, static_cast<uint64_t>(-v));
  }
  return put_u64(dst, len, cap, static_cast<uint64_t>(v));
}

void write_all(int fd, const char* p, size_t n) {
  while (n > 0) {
    ssize_t w = ::write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return;
    p += w;
    n -= static_cast<size_t>(w);
  }
}

// Reports "<what>: <errno text>" on fd and exits: used by the container init before exec.
[[noreturn]] void die(int fd, const char* what, const char* arg, int err) {
  char msg[1024];
  size_t len = put(msg, 0, sizeof msg, what);
  if (arg) len = put(msg, len, sizeof msg, arg);
  len = put(msg, len, sizeof msg, ": ");
  len = put(msg, len, sizeof msg, strerrordesc_np(err) ? strerrordesc_np(err) : "error");
  write_all(fd, msg, len);
  ::_exit(127);
}

int set_mount_attr(const char* path, bool recursive, uint64_t set, uint64_t clear) {
  struct mount_attr attr {};
  attr.attr_set = set;
  attr.attr_clr = clear;
  return static_cast<int>(::syscall(SYS_mount_setattr, AT_FDCWD, path, recursive ? AT_RECURSIVE : 0,
                                    &attr, sizeof attr));
}

// mkdir -p for a path that lives on a writable mount (the working dir under /tmp).
void make_dirs_child(const char* path) {
  char buf[4096];
  size_t len = put(buf, 0, sizeof buf, path);
  for (size_t i = 1; i <= len; ++i) {
    if (buf[i] != '/' && buf[i] != '\0') continue;
    char saved = buf[i];
    buf[i] = '\0';
    ::mkdir(buf, 0755);
    buf[i] = saved;
  }
}

[[noreturn]] void container_init(const LaunchPlan& plan, const Prepared& p, int netns_fd, int out_w,
                                 int err_w, int report) {
  reset_signals();
  // Cgroups first: the host's /sys/fs/cgroup is hidden once /sys is remounted below.
  for (const auto& f : plan.cgroup_procs) {
    int fd = ::open(f.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0 || ::write(fd, "0", 1) < 0) die(report, "joining cgroup ", f.c_str(), errno);
    ::close(fd);
  }
  if (::setns(netns_fd, CLONE_NEWNET) < 0) die(report, "entering network namespace ", plan.netns_path.c_str(), errno);
  ::close(netns_fd);
  if (::unshare(CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC) < 0) die(report, "unshare(mount, UTS, IPC)", nullptr, errno);
  if (::sethostname(plan.hostname.data(), plan.hostname.size()) < 0) die(report, "sethostname", nullptr, errno);
  // Slave, not private: host unmounts (e.g. `ip netns del` of other pods) still reach us,
  // so this mount namespace never pins other namespaces; nothing propagates back out.
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_SLAVE, nullptr) < 0) die(report, "making / a slave mount", nullptr, errno);
  // Every bind source is opened before the first bind: a later bind (the scratch area
  // over /tmp) must not hide the source of another (a pod file kept under a /tmp state dir).
  constexpr size_t kMaxBinds = 128;
  int sources[kMaxBinds];
  size_t nbinds = 0;
  for (const auto& m : plan.mounts) {
    if (m.kind != PlannedMount::Kind::kBind) continue;
    if (nbinds == kMaxBinds) die(report, "too many mounts", nullptr, E2BIG);
    sources[nbinds] = ::open(m.source.c_str(), O_PATH | O_CLOEXEC);
    if (sources[nbinds] < 0) die(report, "opening mount source for ", m.target.c_str(), errno);
    ++nbinds;
  }
  size_t bind = 0;
  for (const auto& m : plan.mounts) {
    if (m.kind != PlannedMount::Kind::kBind) continue;
    char via[40];
    size_t n = put(via, 0, sizeof via, "/proc/self/fd/");
    n = put_u64(via, n, sizeof via, static_cast<uint64_t>(sources[bind]));
    via[n] = '\0';
    if (::mount(via, m.target.c_str(), nullptr, MS_BIND | MS_REC, nullptr) < 0)
      die(report, "bind-mounting ", m.target.c_str(), errno);
    ::close(sources[bind++]);
  }
  if (set_mount_attr("/", true, MOUNT_ATTR_RDONLY, 0) < 0) die(report, "making the host view read-only", nullptr, errno);
  for (const auto& m : plan.mounts) {
    if (m.kind == PlannedMount::Kind::kBind && m.writable &&
        set_mount_attr(m.target.c_str(), false, 0, MOUNT_ATTR_RDONLY) < 0)
      die(report, "making writable ", m.target.c_str(), errno);
  }
  if (::mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) < 0)
    die(report, "mounting /proc", nullptr, errno);
  // sysfs as seen from the pod's netns (its /sys/class/net); optional.
  ::mount("sysfs", "/sys", "sysfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr);
  if (::mount("shm", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=1777,size=65536k") < 0)
    die(report, "mounting /dev/shm", nullptr, errno);
  for (const auto& m : plan.mounts) {
    if (m.kind != PlannedMount::Kind::kTmpfs) continue;
    if (::mount("tmpfs", m.target.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, "mode=755,size=65536k") < 0)
      die(report, "mounting tmpfs on ", m.target.c_str(), errno);
  }
  if (plan.create_working_dir) make_dirs_child(plan.working_dir.c_str());
  if (::chdir(plan.working_dir.c_str()) < 0) die(report, "chdir to working directory ", plan.working_dir.c_str(), errno);
  int null_fd = ::open("/dev/null", O_RDONLY);
  if (null_fd < 0 || ::dup2(null_fd, 0) < 0 || ::dup2(out_w, 1) < 0 || ::dup2(err_w, 2) < 0)
    die(report, "setting up stdio", nullptr, errno);
  int keep[] = {report};
  close_fds_except(keep, 1);
  char msg[1024];
  exec_search(p.argv.data(), p.env.data(), p.path_dirs.data(), msg, sizeof msg);
  write_all(report, msg, strlen(msg));
  ::_exit(127);
}

struct LogStream {
  int fd = -1;
  const char* tag = "";  // " stdout " / " stderr "
  char buf[kMaxLogLine];
  size_t len = 0;
};

void emit(int log_fd, const LogStream& s, const char* data, size_t n, bool partial) {
  char ts[kCriTimestampLength];
  format_cri_timestamp(realtime_ns(), ts);
  char nl = '\n';
  struct iovec iov[5] = {{ts, sizeof ts},
                         {const_cast<char*>(s.tag), 8},
                         {const_cast<char*>(partial ? "P " : "F "), 2},
                         {const_cast<char*>(data), n},
                         {&nl, 1}};
  // O_APPEND + one writev: each record lands whole even if several writers share the file.
  while (::writev(log_fd, iov, 5) < 0 && errno == EINTR) {
  }
}

// Appends what was read to the stream's buffer and writes out every complete line; a
// line longer than kMaxLogLine goes out in P(artial) pieces, as containerd does.
void drain(int log_fd, LogStream& s, const char* data, size_t n) {
  while (n > 0) {
    size_t take = n < kMaxLogLine - s.len ? n : kMaxLogLine - s.len;
    memcpy(s.buf + s.len, data, take);
    s.len += take;
    data += take;
    n -= take;
    size_t start = 0;
    for (size_t i = 0; i < s.len; ++i) {
      if (s.buf[i] != '\n') continue;
      emit(log_fd, s, s.buf + start, i - start, false);
      start = i + 1;
    }
    if (start > 0) {
      memmove(s.buf, s.buf + start, s.len - start);
      s.len -= start;
    }
    if (s.len == kMaxLogLine) {
      emit(log_fd, s, s.buf, s.len, true);
      s.len = 0;
    }
  }
}

LogStream g_streams[2];  // static storage: the shim's only big buffers

void copy_logs(int log_fd, int out_r, int err_r) {
  g_streams[0].fd = out_r;
  g_streams[0].tag = " stdout ";
  g_streams[1].fd = err_r;
  g_streams[1].tag = " stderr ";
  char chunk[8192];
  while (g_streams[0].fd >= 0 || g_streams[1].fd >= 0) {
    struct pollfd pfd[2] = {{g_streams[0].fd, POLLIN, 0}, {g_streams[1].fd, POLLIN, 0}};
    if (::poll(pfd, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    for (int i = 0; i < 2; ++i) {
      LogStream& s = g_streams[i];
      if (s.fd < 0 || !(pfd[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      ssize_t n = ::read(s.fd, chunk, sizeof chunk);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        if (s.len > 0) emit(log_fd, s, s.buf, s.len, false);
        s.len = 0;
        ::close(s.fd);
        s.fd = -1;
        continue;
      }
      drain(log_fd, s, chunk, static_cast<size_t>(n));
    }
  }
}

void write_exit_record(const LaunchPlan& plan, int status) {
  int code = 0, sig = 0;
  if (WIFEXITED(status)) code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) {
    sig = WTERMSIG(status);
    code = 128 + sig;
  }
  char rec[96];
  size_t len = put_i64(rec, 0, sizeof rec, code);
  len = put(rec, len, sizeof rec, " ");
  len = put_i64(rec, len, sizeof rec, sig);
  len = put(rec, len, sizeof rec, " ");
  len = put_i64(rec, len, sizeof rec, realtime_ns());
  len = put(rec, len, sizeof rec, "\n");
  char tmp[4096];
  size_t tl = put(tmp, 0, sizeof tmp, plan.exit_path.c_str());
  put(tmp, tl, sizeof tmp, ".tmp");
  int fd = ::open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return;
  write_all(fd, rec, len);  // no fsync: the record matters only while this boot lasts
  ::close(fd);
  ::rename(tmp, plan.exit_path.c_str());
}

[[noreturn]] void shim_main(const LaunchPlan& plan, const Prepared& p, int netns_fd, int log_fd, int sync_w) {
  ::prctl(PR_SET_NAME, "v6k-shim");
  ::signal(SIGPIPE, SIG_IGN);
  int out[2], err[2], rep[2];
  char msg[1100];
  if (::pipe2(out, O_CLOEXEC) < 0 || ::pipe2(err, O_CLOEXEC) < 0 || ::pipe2(rep, O_CLOEXEC) < 0 ||
      ::unshare(CLONE_NEWPID) < 0) {
    size_t len = put(msg, 0, sizeof msg, "Eshim setup: ");
    len = put(msg, len, sizeof msg, strerrordesc_np(errno));
    write_all(sync_w, msg, len);
    ::_exit(1);
  }
  pid_t child = ::fork();
  if (child == 0) {
    ::close(out[0]);
    ::close(err[0]);
    ::close(rep[0]);
    ::close(sync_w);
    ::close(log_fd);
    container_init(plan, p, netns_fd, out[1], err[1], rep[1]);
  }
  int fork_errno = errno;
  ::close(out[1]);
  ::close(err[1]);
  ::close(rep[1]);
  ::close(netns_fd);
  if (child < 0) {
    size_t len = put(msg, 0, sizeof msg, "Efork of the container: ");
    len = put(msg, len, sizeof msg, strerrordesc_np(fork_errno));
    write_all(sync_w, msg, len);
    ::_exit(1);
  }
  // EOF on the report pipe = execve succeeded (it is close-on-exec); text = why not.
  msg[0] = 'E';
  size_t got = 1;
  while (got < sizeof msg - 1) {
    ssize_t n = ::read(rep[0], msg + got, sizeof msg - 1 - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<size_t>(n);
  }
  ::close(rep[0]);
  int status = 0;
  if (got > 1) {
    write_all(sync_w, msg, got);
    while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
    }
    ::_exit(1);
  }
  const int64_t started_ns = realtime_ns();  // execve has just succeeded
  size_t len = put(msg, 0, sizeof msg, "O ");
  len = put_u64(msg, len, sizeof msg, static_cast<uint64_t>(child));
  len = put(msg, len, sizeof msg, " ");
  len = put_u64(msg, len, sizeof msg, process_start_ticks(child));
  len = put(msg, len, sizeof msg, " ");
  len = put_u64(msg, len, sizeof msg, static_cast<uint64_t>(::getpid()));
  len = put(msg, len, sizeof msg, " ");
  len = put_u64(msg, len, sizeof msg, process_start_ticks(::getpid()));
  len = put(msg, len, sizeof msg, " ");
  len = put_i64(msg, len, sizeof msg, started_ns);
  write_all(sync_w, msg, len);
  ::close(sync_w);
  copy_logs(log_fd, out[0], err[0]);
  while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  write_exit_record(plan, status);
  ::_exit(0);
}

// Detaches from the caller (stdio, session), then forks the shim and exits at once, so
// the shim is orphaned to init and outlives whoever started it.
[[noreturn]] void helper_main(const LaunchPlan& plan, const Prepared& p, int netns_fd, int log_fd, int sync_w) {
  int keep[] = {netns_fd, log_fd, sync_w};
  close_fds_except(keep, 3);
  // The shim must not hold the agent's stdio (a test runner would wait for its EOF).
  int null_fd = ::open("/dev/null", O_RDWR);
  if (null_fd >= 0) {
    ::dup2(null_fd, 0);
    ::dup2(null_fd, 1);
    ::dup2(null_fd, 2);
    if (null_fd > 2) ::close(null_fd);
  }
  ::setsid();
  pid_t shim = ::fork();
  if (shim < 0) {
    write_all(sync_w, "Efork of the shim", 17);
    ::_exit(1);
  }
  if (shim > 0) ::_exit(0);
  shim_main(plan, p, netns_fd, log_fd, sync_w);
}

Prepared prepare(const LaunchPlan& plan) {
  Prepared p;
  for (const auto& a : plan.argv) p.argv.push_back(const_cast<char*>(a.c_str()));
  p.argv.push_back(nullptr);
  for (const auto& e : plan.env) p.env.push_back(const_cast<char*>(e.c_str()));
  p.env.push_back(nullptr);
  for (const auto& d : plan.path_dirs) p.path_dirs.push_back(d.c_str());
  p.path_dirs.push_back(nullptr);
  return p;
}

}  // namespace

int shim_exec_main() {
  constexpr int kSync = 3;
  std::string text;
  char buf[16384];
  for (;;) {
    ssize_t n = ::read(0, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    text.append(buf, static_cast<size_t>(n));
  }
  auto plan = decode_plan(text);
  if (!plan) {
    std::string m = "Eshim: " + plan.error().message();
    write_all(kSync, m.data(), m.size());
    return 1;
  }
  Prepared p = prepare(*plan);
  int netns = ::open(plan->netns_path.c_str(), O_RDONLY | O_CLOEXEC);
  int log = ::open(plan->log_path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
  if (netns < 0 || log < 0) {
    std::string m = std::string("Eshim: opening ") + (netns < 0 ? plan->netns_path : plan->log_path) + ": " +
                    strerrordesc_np(errno);
    write_all(kSync, m.data(), m.size());
    return 1;
  }
  helper_main(*plan, p, netns, log, kSync);
}

Result<Launched> launch_container(const LaunchPlan& plan) {
  if (plan.argv.empty()) return fail_invalid("no command to run");
  Prepared p = prepare(plan);

  UniqueFd netns(::open(plan.netns_path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!netns) return fail_errno("opening network namespace " + plan.netns_path);
  UniqueFd log(::open(plan.log_path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640));
  if (!log) return fail_errno("opening log file " + plan.log_path);
  int sync[2];
  if (::pipe2(sync, O_CLOEXEC) < 0) return fail_errno("pipe");
  UniqueFd sync_r(sync[0]), sync_w(sync[1]);

  pid_t helper = 0;
  if (!plan.shim_path.empty()) {
    // A small executable of its own: its forks copy little, unlike a fork of the agent.
    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) return fail_errno("socketpair");
    UniqueFd plan_r(sv[0]), plan_w(sv[1]);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, plan_r.get(), 0);
    posix_spawn_file_actions_adddup2(&actions, sync_w.get(), 3);
    std::string shim = plan.shim_path;
    char* shim_argv[] = {shim.data(), nullptr};
    char* shim_env[] = {nullptr};
    int err = ::posix_spawn(&helper, shim.c_str(), &actions, nullptr, shim_argv, shim_env);
    posix_spawn_file_actions_destroy(&actions);
    if (err != 0) return fail(Error::from_errno(err, "starting the shim " + plan.shim_path));
    plan_r.reset();
    const std::string text = encode_plan(plan);
    for (size_t off = 0; off < text.size();) {
      ssize_t n = ::send(plan_w.get(), text.data() + off, text.size() - off, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;  // the shim died: its report (or its absence) says why
      off += static_cast<size_t>(n);
    }
  } else {
    helper = ::fork();
    if (helper < 0) return fail_errno("fork");
    if (helper == 0) helper_main(plan, p, netns.get(), log.get(), sync_w.get());
  }
  sync_w.reset();
  int status = 0;
  while (::waitpid(helper, &status, 0) < 0 && errno == EINTR) {
  }

  std::string reply;
  char buf[1024];
  while (true) {
    struct pollfd pfd = {sync_r.get(), POLLIN, 0};
    int r = ::poll(&pfd, 1, kStartTimeoutMs);
    if (r < 0 && errno == EINTR) continue;
    if (r == 0) return fail(Error::make(ETIMEDOUT, "container did not start within 30 s"));
    ssize_t n = ::read(sync_r.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    reply.append(buf, static_cast<size_t>(n));
  }
  if (reply.empty()) return fail(Error::make(EIO, "container shim exited without reporting"));
  if (reply[0] == 'E') return fail(Error::make(EIO, reply.substr(1)));
  Launched l;
  char* end = nullptr;
  const char* q = reply.c_str() + 1;
  l.pid = static_cast<pid_t>(std::strtol(q, &end, 10));
  l.pid_ticks = std::strtoull(end, &end, 10);
  l.shim_pid = static_cast<pid_t>(std::strtol(end, &end, 10));
  l.shim_ticks = std::strtoull(end, &end, 10);
  l.started_ns = std::strtoll(end, &end, 10);
  if (l.pid <= 0 || l.shim_pid <= 0) return fail(Error::make(EIO, "bad shim report: " + reply));
  return l;
}

}  // namespace v6k::node::runtime::detail
