// Container start latency, against the kernel floor in the same run (needs root).
//
//   floor      fork + setns(pod netns) + execve(/bin/true), timed until execve succeeded
//   start      Runtime::start_container(busybox "sleep") until it returns (process running)
//   nginx      Runtime::start_container(nginx) until port 80 accepts from another netns
//
// Prints p50/p99 over N runs (default 20; argv[1] overrides) and the ratios to the floor.
#include <fcntl.h>
#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "lab.h"

using namespace v6k::node::runtime;
using Clock = std::chrono::steady_clock;

namespace {

double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

struct Stats {
  double p50 = 0, p99 = 0;
};

Stats stats(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  auto at = [&](double q) { return v[std::min(v.size() - 1, static_cast<size_t>(q * static_cast<double>(v.size())))]; };
  return {at(0.5), at(0.99)};
}

// fork + setns + exec of /bin/true; the close-on-exec pipe reports the moment execve succeeded.
double floor_once(const std::string& netns) {
  int ns = ::open(netns.c_str(), O_RDONLY | O_CLOEXEC);
  int p[2];
  if (ns < 0 || ::pipe2(p, O_CLOEXEC) < 0) return -1;
  auto t0 = Clock::now();
  pid_t pid = ::fork();
  if (pid == 0) {
    if (::setns(ns, CLONE_NEWNET) < 0) ::_exit(1);
    char* argv[] = {const_cast<char*>("/bin/true"), nullptr};
    ::execv("/bin/true", argv);
    ::_exit(127);
  }
  ::close(p[1]);
  char c;
  while (::read(p[0], &c, 1) > 0) {
  }
  double ms = ms_since(t0);
  ::close(p[0]);
  ::close(ns);
  ::waitpid(pid, nullptr, 0);
  return ms;
}

}  // namespace

int main(int argc, char** argv) {
  const int n = argc > 1 ? std::max(1, std::atoi(argv[1])) : 20;
  if (::geteuid() != 0) {
    std::fprintf(stderr, "bench_runtime: needs root (namespaces)\n");
    return 0;
  }
  testing::RuntimeLab lab("bench");
  if (!lab.ok()) {
    std::fprintf(stderr, "bench_runtime: lab setup failed: %s\n", lab.error().c_str());
    return 1;
  }
  auto sb = lab.rt().create_sandbox({.pod_uid = "bench", .pod_name = "bench-0", .pod_namespace = "default",
                                     .netns_path = lab.server_ns_path()});
  if (!sb) return 1;

  std::vector<double> floor_ms, start_ms, nginx_ms;
  for (int i = 0; i < n; ++i) floor_ms.push_back(floor_once(lab.server_ns_path()));
  for (int i = 0; i < n; ++i) {
    auto t0 = Clock::now();
    auto c = lab.rt().start_container(sb->id, {.name = "sleep", .image = "busybox", .command = {"sleep", "60"}},
                                      lab.log("sleep"));
    start_ms.push_back(ms_since(t0));
    if (!c) {
      std::fprintf(stderr, "start failed: %s\n", c.error().message().c_str());
      return 1;
    }
    (void)lab.rt().stop_container(c->id, std::chrono::milliseconds(0));
    (void)lab.rt().remove_container(c->id);
  }
  for (int i = 0; i < n; ++i) {
    auto t0 = Clock::now();
    auto c = lab.rt().start_container(sb->id, {.name = "nginx", .image = "nginx:1.25"}, lab.log("nginx"));
    if (!c || !testing::tcp_connects(lab.client_ns(), testing::kServerIp6, 80, 10000)) {
      std::fprintf(stderr, "nginx start failed\n");
      return 1;
    }
    nginx_ms.push_back(ms_since(t0));
    (void)lab.rt().stop_container(c->id, std::chrono::milliseconds(0));
    (void)lab.rt().remove_container(c->id);
  }
  Stats f = stats(floor_ms), s = stats(start_ms), g = stats(nginx_ms);
  std::printf("container start latency, %d runs each (ms)\n", n);
  std::printf("  %-44s p50 %7.2f  p99 %7.2f\n", "floor: fork+setns(netns)+exec /bin/true", f.p50, f.p99);
  std::printf("  %-44s p50 %7.2f  p99 %7.2f  (%.1fx floor p50)\n", "start_container -> process running", s.p50,
              s.p99, s.p50 / f.p50);
  std::printf("  %-44s p50 %7.2f  p99 %7.2f  (%.1fx floor p50)\n", "nginx: start_container -> [::]:80 accepting",
              g.p50, g.p99, g.p50 / f.p50);
  return 0;
}
