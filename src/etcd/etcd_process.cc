#include "etcd/etcd_process.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>
#include <vector>

namespace v6k::etcd {

namespace {

using namespace std::chrono_literals;

// A port the kernel just handed out on 127.0.0.1. Another process could take it before
// etcd binds it; start() retries with new ports when etcd exits early.
Result<uint16_t> free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return fail_errno("socket");
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    int err = errno;
    ::close(fd);
    return fail_errno("binding a free loopback port", err);
  }
  ::close(fd);
  return ntohs(a.sin_port);
}

void stop(pid_t pid) {
  ::kill(pid, SIGTERM);
  for (auto deadline = std::chrono::steady_clock::now() + 5s;
       std::chrono::steady_clock::now() < deadline; std::this_thread::sleep_for(10ms)) {
    if (::waitpid(pid, nullptr, WNOHANG) == pid) return;
  }
  ::kill(pid, SIGKILL);
  ::waitpid(pid, nullptr, 0);
}

}  // namespace

Result<std::unique_ptr<EtcdProcess>> EtcdProcess::start(const std::string& data_dir,
                                                        const std::string& binary) {
  if (::access(binary.c_str(), X_OK) != 0) return fail_errno("etcd binary " + binary);
  Error last = Error::make(EIO, "no attempt");
  for (int attempt = 0; attempt < 3; ++attempt) {
    auto client = free_port();
    auto peer = free_port();
    if (!client) return fail(std::move(client.error()));
    if (!peer) return fail(std::move(peer.error()));
    const std::string curl = "http://127.0.0.1:" + std::to_string(*client);
    const std::string purl = "http://127.0.0.1:" + std::to_string(*peer);
    std::vector<std::string> args = {
        binary, "--name", "v6k", "--data-dir", data_dir,
        "--listen-client-urls", curl, "--advertise-client-urls", curl,
        "--listen-peer-urls", purl, "--initial-advertise-peer-urls", purl,
        "--initial-cluster", "v6k=" + purl, "--logger", "zap", "--log-outputs", "stderr",
        "--log-level", "error"};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    const std::string log = data_dir + ".log";
    int log_fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (log_fd < 0) return fail_errno("opening " + log);
    pid_t parent = ::getpid();
    pid_t pid = ::fork();
    if (pid < 0) {
      ::close(log_fd);
      return fail_errno("fork");
    }
    if (pid == 0) {  // only async-signal-safe calls until exec
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != parent) ::_exit(1);
      int devnull = ::open("/dev/null", O_RDONLY);
      if (devnull >= 0) ::dup2(devnull, 0);
      ::dup2(log_fd, 1);
      ::dup2(log_fd, 2);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    ::close(log_fd);
    EtcdOptions opts;
    opts.port = *client;
    opts.timeout = 1000ms;
    for (auto deadline = std::chrono::steady_clock::now() + 20s;;) {
      int status = 0;
      if (::waitpid(pid, &status, WNOHANG) == pid) {
        last = Error::make(ECHILD, "etcd exited during startup (status " + std::to_string(status) +
                                       "; see " + log + ")");
        break;
      }
      auto s = open_etcd(opts);
      if (s) {
        opts.timeout = EtcdOptions{}.timeout;
        return std::unique_ptr<EtcdProcess>(new EtcdProcess(pid, opts));
      }
      last = std::move(s.error());
      if (std::chrono::steady_clock::now() > deadline) {
        stop(pid);
        return fail(std::move(last).wrap("etcd did not answer within 20 s"));
      }
      std::this_thread::sleep_for(20ms);
    }
  }
  return fail(std::move(last).wrap("starting " + binary));
}

EtcdProcess::~EtcdProcess() { stop(pid_); }

}  // namespace v6k::etcd
