// Keeps named child processes running, as the region daemon does for node agents: each
// child is started with its output appended to a log file, restarted with exponential
// back-off (1 s doubling to 30 s, reset after 60 s of good running) when it exits, and
// stopped with SIGTERM, then SIGKILL after a grace period. Children get PR_SET_PDEATHSIG
// SIGTERM: when the daemon dies, so do its agents (the pods they run do not: their shims
// outlive agents, and the next daemon's agents adopt them).
//
//   Supervisor sup;
//   sup.run("i-0abc", {"/usr/lib/v6k/v6k", "agent", "--node", "i-0abc", ...}, "/var/lib/v6k/agents/i-0abc/agent.log");
//   sup.running("i-0abc");   // true while a process is up
//   sup.stop("i-0abc");      // SIGTERM, wait up to 10 s, SIGKILL; no more restarts
//   // ~Supervisor stops every child.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/result.h"

namespace v6k::eks::host {

struct SupervisorOptions {
  std::chrono::milliseconds first_backoff{1000};
  std::chrono::milliseconds max_backoff{30000};
  std::chrono::milliseconds healthy_after{60000};  // running this long resets the back-off
  std::chrono::milliseconds grace{10000};          // SIGTERM → SIGKILL
  std::chrono::milliseconds poll{50};              // how often exits are noticed
};

class Supervisor {
 public:
  explicit Supervisor(SupervisorOptions o = {});
  ~Supervisor();
  Supervisor(const Supervisor&) = delete;
  Supervisor& operator=(const Supervisor&) = delete;

  // Starts `argv` under `name` (a no-op when that name already runs the same argv; a
  // different argv replaces the process). The first start's failure (no such binary) is
  // returned; later restarts log their failures to the log file.
  Result<> run(const std::string& name, std::vector<std::string> argv, const std::string& log_path);
  // Stops and forgets `name` (no-op when unknown).
  void stop(const std::string& name);
  void stop_all();
  bool running(const std::string& name) const;
  pid_t pid(const std::string& name) const;  // 0 when not running
  int restarts(const std::string& name) const;

 private:
  struct Child {
    std::vector<std::string> argv;
    std::string log;
    pid_t pid = 0;
    int restarts = 0;
    std::chrono::steady_clock::time_point started, next_start;
    std::chrono::milliseconds backoff{0};
  };
  Result<pid_t> spawn(const Child& c);
  void loop();
  void terminate(pid_t pid);

  SupervisorOptions o_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, Child> children_;
  bool quit_ = false;
  std::thread thread_;
};

}  // namespace v6k::eks::host
