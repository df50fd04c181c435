#include "floor.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "common/unique_fd.h"
#include "netlink/netns.h"
#include "support/netns_cleanup.h"

extern char** environ;

namespace v6k::bench_startup {
namespace {

using Clock = std::chrono::steady_clock;

// Runs `/usr/sbin/ip -batch -` with `script` on stdin, inside `ns` (entered by this thread
// for the spawn only); the time from spawn to exit in ms.
Result<double> ip_batch(const netlink::NetNs& ns, const std::string& script) {
  int in[2], err[2];
  if (::pipe2(in, O_CLOEXEC) != 0) return fail_errno("pipe");
  UniqueFd in_r(in[0]), in_w(in[1]);
  if (::pipe2(err, O_CLOEXEC) != 0) return fail_errno("pipe");
  UniqueFd err_r(err[0]), err_w(err[1]);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, in_r.get(), 0);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_adddup2(&fa, err_w.get(), 2);
  char* argv[] = {const_cast<char*>("/usr/sbin/ip"), const_cast<char*>("-batch"), const_cast<char*>("-"), nullptr};
  pid_t pid = -1;
  int rc;
  auto t0 = Clock::now();
  {
    auto scope = netlink::NetNsScope::enter(ns);
    if (!scope) {
      posix_spawn_file_actions_destroy(&fa);
      return fail(std::move(scope.error()));
    }
    rc = ::posix_spawn(&pid, argv[0], &fa, nullptr, argv, environ);
  }
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) return fail_errno("spawning ip -batch", rc);
  in_r.reset();
  err_w.reset();
  (void)!::write(in_w.get(), script.data(), script.size());  // a few hundred bytes: fits the pipe
  in_w.reset();
  std::string errors;
  char buf[1024];
  for (ssize_t n; (n = ::read(err_r.get(), buf, sizeof buf)) > 0;) errors.append(buf, static_cast<size_t>(n));
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    return fail_invalid("ip -batch failed (status " + std::to_string(status) + "): " + errors + "script:\n" + script);
  return ms;
}

std::string mac(int kind, int i) {
  char b[32];
  std::snprintf(b, sizeof b, "02:%02x:00:00:%02x:%02x", kind, (i >> 8) & 0xff, i & 0xff);
  return b;
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

Result<FloorResult> measure(const FloorOptions& o, const netlink::NetNs& node) {
  FloorResult r;
  std::vector<double> node_ms, pod_ms;
  auto t0 = Clock::now();
  for (int i = 0; i < o.pods; ++i) {
    const std::string pod = o.prefix + "floor-" + std::to_string(i);
    const std::string hv = "vh" + std::to_string(i), hmac = mac(0xaa, i), pmac = mac(0xbb, i);
    char a6[64];
    std::snprintf(a6, sizeof a6, "2001:db8:0:ff:f::%x", i + 2);
    const std::string mtu = std::to_string(o.mtu);
    const std::string node_side = "netns add " + pod + "\n" +
                                  "link add " + hv + " mtu " + mtu + " address " + hmac + " type veth peer name eth0 mtu " +
                                  mtu + " address " + pmac + " netns " + pod + "\n" +
                                  "link set " + hv + " up\n" +
                                  "neigh add " + a6 + " lladdr " + pmac + " dev " + hv + " nud permanent\n" +
                                  "route add " + a6 + "/128 dev " + hv + "\n";
    const std::string pod_side = std::string("link set lo up\n") +
                                 "addr add " + a6 + "/128 dev eth0 nodad\n" +
                                 "link set eth0 up\n" +
                                 "route add fe80::1/128 dev eth0\n" +
                                 "neigh add fe80::1 lladdr " + hmac + " dev eth0 nud permanent\n" +
                                 "route add default via fe80::1 dev eth0\n";
    auto t_pod = Clock::now();
    auto n = ip_batch(node, node_side);
    if (!n) return fail(std::move(n.error()).wrap("floor pod " + std::to_string(i) + ", node side"));
    auto pns = netlink::NetNs::open_named(pod);
    if (!pns) return fail(std::move(pns.error()).wrap("floor pod " + std::to_string(i)));
    auto p = ip_batch(*pns, pod_side);
    if (!p) return fail(std::move(p.error()).wrap("floor pod " + std::to_string(i) + ", pod side"));
    r.per_pod_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t_pod).count());
    node_ms.push_back(*n);
    pod_ms.push_back(*p);
  }
  r.total_ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
  std::sort(r.per_pod_ms.begin(), r.per_pod_ms.end());
  r.node_batch_ms = median(node_ms);
  r.pod_batch_ms = median(pod_ms);
  return r;
}

}  // namespace

Result<FloorResult> run_floor(const FloorOptions& o) {
  if (o.prefix.empty() || o.pods < 1) return fail_invalid("floor: a namespace prefix and pods >= 1 are needed");
  const std::string floor_prefix = o.prefix + "floor-";
  auto node = netlink::NetNs::create(floor_prefix + "node");
  if (!node) return fail(std::move(node.error()).wrap("floor"));
  auto r = measure(o, *node);
  testing::remove_namespaces_with_prefix(floor_prefix);  // the veths die with the pod namespaces
  return r;
}

}  // namespace v6k::bench_startup
