// What one RunInstances costs the fabric: apply() of a VPC that grows by one instance,
// 100 times, against the `ip` floor doing the same namespace + veth + address + route +
// neighbour work (`ip netns add` and one `ip -n … -batch -` per side), in the same run.
// Then the VPC grows to 1000 ENIs and the 1001st… instances are measured again, plus the
// one-shot costs around that size (bulk create, restart convergence, a termination).
// Needs root; everything lives in namespaces "v6kb<pid>-…", removed at the end.
//
//   fabric_bench [N=100] [BIG=1000]
#include <linux/if_addr.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <vector>

#include "fabric/fabric.h"
#include "netlink/netns.h"

extern char** environ;

namespace {

using namespace v6k;
using namespace v6k::fabric;
using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

struct Stats {
  double median = 0, p99 = 0, mean = 0;
};
Stats stats(std::vector<double> v) {
  Stats s;
  if (v.empty()) return s;
  std::sort(v.begin(), v.end());
  s.median = v[v.size() / 2];
  s.p99 = v[std::min(v.size() - 1, static_cast<size_t>(v.size() * 0.99))];
  for (double x : v) s.mean += x;
  s.mean /= static_cast<double>(v.size());
  return s;
}

std::string hex(int i, int width) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%0*x", width, i);
  return buf;
}

// Instance i: 10.0.<i/240>.<i%240+10>/20, 2001:db8:0:1::<i>/128, delegated /80, MAC 02:…<i>.
struct Addrs {
  std::string v4, v6, prefix, mac, router_mac;
};
Addrs addrs(int i) {
  Addrs a;
  a.v4 = "10.0." + std::to_string(i / 240) + "." + std::to_string(i % 240 + 10);
  a.v6 = "2001:db8:0:1::" + hex(i + 0x100, 1);
  a.prefix = "2001:db8:0:1:" + hex(i + 1, 1) + "::/80";
  a.mac = "02:00:00:00:" + hex(i >> 8 & 0xff, 2) + ":" + hex(i & 0xff, 2);
  a.router_mac = "0a:00:00:00:" + hex(i >> 8 & 0xff, 2) + ":" + hex(i & 0xff, 2);
  return a;
}

Eni make_eni(int i) {
  Addrs a = addrs(i);
  Eni e;
  e.id = "eni-" + hex(i, 5) + "b00000000000";  // interface names use the first 12
  e.instance_id = "i-" + hex(i, 5) + "b00000000000";
  e.subnet_id = "subnet-bench";
  e.mac = a.mac;
  e.ipv4 = addr::Ipv4Address::parse(a.v4).value();
  e.ipv6 = {addr::Ipv6Address::parse(a.v6).value()};
  e.ipv6_prefixes = {addr::Ipv6Prefix::parse(a.prefix).value()};
  if (i < 200) e.public_ipv4 = addr::Ipv4Address(0xc6336400U + static_cast<uint32_t>(i) + 1);  // 198.51.100.x
  e.security_groups = {"sg-bench"};
  return e;
}

Vpc base_vpc() {
  Vpc v;
  v.id = "vpc-0be0c000000000001";
  v.ipv4 = addr::Ipv4Prefix::parse("10.0.0.0/16").value();
  v.ipv6 = addr::Ipv6Prefix::parse("2001:db8::/56").value();
  v.internet_gateway = true;
  Subnet s{"subnet-bench", addr::Ipv4Prefix::parse("10.0.0.0/20").value(),
           addr::Ipv6Prefix::parse("2001:db8:0:1::/64").value(), {}};
  s.routes.push_back({addr::Ipv6Prefix::parse("::/0").value(), Target::kInternetGateway});
  s.routes.push_back({addr::Ipv4Prefix::parse("0.0.0.0/0").value(), Target::kInternetGateway});
  v.subnets = {s};
  SecurityGroup g{"sg-bench", {}, {}};
  SgRule web{"tcp", 80, 80};
  web.v6 = addr::Ipv6Prefix::parse("::/0").value();
  SgRule self{"-1", -1, -1};
  self.group_id = "sg-bench";
  SgRule out{"-1", -1, -1};
  out.v6 = addr::Ipv6Prefix::parse("::/0").value();
  g.ingress = {web, self};
  g.egress = {out};
  v.security_groups = {g};
  return v;
}

