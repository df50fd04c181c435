// Allocation-free process helpers used after fork (launch.cc, exec.cc) and by the agent.
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>

#include "common/atomic_file.h"
#include "node/runtime/launch.h"

namespace v6k::node::runtime::detail {
namespace {

// Appends src to dst (capacity cap, always NUL-terminated); returns the new length.
size_t append(char* dst, size_t len, size_t cap, const char* src) {
  while (*src && len + 1 < cap) dst[len++] = *src++;
  dst[len] = '\0';
  return len;
}

}  // namespace

uint64_t process_start_ticks(pid_t pid) {
  char path[64] = "/proc/";
  char num[24];
  int n = 0;
  unsigned long v = static_cast<unsigned long>(pid);
  do {
    num[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v && n < 23);
  size_t len = 6;
  while (n) path[len++] = num[--n];
  path[len] = '\0';
  append(path, len, sizeof path, "/stat");
  int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  char buf[1024];
  ssize_t got = ::read(fd, buf, sizeof buf - 1);
  ::close(fd);
  if (got <= 0) return 0;
  buf[got] = '\0';
  // The command name (field 2) may hold spaces and ')': fields restart after the LAST ')'.
  char* p = nullptr;
  for (char* q = buf; *q; ++q)
    if (*q == ')') p = q;
  if (!p) return 0;
  int field = 2;
  for (++p; *p && field < 22; ++p)
    if (*p == ' ') ++field;
  uint64_t ticks = 0;
  while (*p >= '0' && *p <= '9') ticks = ticks * 10 + static_cast<uint64_t>(*p++ - '0');
  return ticks;
}

void reset_signals() {
  sigset_t all;
  sigemptyset(&all);
  ::sigprocmask(SIG_SETMASK, &all, nullptr);
  for (int s = 1; s < NSIG; ++s) {
    if (s == SIGKILL || s == SIGSTOP) continue;
    ::signal(s, SIG_DFL);
  }
}

void close_fds_except(const int* keep, int n) {
  int sorted[16];
  int m = 0;
  for (int i = 0; i < n && m < 16; ++i)
    if (keep[i] >= 3) sorted[m++] = keep[i];
  std::sort(sorted, sorted + m);
  unsigned next = 3;
  for (int i = 0; i < m; ++i) {
    unsigned k = static_cast<unsigned>(sorted[i]);
    if (k > next) ::close_range(next, k - 1, 0);
    next = k + 1;
  }
  ::close_range(next, ~0U, 0);
}

int exec_search(char* const* argv, char* const* envp, const char* const* path_dirs, char* msg,
                size_t msg_len) {
  const char* name = argv[0];
  int err = ENOENT;
  if (strchr(name, '/')) {
    ::execve(name, argv, envp);
    err = errno;
  } else {
    bool denied = false;
    for (const char* const* d = path_dirs; *d; ++d) {
      char full[4096];
      size_t len = append(full, 0, sizeof full, *d);
      len = append(full, len, sizeof full, "/");
      append(full, len, sizeof full, name);
      ::execve(full, argv, envp);
      if (errno == EACCES) denied = true;
    }
    err = denied ? EACCES : ENOENT;
  }
  size_t len = append(msg, 0, msg_len, "exec: \"");
  len = append(msg, len, msg_len, name);
  len = append(msg, len, msg_len, "\": ");
  if (err == ENOENT && !strchr(name, '/'))
    append(msg, len, msg_len, "executable file not found in $PATH");
  else
    append(msg, len, msg_len, strerrordesc_np(err) ? strerrordesc_np(err) : "exec failed");
  return err;
}

Result<ExitRecord> read_exit_record(const std::string& path) {
  auto text = read_file(path);
  if (!text) return fail(std::move(text.error()));
  ExitRecord r;
  char* end = nullptr;
  const char* p = text->c_str();
  r.exit_code = static_cast<int>(std::strtol(p, &end, 10));
  if (end == p) return fail_invalid("bad exit record " + path);
  p = end;
  r.signal = static_cast<int>(std::strtol(p, &end, 10));
  if (end == p) return fail_invalid("bad exit record " + path);
  p = end;
  r.finished_ns = std::strtoll(p, &end, 10);
  if (end == p) return fail_invalid("bad exit record " + path);
  return r;
}

}  // namespace v6k::node::runtime::detail
