#include "eks/host/supervisor.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <ctime>

namespace v6k::eks::host {

namespace {

void append_line(const std::string& path, const std::string& text) {
  if (FILE* f = std::fopen(path.c_str(), "a")) {
    std::time_t now = std::time(nullptr);
    char ts[32];
    std::strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
    std::fprintf(f, "%s supervisor: %s\n", ts, text.c_str());
    std::fclose(f);
  }
}

}  // namespace

Supervisor::Supervisor(SupervisorOptions o) : o_(o) { thread_ = std::thread([this] { loop(); }); }

Supervisor::~Supervisor() {
  stop_all();
  {
    std::lock_guard lk(mu_);
    quit_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

Result<> Supervisor::run(const std::string& name, std::vector<std::string> argv, const std::string& log_path) {
  if (argv.empty()) return fail_invalid("supervisor: empty command for " + name);
  if (::access(argv[0].c_str(), X_OK) != 0) return fail_errno("supervisor: cannot run " + argv[0]);
  pid_t old = 0;
  {
    std::lock_guard lk(mu_);
    auto it = children_.find(name);
    if (it != children_.end()) {
      if (it->second.argv == argv) return {};
      old = it->second.pid;
      children_.erase(it);
    }
  }
  if (old > 0) terminate(old);
  {
    std::lock_guard lk(mu_);
    Child c;
    c.argv = std::move(argv);
    c.log = log_path;
    c.next_start = std::chrono::steady_clock::now();
    c.backoff = o_.first_backoff;
    children_.emplace(name, std::move(c));
  }
  // Spawned by the loop thread: PR_SET_PDEATHSIG fires when the *thread* that forked
  // exits, so children must come from a thread that lives as long as the supervisor.
  cv_.notify_all();
  return {};
}

void Supervisor::stop(const std::string& name) {
  pid_t pid = 0;
  {
    std::lock_guard lk(mu_);
    auto it = children_.find(name);
    if (it == children_.end()) return;
    pid = it->second.pid;
    children_.erase(it);
  }
  if (pid > 0) terminate(pid);
}

void Supervisor::stop_all() {
  std::vector<pid_t> pids;
  {
    std::lock_guard lk(mu_);
    for (auto& [_, c] : children_)
      if (c.pid > 0) pids.push_back(c.pid);
    children_.clear();
  }
  for (pid_t p : pids) ::kill(p, SIGTERM);  // all at once, then wait for each
  for (pid_t p : pids) terminate(p);
}

bool Supervisor::running(const std::string& name) const { return pid(name) > 0; }

pid_t Supervisor::pid(const std::string& name) const {
  std::lock_guard lk(mu_);
  auto it = children_.find(name);
  return it == children_.end() ? 0 : it->second.pid;
}

int Supervisor::restarts(const std::string& name) const {
  std::lock_guard lk(mu_);
  auto it = children_.find(name);
  return it == children_.end() ? 0 : it->second.restarts;
}

void Supervisor::terminate(pid_t pid) {
  ::kill(pid, SIGTERM);
  auto deadline = std::chrono::steady_clock::now() + o_.grace;
  while (std::chrono::steady_clock::now() < deadline) {
    int st = 0;
    pid_t r = ::waitpid(pid, &st, WNOHANG);
    if (r == pid || (r < 0 && errno == ECHILD)) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ::kill(pid, SIGKILL);
  int st = 0;
  while (::waitpid(pid, &st, 0) < 0 && errno == EINTR) {
  }
}

Result<pid_t> Supervisor::spawn(const Child& c) {
  int log = ::open(c.log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (log < 0) return fail_errno("supervisor: opening " + c.log);
  std::vector<char*> args;
  for (const auto& a : c.argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid < 0) {
    int e = errno;
    ::close(log);
    return fail_errno("supervisor: fork", e);
  }
  if (pid == 0) {
    // Only async-signal-safe calls until execv.
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (::getppid() != parent) ::_exit(0);  // the daemon died before prctl took effect
    ::setpgid(0, 0);                        // a terminal's ^C goes to the daemon, not its agents
    ::dup2(log, 1);
    ::dup2(log, 2);
    int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull >= 0) ::dup2(devnull, 0);
    // Nothing of the daemon's but stdio: an inherited listening socket would keep the
    // region's port bound after the daemon dies, until this child exits.
    ::close_range(3, ~0U, 0);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  ::close(log);
  return pid;
}

void Supervisor::loop() {
  std::unique_lock lk(mu_);
  while (!quit_) {
    auto now = std::chrono::steady_clock::now();
    for (auto& [name, c] : children_) {
      if (c.pid > 0) {
        int st = 0;
        pid_t r = ::waitpid(c.pid, &st, WNOHANG);
        if (r != c.pid) continue;
        bool healthy = now - c.started >= o_.healthy_after;
        if (healthy) c.backoff = o_.first_backoff;
        std::string how = WIFEXITED(st) ? "exited with status " + std::to_string(WEXITSTATUS(st))
                                        : "was killed by signal " + std::to_string(WTERMSIG(st));
        append_line(c.log, name + " " + how + "; restarting in " + std::to_string(c.backoff.count()) + " ms");
        c.pid = 0;
        c.next_start = now + c.backoff;
        c.backoff = std::min(c.backoff * 2, o_.max_backoff);
        ++c.restarts;
      }
      if (c.pid == 0 && now >= c.next_start) {
        auto p = spawn(c);
        if (p) {
          c.pid = *p;
          c.started = now;
        } else {
          append_line(c.log, name + ": " + p.error().message());
          c.next_start = now + c.backoff;
          c.backoff = std::min(c.backoff * 2, o_.max_backoff);
        }
      }
    }
    cv_.wait_for(lk, o_.poll);
  }
}

}  // namespace v6k::eks::host
