#include "support/region_daemon.h"

#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "netlink/netns.h"

namespace v6k::testing {
namespace {

uint16_t free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool answers(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(fd);
  return ok;
}

}  // namespace

std::string aws_error_code(const ExecResult& r) {
  static const std::string kMark = "An error occurred (";
  auto open = r.err.find(kMark);
  if (open == std::string::npos) return "";
  open += kMark.size();
  auto close = r.err.find(')', open);
  return close == std::string::npos ? "" : r.err.substr(open, close - open);
}

std::optional<std::string> RegionDaemon::unavailable() {
  if (::geteuid() != 0) return "needs root (network namespaces)";
  if (::access("/usr/bin/aws", X_OK) != 0) return "/usr/bin/aws (Debian awscli) is not installed";
  return std::nullopt;
}

RegionDaemon::RegionDaemon(bool start_now) {
  char tmpl[] = "/tmp/v6k-region-XXXXXX";
  if (::mkdtemp(tmpl) == nullptr) throw std::runtime_error("mkdtemp failed");
  state_ = tmpl;
  // Short and unique: netns names are free-form, but keep them readable in `ip netns`.
  ns_prefix_ = "v6kt" + std::to_string(::getpid() % 100000) + "-";
  port_ = free_port();
  if (start_now) start();
}

RegionDaemon::~RegionDaemon() {
  stop(SIGTERM);
  v6k({"down", "--purge"});
  // Whatever the daemon failed to remove (a test that crashed it mid-way) goes too.
  if (DIR* d = ::opendir("/run/netns")) {
    std::vector<std::string> left;
    while (dirent* e = ::readdir(d))
      if (std::string(e->d_name).rfind(ns_prefix_, 0) == 0) left.emplace_back(e->d_name);
    ::closedir(d);
    for (const auto& n : left) {
      ADD_FAILURE() << "namespace " << n << " was left behind by `v6k down`";
      (void)netlink::NetNs::remove(n);
    }
  }
  std::error_code ec;
  std::filesystem::remove_all(state_, ec);
}

void RegionDaemon::start() {
  std::string log = state_ + "/serve.log";
  pid_ = ::fork();
  if (pid_ == 0) {
    int out = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (out >= 0) {
      ::dup2(out, 1);
      ::dup2(out, 2);
    }
    std::string v6k_bin = built("cmd/v6k"), port = std::to_string(port_);
    ::execl(v6k_bin.c_str(), v6k_bin.c_str(), "serve", "--state", state_.c_str(), "--port", port.c_str(),
            "--ns-prefix", ns_prefix_.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  for (int i = 0; i < 400; ++i) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      FAIL() << "v6k serve exited: " << read_file(log);
    }
    if (std::filesystem::exists(state_ + "/credentials") && answers(port_)) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  auto creds = nlohmann::json::parse(read_file(state_ + "/credentials"), nullptr, false);
  ASSERT_TRUE(creds.is_object()) << "no credentials written; log: " << read_file(log);
  env_ = {{"AWS_ACCESS_KEY_ID", creds["access_key_id"]},
          {"AWS_SECRET_ACCESS_KEY", creds["secret_access_key"]},
          {"AWS_DEFAULT_REGION", "us-west-2"},
          {"AWS_CONFIG_FILE", state_ + "/aws-config"},
          {"AWS_SHARED_CREDENTIALS_FILE", state_ + "/aws-credentials"},
          {"AWS_PAGER", ""},
          {"HOME", state_}};
}

void RegionDaemon::stop(int signal) {
  if (pid_ <= 0) return;
  ::kill(pid_, signal);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
  if (signal == SIGKILL) std::filesystem::remove(state_ + "/v6k.pid");
}

ExecResult RegionDaemon::aws(const std::vector<std::string>& args, const std::map<std::string, std::string>& extra) {
  std::vector<std::string> argv = {"/usr/bin/aws", "--endpoint-url", "http://localhost:" + std::to_string(port_),
                                   "--output", "json"};
  argv.insert(argv.end(), args.begin(), args.end());
  auto env = env_;
  for (const auto& [k, v] : extra) env[k] = v;
  return run_command(argv, env, "");
}

nlohmann::json RegionDaemon::aws_json(const std::vector<std::string>& args) {
  ExecResult r = aws(args);
  std::string cmd;
  for (const auto& a : args) cmd += a + " ";
  EXPECT_EQ(r.exit_code, 0) << cmd << "\n" << r.err;
  if (r.out.empty()) return nlohmann::json::object();
  auto j = nlohmann::json::parse(r.out, nullptr, false);
  EXPECT_FALSE(j.is_discarded()) << cmd << "\n" << r.out;
  return j;
}

std::string RegionDaemon::aws_text(const std::vector<std::string>& args) {
  std::vector<std::string> a = args;
  a.push_back("--output");
  a.push_back("text");
  ExecResult r = aws(a);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return r.out;
}

ExecResult RegionDaemon::v6k(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {built("cmd/v6k")};
  // Global options go after the subcommand name (CLI11 subcommand options).
  argv.push_back(args.at(0));
  argv.push_back("--state");
  argv.push_back(state_);
  argv.insert(argv.end(), args.begin() + 1, args.end());
  return run_command(argv, {}, "");
}

}  // namespace v6k::testing
