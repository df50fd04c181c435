// Running programs from tests: with extra environment and stdin, optionally inside a
// network namespace, capturing stdout and stderr.
#pragma once

#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

namespace v6k::testing {

struct ExecResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs argv with extra environment and stdin; waits; captures stdout and stderr.
ExecResult run_command(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
                       const std::string& stdin_text);

// The same, exec'd inside the network namespace at ns_path ("" = this one). With
// wait_for_exit=false it returns right after writing stdin (for kill tests; pid in *child_pid).
ExecResult run_in_netns(const std::string& ns_path, const std::vector<std::string>& argv,
                        const std::map<std::string, std::string>& env, const std::string& stdin_text,
                        pid_t* child_pid = nullptr, bool wait_for_exit = true);

// Path of a binary built in this build tree (V6K_BUILD_DIR), e.g. "cmd/v6k-cni".
std::string built(const std::string& rel);

}  // namespace v6k::testing