// Runs argv, feeding `input` on stdin; true when it exits 0.
bool run(const std::vector<std::string>& argv, const std::string& input = "") {
  int fds[2];
  if (::pipe(fds) != 0) return false;
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, fds[0], 0);
  posix_spawn_file_actions_addclose(&fa, fds[1]);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid;
  int rc = ::posix_spawn(&pid, args[0], &fa, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  ::close(fds[0]);
  if (rc != 0) {
    ::close(fds[1]);
    return false;
  }
  if (!input.empty() && ::write(fds[1], input.data(), input.size()) != static_cast<ssize_t>(input.size())) {
    ::close(fds[1]);
    ::waitpid(pid, nullptr, 0);
    return false;
  }
  ::close(fds[1]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

// The same per-instance kernel work through iproute2: the floor a shell-based fabric pays.
bool ip_floor_instance(const std::string& router_ns, const std::string& inst_ns, int i) {
  Addrs a = addrs(i);
  std::string link = "eni" + hex(i, 12);
  std::string r =
      "link add " + link + " mtu 9001 address " + a.router_mac + " type veth peer name eth0 mtu 9001 address " +
      a.mac + " netns " + inst_ns + "\n" + "link set " + link + " up\n" + "addr add fe80::1/64 dev " + link +
      " nodad\n" + "addr add 10.0.0.1/32 dev " + link + "\n" + "neigh replace " + a.v4 + " lladdr " + a.mac +
      " dev " + link + " nud permanent\n" + "neigh replace " + a.v6 + " lladdr " + a.mac + " dev " + link +
      " nud permanent\n" + "route replace " + a.v4 + "/32 dev " + link + " scope link\n" + "route replace " + a.v6 +
      "/128 dev " + link + "\n" + "route replace " + a.prefix + " via " + a.v6 + " dev " + link + " onlink\n";
  std::string n = "link set eth0 up\naddr add " + a.v6 + "/128 dev eth0 nodad\naddr add " + a.v4 +
                  "/20 dev eth0\nroute replace default via fe80::1 dev eth0\n"
                  "route replace default via 10.0.0.1 dev eth0 onlink\nneigh replace fe80::1 lladdr " +
                  a.router_mac + " dev eth0 nud permanent\nneigh replace 10.0.0.1 lladdr " + a.router_mac +
                  " dev eth0 nud permanent\n";
  return run({"/usr/sbin/ip", "netns", "add", inst_ns}) && run({"/usr/sbin/ip", "-n", router_ns, "-batch", "-"}, r) &&
         run({"/usr/sbin/ip", "-n", inst_ns, "-batch", "-"}, n);
}

struct Cleanup {
  std::unique_ptr<Fabric>* fabric;
  std::vector<std::string> extra;
  ~Cleanup() {
    if (*fabric) (void)(*fabric)->teardown();
    for (const auto& n : extra) (void)netlink::NetNs::remove(n);
  }
};

}  // namespace

namespace {

int bench(int n, int big) {
  const std::string prefix = "v6kb" + std::to_string(::getpid()) + "-";
  auto opened = Fabric::open({.ns_prefix = prefix});
  if (!opened) return std::fprintf(stderr, "%s\n", opened.error().message().c_str()), 1;
  std::unique_ptr<Fabric> f = std::move(*opened);
  Cleanup cleanup{&f, {}};
  auto check = [](const Result<>& r, const char* what) {
    if (!r) throw std::runtime_error(std::string(what) + ": " + r.error().message());
  };
  check(f->ensure_internet(), "ensure_internet");

  // 1. apply() of a VPC growing by one instance, n times.
  Vpc vpc = base_vpc();
  check(f->apply(vpc), "empty VPC");
  std::vector<double> ours;
  for (int i = 0; i < n; ++i) {
    vpc.enis.push_back(make_eni(i));
    auto t0 = Clock::now();
    check(f->apply(vpc), "apply");
    ours.push_back(ms_since(t0));
  }

  // 2. The ip floor: the same kernel work per instance through iproute2.
  const std::string floor_router = prefix + "floor-router";
  cleanup.extra.push_back(floor_router);
  if (!run({"/usr/sbin/ip", "netns", "add", floor_router})) return std::fprintf(stderr, "ip netns add failed\n"), 1;
  std::vector<double> floor;
  for (int i = 0; i < n; ++i) {
    std::string inst = prefix + "floor-" + std::to_string(i);
    cleanup.extra.push_back(inst);
    auto t0 = Clock::now();
    if (!ip_floor_instance(floor_router, inst, i)) return std::fprintf(stderr, "ip floor failed at %d\n", i), 1;
    floor.push_back(ms_since(t0));
  }
  Stats so = stats(ours), sf = stats(floor);
  std::printf("per-instance apply (VPC growing 1..%d): median %.2f ms  p99 %.2f ms  mean %.2f ms\n", n, so.median,
              so.p99, so.mean);
  std::printf("ip floor (ip netns add + 2x ip -batch):  median %.2f ms  p99 %.2f ms  mean %.2f ms\n", sf.median,
              sf.p99, sf.mean);
  std::printf("ratio floor/apply (median): %.2fx   (>1: apply is faster than the ip floor)\n", sf.median / so.median);
  for (size_t i = 0; i < static_cast<size_t>(n); ++i) (void)netlink::NetNs::remove(prefix + "floor-" + std::to_string(i));
  (void)netlink::NetNs::remove(floor_router);

  if (big <= n) return 0;
  // 3. Grow to `big` ENIs in one apply, then the incremental cost of the next ones.
  for (int i = n; i < big; ++i) vpc.enis.push_back(make_eni(i));
  auto t0 = Clock::now();
  check(f->apply(vpc), "bulk apply");
  double bulk = ms_since(t0);
  t0 = Clock::now();
  check(f->apply(vpc), "no-op apply");
  double noop = ms_since(t0);
  std::vector<double> next;
  for (int i = big; i < big + 20; ++i) {
    vpc.enis.push_back(make_eni(i));
    t0 = Clock::now();
    check(f->apply(vpc), "apply at size");
    next.push_back(ms_since(t0));
  }
  Stats sn = stats(next);
  std::printf("bulk apply %d -> %d ENIs: %.0f ms (%.2f ms per instance)\n", n, big, bulk, bulk / (big - n));
  std::printf("no-op apply with %d ENIs: %.2f ms\n", big, noop);
  std::printf("apply of the %d..%dth instance: median %.2f ms  p99 %.2f ms   (vs %.2f ms at 1..%d)\n", big + 1,
              big + 20, sn.median, sn.p99, so.median, n);

  // 4. One termination, and a restarted daemon converging everything.
  vpc.enis.pop_back();
  t0 = Clock::now();
  check(f->apply(vpc), "terminate one");
  double term = ms_since(t0);
  auto second = Fabric::open({.ns_prefix = prefix});
  t0 = Clock::now();
  check((*second)->apply(vpc), "restart convergence");
  double restart = ms_since(t0);
  std::printf("terminating one instance at %zu ENIs: %.2f ms\n", vpc.enis.size(), term);
  std::printf("restarted fabric converging %zu existing ENIs: %.0f ms (%.2f ms per instance)\n", vpc.enis.size(),
              restart, restart / static_cast<double>(vpc.enis.size()));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const int n = argc > 1 ? std::atoi(argv[1]) : 100;
  const int big = argc > 2 ? std::atoi(argv[2]) : 1000;
  if (::geteuid() != 0) {
    std::printf("fabric_bench: needs root (network namespaces); skipped\n");
    return 0;
  }
  try {
    return bench(n, big);  // its Cleanup removes every namespace, also on failure
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fabric_bench: %s\n", e.what());
    return 1;
  }
}
