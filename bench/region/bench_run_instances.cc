// bench_run_instances: RunInstances -> the instance answers TCP over IPv6, per instance,
// through everything the daemon does (EC2 API, store commit, realizer, fabric apply), with
// 0..N instances and again around 1,000 (issue target: <= 50 ms per instance). The `ip`
// floor for the same namespace + veth work is measured in the same `make bench` run by
// fabric_bench; this prints its own `ip netns add` + `ip -batch` floor too, for the ratio.
// Needs root; namespaces "v6kr<pid>-…" are removed at the end, also on failure.
//
//   bench_run_instances [N=50] [BIG=1000]
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "aws/query.h"
#include "common/unique_fd.h"
#include "ec2/api.h"
#include "fabric/fabric.h"
#include "netlink/netns.h"
#include "region/realizer.h"
#include "store/store.h"

extern char** environ;

namespace {

using Clock = std::chrono::steady_clock;
using namespace v6k;

double ms_since(Clock::time_point t0) { return std::chrono::duration<double, std::milli>(Clock::now() - t0).count(); }

struct Stats {
  double p50, p99;
};
Stats stats(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return {v[v.size() / 2], v[std::min(v.size() - 1, v.size() * 99 / 100)]};
}

std::string between(const std::string& s, const std::string& open, const std::string& close) {
  auto a = s.find(open);
  if (a == std::string::npos) return "";
  a += open.size();
  return s.substr(a, s.find(close, a) - a);
}

// A listening socket inside the instance, then a connect from the prober instance to it.
bool reachable(const std::string& inst_ns, const std::string& router_ns, const std::string& v6) {
  UniqueFd server, client;
  sockaddr_in6 a{};
  a.sin6_family = AF_INET6;
  a.sin6_port = htons(9);
  {
    auto ns = netlink::NetNs::open_named(inst_ns);
    if (!ns) return false;
    auto scope = netlink::NetNsScope::enter(*ns);
    if (!scope) return false;
    server.reset(::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (::bind(server.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(server.get(), 1) != 0)
      return false;
  }
  {
    auto ns = netlink::NetNs::open_named(router_ns);
    if (!ns) return false;
    auto scope = netlink::NetNsScope::enter(*ns);
    if (!scope) return false;
    client.reset(::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  }
  ::inet_pton(AF_INET6, v6.c_str(), &a.sin6_addr);
  if (::connect(client.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 && errno != EINPROGRESS) return false;
  pollfd p{client.get(), POLLOUT, 0};
  if (::poll(&p, 1, 3000) != 1) return false;
  int err = 0;
  socklen_t len = sizeof err;
  ::getsockopt(client.get(), SOL_SOCKET, SO_ERROR, &err, &len);
  return err == 0;
}

bool run(std::vector<std::string> argv, const std::string& input = "") {
  int fds[2];
  if (::pipe(fds) != 0) return false;
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, fds[0], 0);
  posix_spawn_file_actions_addclose(&fa, fds[1]);
  std::vector<char*> a;
  for (auto& s : argv) a.push_back(s.data());
  a.push_back(nullptr);
  pid_t pid;
  int rc = posix_spawn(&pid, a[0], &fa, nullptr, a.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  ::close(fds[0]);
  if (rc != 0) return ::close(fds[1]), false;
  (void)!::write(fds[1], input.data(), input.size());
  ::close(fds[1]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (::geteuid() != 0) return std::printf("bench_run_instances: needs root (network namespaces); skipped\n"), 0;
  const int n = argc > 1 ? std::atoi(argv[1]) : 50;
  const int big = argc > 2 ? std::atoi(argv[2]) : 1000;
  const std::string prefix = "v6kr" + std::to_string(::getpid()) + "-";
  auto dir = std::filesystem::temp_directory_path() / ("v6k-bench-run-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto store = store::open_sqlite((dir / "state.db").string());
  auto fab = fabric::Fabric::open({.ns_prefix = prefix});
  if (!store || !fab) return std::fprintf(stderr, "setup failed\n"), 1;
  struct Cleanup {
    fabric::Fabric& f;
    std::filesystem::path d;
    std::string floor_prefix;
    ~Cleanup() {
      (void)f.teardown();
      for (int i = 0; i < 1000; ++i) (void)netlink::NetNs::remove(floor_prefix + std::to_string(i));
      (void)netlink::NetNs::remove(floor_prefix + "router");
      std::filesystem::remove_all(d);
    }
  } cleanup{**fab, dir, prefix + "floor-"};
  region::Realizer realizer(**store, **fab);
  if (auto r = realizer.sync_all(); !r) return std::fprintf(stderr, "%s\n", r.error().message().c_str()), 1;
  ec2::Ec2Api api(**store, ec2::RegionConfig::defaults());
  api.on_change([&](const std::vector<std::string>& vpcs) {
    for (const auto& v : vpcs)
      if (auto r = realizer.sync_vpc(v); !r) std::fprintf(stderr, "realize: %s\n", r.error().message().c_str());
  });
  auto call = [&](const std::string& body) {
    auto q = aws::parse_query(body + "&Version=2016-11-15");
    auto r = api.handle(*q, "bench");
    if (r.status != 200) std::fprintf(stderr, "%s -> %s\n", body.c_str(), r.body.c_str()), std::exit(1);
    return r.body;
  };
  std::string vpc = between(call("Action=CreateVpc&CidrBlock=10.0.0.0/16&AmazonProvidedIpv6CidrBlock=true"), "<vpcId>", "</vpcId>");
  std::string v6 = between(call("Action=DescribeVpcs&VpcId.1=" + vpc), "<ipv6CidrBlock>", "</ipv6CidrBlock>");
  std::string subnet = between(call("Action=CreateSubnet&VpcId=" + vpc + "&CidrBlock=10.0.0.0/20&Ipv6CidrBlock=" +
                                    aws::form_encode(v6.substr(0, v6.find("::")) + "::/64")),
                               "<subnetId>", "</subnetId>");
  call("Action=ModifySubnetAttribute&SubnetId=" + subnet + "&AssignIpv6AddressOnCreation.Value=true");
  // Reachability is checked the way users see it: from another instance of the VPC (the
  // default security group admits its own members).
  std::string prober;

  auto launch = [&](std::vector<double>* out) {
    auto t0 = Clock::now();
    std::string body = call("Action=RunInstances&ImageId=ami-0abcdef1234567890&MinCount=1&MaxCount=1&SubnetId=" + subnet);
    std::string id = between(body, "<instanceId>", "</instanceId>");
    std::string addr = between(body, "<ipv6Address>", "</ipv6Address>");
    if (prober.empty()) prober = prefix + id;
    bool ok = reachable(prefix + id, prober, addr);
    if (out) out->push_back(ms_since(t0));
    if (out && out->back() > 200 && std::getenv("V6K_BENCH_VERBOSE"))
      std::fprintf(stderr, "slow: launch %zu took %.1f ms\n", out->size(), out->back());
    if (!ok) std::fprintf(stderr, "instance %s (%s) not reachable\n", id.c_str(), addr.c_str()), std::exit(1);
  };
  std::vector<double> small, large;
  launch(nullptr);  // the prober (reaches itself)
  for (int i = 0; i < n; ++i) launch(&small);
  for (int i = n; i < big; ++i) launch(nullptr);
  for (int i = 0; i < 20; ++i) launch(&large);

  // The floor: the same per-instance namespace + veth + address + route work via iproute2.
  const std::string fr = prefix + "floor-router";
  run({"/usr/sbin/ip", "netns", "add", fr});
  std::vector<double> floor;
  for (int i = 0; i < n; ++i) {
    std::string inst = prefix + "floor-" + std::to_string(i);
    char v6a[64], v4a[32];
    std::snprintf(v6a, sizeof v6a, "2001:db8:0:1::%x", i + 16);
    std::snprintf(v4a, sizeof v4a, "10.0.%d.%d", 16 + i / 200, 10 + i % 200);
    auto t0 = Clock::now();
    bool ok = run({"/usr/sbin/ip", "netns", "add", inst}) &&
              run({"/usr/sbin/ip", "-n", fr, "-batch", "-"},
                  "link add e" + std::to_string(i) + " type veth peer name eth0 netns " + inst + "\n" +
                      "link set e" + std::to_string(i) + " up\n" + "route add " + v6a + "/128 dev e" + std::to_string(i) +
                      "\n" + "route add " + v4a + "/32 dev e" + std::to_string(i) + "\n") &&
              run({"/usr/sbin/ip", "-n", inst, "-batch", "-"},
                  std::string("link set lo up\nlink set eth0 up\naddr add ") + v6a + "/128 dev eth0 nodad\n" +
                      "addr add " + v4a + "/20 dev eth0\nroute add default via fe80::1 dev eth0\n");
    floor.push_back(ms_since(t0));
    if (!ok) return std::fprintf(stderr, "ip floor failed\n"), 1;
  }
  auto s = stats(small), l = stats(large), f = stats(floor);
  std::printf("RunInstances -> reachable over IPv6 (EC2 API + store + realizer + fabric), per instance:\n");
  std::printf("  instances 1..%d:        p50 %6.2f ms  p99 %6.2f ms\n", n, s.p50, s.p99);
  std::printf("  instances %d..%d:   p50 %6.2f ms  p99 %6.2f ms\n", big + 1, big + 20, l.p50, l.p99);
  std::printf("  ip netns add + ip -batch floor (kernel work only): p50 %6.2f ms\n", f.p50);
  std::printf("  ours / floor at p50: %.2fx (small), %.2fx (at %d); target <= 50 ms: %s\n", s.p50 / f.p50, l.p50 / f.p50,
              big, std::max(s.p99, l.p99) <= 50 ? "met" : "NOT met");
  return 0;
}
