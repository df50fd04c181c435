// The pod-side work of a CNI ADD — veth created with its peer directly in the pod netns,
// both ends up, pod /128 (nodad) + 169.254.172.x/22, three pod routes, two permanent
// neighbours, one node /128 route — through our Rtnl, against the same through
// `ip -batch` (the named peer: what a shell-based plugin would run). Prints the ratio.
// Needs root; everything happens in two namespaces the benchmark creates and removes.
#include <benchmark/benchmark.h>
#include <linux/if_addr.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "netlink/netns.h"
#include "netlink/rtnl.h"

namespace v6k::netlink {
namespace {

addr::IpAddress ip(const char* t) { return addr::parse_ip(t).value(); }
addr::IpInterface iface(const char* t) { return addr::IpInterface::parse(t).value(); }
const Mac kHostMac{{0x02, 0x76, 0x36, 0x6b, 0, 1}};

struct World {
  std::string node_name = "v6kb-node-" + std::to_string(::getpid());
  std::string pod_name = "v6kb-pod-" + std::to_string(::getpid());
  std::optional<NetNs> node, pod;
  World() {
    auto n = NetNs::create(node_name);
    auto p = NetNs::create(pod_name);
    if (n && p) node.emplace(std::move(*n)), pod.emplace(std::move(*p));
  }
  ~World() {
    (void)NetNs::remove(node_name);
    (void)NetNs::remove(pod_name);
  }
};

World& world() {
  static World w;
  return w;
}

double g_rtnl_ns = 0, g_ip_ns = 0;

Result<> add_pod(Rtnl& node, Rtnl& pod, const NetNs& pod_ns, bool batch) {
  V6K_TRY(node.create_veth({.name = "v6kb0", .peer_name = "eth0", .peer_netns_fd = pod_ns.fd(),
                            .mtu = 9001, .mac = kHostMac}),
          "veth");
  auto host = node.get_link("v6kb0");
  auto eth0 = pod.get_link("eth0");
  if (!host || !eth0) return fail_invalid("links missing");
  if (batch) pod.begin_batch();
  V6K_TRY(pod.set_link_up(eth0->index), "");
  V6K_TRY(pod.add_address(eth0->index, iface("2001:db8:0:1:3::5/128"), IFA_F_NODAD), "");
  V6K_TRY(pod.add_address(eth0->index, iface("169.254.172.5/22")), "");
  V6K_TRY(pod.add_route({.dst = ip("fe80::1"), .dst_len = 128, .ifindex = eth0->index,
                         .scope = RT_SCOPE_LINK}), "");
  V6K_TRY(pod.add_route({.gateway = ip("fe80::1"), .ifindex = eth0->index}), "");
  V6K_TRY(pod.add_route({.gateway = ip("169.254.172.1"), .ifindex = eth0->index, .onlink = true}), "");
  V6K_TRY(pod.add_neighbour({.ifindex = eth0->index, .ip = ip("fe80::1"), .mac = kHostMac}), "");
  V6K_TRY(pod.add_neighbour({.ifindex = eth0->index, .ip = ip("169.254.172.1"), .mac = kHostMac}), "");
  if (batch) V6K_TRY(pod.commit_batch(), "");
  V6K_TRY(node.set_link_up(host->index), "");
  V6K_TRY(node.add_route({.dst = ip("2001:db8:0:1:3::5"), .dst_len = 128, .ifindex = host->index,
                          .scope = RT_SCOPE_LINK}), "");
  return {};
}

void run_rtnl(benchmark::State& state, bool batch) {
  World& w = world();
  if (!w.node) return state.SkipWithError("cannot create namespaces (root needed)");
  auto node = Rtnl::open_in(*w.node);
  auto pod = Rtnl::open_in(*w.pod);
  if (!node || !pod) return state.SkipWithError("rtnl open failed");
  for (auto _ : state) {
    auto r = add_pod(*node, *pod, *w.pod, batch);
    if (!r) return state.SkipWithError(r.error().message().c_str());
    state.PauseTiming();
    (void)node->delete_link("v6kb0");
    state.ResumeTiming();
  }
}

void BM_PodAdd_Rtnl(benchmark::State& state) { run_rtnl(state, false); }
void BM_PodAdd_RtnlBatch(benchmark::State& state) { run_rtnl(state, true); }

void BM_PodAdd_IpBatch(benchmark::State& state) {
  World& w = world();
  if (!w.node) return state.SkipWithError("cannot create namespaces (root needed)");
  const std::string node_cmds =
      "link add v6kb0 mtu 9001 address 02:76:36:6b:00:01 type veth peer name eth0 mtu 9001 netns " +
      w.pod_name + "\nlink set v6kb0 up\nroute add 2001:db8:0:1:3::5/128 dev v6kb0 scope link\n";
  const std::string pod_cmds =
      "link set eth0 up\n"
      "addr add 2001:db8:0:1:3::5/128 dev eth0 nodad\n"
      "addr add 169.254.172.5/22 dev eth0\n"
      "route add fe80::1/128 dev eth0 scope link\n"
      "route add default via fe80::1 dev eth0\n"
      "route add default via 169.254.172.1 dev eth0 onlink\n"
      "neigh add fe80::1 lladdr 02:76:36:6b:00:01 dev eth0 nud permanent\n"
      "neigh add 169.254.172.1 lladdr 02:76:36:6b:00:01 dev eth0 nud permanent\n";
  auto run = [](const std::string& ns, const std::string& cmds) {
    std::string argv = "ip -n " + ns + " -batch -";
    FILE* p = ::popen(argv.c_str(), "w");
    if (!p) return false;
    std::fwrite(cmds.data(), 1, cmds.size(), p);
    return ::pclose(p) == 0;
  };
  auto node = Rtnl::open_in(*w.node);
  if (!node) return state.SkipWithError("rtnl open failed");
  for (auto _ : state) {
    if (!run(w.node_name, node_cmds) || !run(w.pod_name, pod_cmds))
      return state.SkipWithError("ip -batch failed");
    state.PauseTiming();
    (void)node->delete_link("v6kb0");
    state.ResumeTiming();
  }
}

BENCHMARK(BM_PodAdd_Rtnl)->Unit(benchmark::kMicrosecond)->MinTime(1.0);
BENCHMARK(BM_PodAdd_RtnlBatch)->Unit(benchmark::kMicrosecond)->MinTime(1.0);
BENCHMARK(BM_PodAdd_IpBatch)->Unit(benchmark::kMicrosecond)->MinTime(1.0);

// Console output plus a closing line with the speed-up over `ip -batch`.
class RatioReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const auto& r : runs) {
      if (r.error_occurred) continue;
      double per = r.GetAdjustedRealTime();
      const std::string& fn = r.run_name.function_name;
      if (fn == "BM_PodAdd_Rtnl") g_rtnl_ns = per;
      if (fn == "BM_PodAdd_RtnlBatch") batch_ = per;
      if (fn == "BM_PodAdd_IpBatch") g_ip_ns = per;
    }
  }
  void Finalize() override {
    ConsoleReporter::Finalize();
    if (g_rtnl_ns > 0 && g_ip_ns > 0)
      std::printf("ip -batch / Rtnl = %.1fx   ip -batch / Rtnl(batched) = %.1fx\n",
                  g_ip_ns / g_rtnl_ns, batch_ > 0 ? g_ip_ns / batch_ : 0.0);
  }

 private:
  double batch_ = 0;
};

}  // namespace
}  // namespace v6k::netlink

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  v6k::netlink::RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  return 0;
}
