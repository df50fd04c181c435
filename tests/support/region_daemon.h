// A private region daemon for one test: `v6k serve` with its own state directory, a free
// loopback port and a unique namespace prefix, driven with the real /usr/bin/aws.
//
//   auto why = RegionDaemon::unavailable();      // not root / no aws CLI -> GTEST_SKIP() << *why
//   RegionDaemon d;                               // started
//   json vpc = d.aws_json({"ec2", "create-vpc", "--cidr-block", "10.0.0.0/16"});
//   ExecResult r = d.aws({"ec2", "delete-vpc", "--vpc-id", "vpc-0"});   // r.exit_code 254 on error
//   d.kill9(); d.start();                          // crash and restart
//   d.netns("i-0123…")                             // "<prefix>i-0123…", the instance's namespace
//
// The destructor stops the daemon, runs `v6k down --purge` (removing every namespace the
// fabric made) and removes any namespace still carrying the prefix, then the state dir.
#pragma once

#include <nlohmann/json.hpp>
#include <sys/types.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "support/proc.h"

namespace v6k::testing {

// The AWS error code the CLI printed for a failed call ("An error occurred (Code) when
// calling …" -> "Code"); "" when it did not fail that way.
std::string aws_error_code(const ExecResult& r);

class RegionDaemon {
 public:
  // Why the real-client tests cannot run here (no /usr/bin/aws, not root), or nullopt.
  static std::optional<std::string> unavailable();

  explicit RegionDaemon(bool start_now = true);
  ~RegionDaemon();
  RegionDaemon(const RegionDaemon&) = delete;
  RegionDaemon& operator=(const RegionDaemon&) = delete;

  void start();            // `v6k serve --state S --port P --ns-prefix X`, waits until it answers
  void stop(int signal);   // SIGTERM (clean) or SIGKILL (crash); waits for the process
  void kill9() { stop(9); }

  // /usr/bin/aws --endpoint-url http://localhost:P --output json <args>
  ExecResult aws(const std::vector<std::string>& args, const std::map<std::string, std::string>& extra_env = {});
  // The same, expecting success (EXPECT failure otherwise) and parsing stdout.
  nlohmann::json aws_json(const std::vector<std::string>& args);
  // The same with --output text (for the seed's --query ... --output text commands).
  std::string aws_text(const std::vector<std::string>& args);
  // `v6k <args> --state S` (e.g. {"ssh", "i-…", "--", "ip", "-6", "addr"}).
  ExecResult v6k(const std::vector<std::string>& args);

  const std::string& state_dir() const { return state_; }
  uint16_t port() const { return port_; }
  const std::string& ns_prefix() const { return ns_prefix_; }
  std::string netns(const std::string& name) const { return ns_prefix_ + name; }
  const std::map<std::string, std::string>& aws_env() const { return env_; }
  pid_t pid() const { return pid_; }

 private:
  std::string state_;
  std::string ns_prefix_;
  uint16_t port_ = 0;
  pid_t pid_ = -1;
  std::map<std::string, std::string> env_;
};

}  // namespace v6k::testing
