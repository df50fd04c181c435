// A `v6k` subcommand as a child process of a test (`v6k control-plane`, `v6k agent`):
// stdout and stderr to a log file, stopped by signal and reaped. Header-only.
//
//   ChildProcess cp({built("cmd/v6k"), "control-plane", "--data-dir", dir, "--port", "0"}, dir + "/cp.log");
//   cp.start();
//   cp.wait_for_log("kubeconfig:", 20s);
//   cp.stop(SIGTERM);
#pragma once

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace v6k::testing {

class ChildProcess {
 public:
  ChildProcess(std::vector<std::string> argv, std::string log) : argv_(std::move(argv)), log_(std::move(log)) {}
  ~ChildProcess() { stop(SIGKILL); }
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  void start() {
    std::remove(log_.c_str());
    pid_ = ::fork();
    if (pid_ == 0) {
      if (std::freopen(log_.c_str(), "w", stdout)) ::dup2(::fileno(stdout), 2);
      std::vector<char*> args;
      for (auto& a : argv_) args.push_back(a.data());
      args.push_back(nullptr);
      ::execv(args[0], args.data());
      ::_exit(127);
    }
  }
  bool running() const { return pid_ > 0; }
  void stop(int sig) {
    if (pid_ <= 0) return;
    ::kill(pid_, sig);
    int st = 0;
    ::waitpid(pid_, &st, 0);
    pid_ = -1;
  }
  std::string log() const {
    std::ifstream in(log_);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  bool wait_for_log(const std::string& text, std::chrono::milliseconds limit) const {
    auto end = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < end) {
      if (log().find(text) != std::string::npos) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return log().find(text) != std::string::npos;
  }

 private:
  std::vector<std::string> argv_;
  std::string log_;
  pid_t pid_ = -1;
};

}  // namespace v6k::testing
