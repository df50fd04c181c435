#include "support/proc.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <stdexcept>

#include "common/unique_fd.h"

extern char** environ;

namespace v6k::testing {
namespace {
[[noreturn]] void die(const std::string& what) { throw std::runtime_error(what); }
}  // namespace

std::string built(const std::string& rel) {
  const char* dir = std::getenv("V6K_BUILD_DIR");
  return std::string(dir ? dir : "build") + "/" + rel;
}

ExecResult run_command(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
                       const std::string& stdin_text) {
  return run_in_netns("", argv, env, stdin_text);
}

ExecResult run_in_netns(const std::string& ns_path, const std::vector<std::string>& argv,
                        const std::map<std::string, std::string>& env, const std::string& stdin_text,
                        pid_t* child_pid, bool wait_for_exit) {
  int in[2], out[2], err[2];
  if (::pipe2(in, O_CLOEXEC) || ::pipe2(out, O_CLOEXEC) || ::pipe2(err, O_CLOEXEC)) die("pipe");
  UniqueFd nsfd;
  if (!ns_path.empty()) {
    nsfd.reset(::open(ns_path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!nsfd) die("open " + ns_path);
  }
  std::vector<std::string> envs;
  for (char** e = environ; *e; ++e)
    if (std::strncmp(*e, "CNI_", 4) != 0) envs.emplace_back(*e);
  for (const auto& [k, v] : env) envs.push_back(k + "=" + v);
  std::vector<char*> cargv, cenv;
  for (const auto& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
  cargv.push_back(nullptr);
  for (const auto& e : envs) cenv.push_back(const_cast<char*>(e.c_str()));
  cenv.push_back(nullptr);

  pid_t pid = ::fork();
  if (pid < 0) die("fork");
  if (pid == 0) {
    ::dup2(in[0], 0);
    ::dup2(out[1], 1);
    ::dup2(err[1], 2);
    if (nsfd && ::setns(nsfd.get(), CLONE_NEWNET) != 0) ::_exit(126);
    ::execve(cargv[0], cargv.data(), cenv.data());
    ::_exit(127);
  }
  ::close(in[0]);
  ::close(out[1]);
  ::close(err[1]);
  if (child_pid) *child_pid = pid;
  ExecResult res;
  (void)!::write(in[1], stdin_text.data(), stdin_text.size());
  ::close(in[1]);
  if (!wait_for_exit) {
    ::close(out[0]);
    ::close(err[0]);
    return res;
  }
  pollfd fds[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
  int open_fds = 2;
  char buf[4096];
  while (open_fds > 0) {
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP))) continue;
      ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
      if (n <= 0) {
        ::close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      } else {
        (i == 0 ? res.out : res.err).append(buf, static_cast<size_t>(n));
      }
    }
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  res.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return res;
}

}  // namespace v6k::testing
