// bench_pod_startup: pod startup latency of a 100-pod Deployment on two nodes (issue 6),
// against the kernel floor for the same network work in the same run. Needs root.
//
//   ours   a real control plane (API server, controllers, scheduler; its own process), two
//          nodes each with its own netns, v6k-cni conflist, runtime and PodManager (lab.h,
//          both agents in this process). Per pod: the time from the Deployment create call
//          to the first time a watch shows it Running with a podIP; p50 / p99 / max, the
//          same from the pod's own ADDED event, the phases in between, and pods/s =
//          replicas / time until the last one. Plus the CPU it all took.
//   direct the same pods created straight through the API by 4 client threads (no
//          ReplicaSet controller): the peer that shows what the controller's serial
//          creates cost (--no-direct skips it).
//   floor  the same pod network work (netns, veth, /128 nodad, routes, neighbours) by two
//          `ip -batch` processes per pod, one pod after another (floor.h).
// Targets (issue 6): p99 <= 1 s and >= 20 pods/s (Kubernetes' SLO is p99 <= 5 s).
// Results and where the time goes: docs/performance.md, "Pod startup".
//
// Usage: bench_pod_startup [--image pause|nginx|both] [--replicas 100] [--workers 4]
//                          [--monitor-ms 200] [--memory-store] [--no-floor] [--no-direct]
//                          [--in-process-control-plane] [--https-components] [--pod-batch-ms N]
//                          [--cni PATH]
// --https-components --pod-batch-ms 0 runs the control plane's components as they ran
// before their in-process transport and the ReplicaSet pod batching (docs/controllers.md):
// over HTTPS, every pod event synced at once; the CPU line shows what those cost.
// The v6k-cni binary is found at --cni, $V6K_BUILD_DIR/cmd/v6k-cni, or next to this
// build tree (<build>/bench/node/startup/.. -> <build>/cmd/v6k-cni).
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "deploy_run.h"
#include "floor.h"
#include "lab.h"

namespace v6k::bench_startup {
namespace {

std::atomic<bool> g_interrupted{false};
void on_signal(int) { g_interrupted = true; }

struct Args {
  std::string image = "both";
  int replicas = 100;
  int workers = 4;
  int monitor_ms = 200;
  bool memory_store = false;
  bool in_process = false;
  bool https_components = false;
  int pod_batch_ms = -1;
  bool floor = true;
  bool direct = true;
  std::string cni;
};

// Nearest-rank percentile of sorted values.
double pct(const std::vector<double>& v, double q) {
  if (v.empty()) return 0;
  size_t rank = static_cast<size_t>(std::ceil(q * static_cast<double>(v.size())));
  return v[std::min(v.size(), std::max<size_t>(rank, 1)) - 1];
}

std::string find_cni(const std::string& flag) {
  if (!flag.empty()) return flag;
  if (const char* b = std::getenv("V6K_BUILD_DIR")) return std::string(b) + "/cmd/v6k-cni";
  std::error_code ec;
  auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  return (self.parent_path().parent_path().parent_path().parent_path() / "cmd/v6k-cni").string();
}

bool parse(int argc, char** argv, Args& a) {
  for (int i = 1; i < argc; ++i) {
    std::string k = argv[i];
    auto val = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (k == "--image") a.image = val();
    else if (k == "--replicas") a.replicas = std::atoi(val().c_str());
    else if (k == "--workers") a.workers = std::atoi(val().c_str());
    else if (k == "--monitor-ms") a.monitor_ms = std::atoi(val().c_str());
    else if (k == "--memory-store") a.memory_store = true;
    else if (k == "--in-process-control-plane") a.in_process = true;
    else if (k == "--https-components") a.https_components = true;
    else if (k == "--pod-batch-ms") a.pod_batch_ms = std::atoi(val().c_str());
    else if (k == "--no-floor") a.floor = false;
    else if (k == "--no-direct") a.direct = false;
    else if (k == "--cni") a.cni = val();
    else return false;
  }
  return a.replicas > 0 && a.workers > 0 && a.monitor_ms > 0 &&
         (a.image == "pause" || a.image == "nginx" || a.image == "both");
}

void print_dist(const char* what, const std::vector<double>& v) {
  std::printf("  %-34s p50 %7.1f  p99 %7.1f  max %7.1f ms\n", what, pct(v, 0.5), pct(v, 0.99), v.empty() ? 0 : v.back());
}

struct Summary {
  std::string image;
  DeployResult r;
};

int main_(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // progress in order with stderr, also into a pipe
  Args a;
  if (!parse(argc, argv, a)) {
    std::fprintf(stderr, "usage: bench_pod_startup [--image pause|nginx|both] [--replicas N] [--workers N] "
                         "[--monitor-ms N] [--memory-store] [--in-process-control-plane] [--https-components] [--pod-batch-ms N] [--no-floor] [--no-direct] [--cni PATH]\n");
    return 2;
  }
  if (::geteuid() != 0) {
    std::fprintf(stderr, "bench_pod_startup: skipped: needs root (network namespaces, veths, containers)\n");
    return 0;
  }
  a.cni = find_cni(a.cni);
  if (::access(a.cni.c_str(), X_OK) != 0) {
    std::fprintf(stderr, "bench_pod_startup: no v6k-cni at %s (build it, or pass --cni)\n", a.cni.c_str());
    return 1;
  }
  struct sigaction sa = {};
  sa.sa_handler = on_signal;
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);
  // A plugin that exits before reading its config (a broken --cni) must fail the pod, not
  // kill the bench with SIGPIPE before it has cleaned up.
  ::signal(SIGPIPE, SIG_IGN);

  auto lab = StartupLab::start({.cni_plugin = a.cni, .workers = a.workers,
                                .monitor_period = std::chrono::milliseconds(a.monitor_ms),
                                .memory_store = a.memory_store, .in_process_control_plane = a.in_process,
                                .https_components = a.https_components, .pod_batch_ms = a.pod_batch_ms});
  if (!lab) {
    std::fprintf(stderr, "bench_pod_startup: setup: %s\n", lab.error().message().c_str());
    return 1;  // start() cleaned up what it made (the half-built lab's destructor)
  }
  std::printf("lab: control plane on [::1] (%s, SQLite %s), nodes node-a (2001:db8:0:1:a::/80) and node-b "
              "(2001:db8:0:2:b::/80), %d PodManager workers each, monitor %d ms, CNI %s\n",
              a.in_process ? "in this process" : "its own process", a.memory_store ? "in memory" : "file", a.workers, a.monitor_ms, a.cni.c_str());

  std::vector<std::pair<std::string, std::string>> images;
  if (a.image != "nginx") images.push_back({"pause", "registry.k8s.io/pause:3.9"});
  if (a.image != "pause") images.push_back({"nginx", "public.ecr.aws/z9d2n7e1/nginx:1.19.5"});
  std::vector<Summary> done;
  std::vector<std::pair<std::string, std::string>> runs;  // (row name, image)
  for (const auto& [key, image] : images) {
    runs.push_back({key, image});
    if (a.direct) runs.push_back({key + "-direct", image});
  }
  for (const auto& [key, image] : runs) {
    std::printf("\n(waited %.0f ms for the machine to settle)", settle(std::chrono::seconds(3)));
    const bool direct = key.ends_with("-direct");
    auto r = run_deployment(**lab, {.ns = "bench-" + key, .image = image, .replicas = a.replicas, .direct = direct,
                                    .interrupted = &g_interrupted});
    if (!r) {
      std::fprintf(stderr, "bench_pod_startup: %s: %s\n", key.c_str(), r.error().message().c_str());
      auto [sb, ns] = (*lab)->cleanup();
      std::fprintf(stderr, "bench_pod_startup: cleaned up %d sandboxes and %d namespaces\n", sb, ns);
      return 1;
    }
    std::printf("\n%s (%s%s): %d pods Running in %.1f ms; per node:", key.c_str(), image.c_str(),
                direct ? ", pods created directly by 4 client threads" : ", a Deployment", a.replicas, r->all_running_ms);
    for (const auto& [n, c] : r->per_node) std::printf(" %s %d", n.c_str(), c);
    std::printf("; e.g. %s\n", r->sample_ips.empty() ? "-" : r->sample_ips.front().c_str());
    print_dist("create call -> Running with IP", r->running_ms);
    print_dist("pod ADDED -> Running with IP", r->added_to_running_ms);
    print_dist(direct ? "  first create call -> pod ADDED" : "  create call -> pod ADDED", r->create_to_added_ms);
    print_dist("  pod ADDED -> bound", r->added_to_bound_ms);
    print_dist("  bound -> Running (the agent)", r->bound_to_running_ms);
    const double cores = static_cast<double>(::sysconf(_SC_NPROCESSORS_ONLN));
    const double ours = r->cpu_self_ms + r->cpu_children_ms + r->cpu_control_plane_ms;
    std::printf("  CPU until all Running: %s %.0f ms + their children (v6k-cni, runtime helpers) %.0f ms + control "
                "plane process %.0f ms = %.1f ms per pod; the machine was %.0f%% busy (%.0f of %.0f cores x %.0f ms, "
                "other work included)\n",
                a.in_process ? "agents and control plane" : "agents", r->cpu_self_ms, r->cpu_children_ms, r->cpu_control_plane_ms, ours / a.replicas,
                100.0 * r->cpu_machine_ms / (cores * r->all_running_ms), r->cpu_machine_ms, cores, r->all_running_ms);
    std::printf("  delete -> all pods gone (API and runtimes): %.1f ms\n", r->teardown_ms);
    done.push_back({key, std::move(*r)});
  }

  // The floor runs last: the kernel deletes its 100 namespaces asynchronously, and that
  // work must not land in a measured run.
  FloorResult floor;
  if (a.floor) {
    std::printf("\n(waited %.0f ms for the machine to settle)\n", settle(std::chrono::seconds(3)));
    auto f = run_floor({.prefix = (*lab)->prefix(), .pods = a.replicas});
    if (!f) {
      std::fprintf(stderr, "bench_pod_startup: floor: %s\n", f.error().message().c_str());
      return 1;
    }
    floor = *f;
    std::printf("floor: %d pods' netns + veth + /128 nodad + routes + neighbours by 2 `ip -batch` each: "
                "%.1f ms total, per pod p50 %.2f p99 %.2f ms (node batch %.2f, pod batch %.2f ms median)\n",
                a.replicas, floor.total_ms, pct(floor.per_pod_ms, 0.5), pct(floor.per_pod_ms, 0.99),
                floor.node_batch_ms, floor.pod_batch_ms);
  }

  std::printf("\n%-13s %9s %9s %9s %9s %10s %12s %12s  %s\n", "run", "p50 ms", "p99 ms", "max ms", "pods/s",
              "ADDED p50", "ours/floor", "p50/floor", "targets (p99 <= 1000 ms, >= 20 pods/s)");
  for (const auto& s : done) {
    const double p99 = pct(s.r.running_ms, 0.99);
    const double rate = a.replicas / (s.r.all_running_ms / 1000.0);
    char total_ratio[32] = "-", p50_ratio[32] = "-";
    if (a.floor && floor.total_ms > 0) {
      std::snprintf(total_ratio, sizeof total_ratio, "%.1fx", s.r.all_running_ms / floor.total_ms);
      std::snprintf(p50_ratio, sizeof p50_ratio, "%.0fx", pct(s.r.running_ms, 0.5) / pct(floor.per_pod_ms, 0.5));
    }
    std::printf("%-13s %9.1f %9.1f %9.1f %9.1f %10.1f %12s %12s  p99 %s, rate %s\n", s.image.c_str(),
                pct(s.r.running_ms, 0.5), p99, s.r.running_ms.back(), rate, pct(s.r.added_to_running_ms, 0.5),
                total_ratio, p50_ratio, p99 <= 1000 ? "MET" : "NOT MET", rate >= 20 ? "MET" : "NOT MET");
  }
  if (a.floor)
    std::printf("(ours/floor: time until all %d pods Running / the floor's total for %d pods one after another; "
                "p50/floor: a pod's create->Running p50 / the floor's per-pod p50)\n",
                a.replicas, a.replicas);
  auto [sb, ns] = (*lab)->cleanup();
  std::printf("cleanup: removed %d leftover sandboxes and %d namespaces (the 2 node namespaces)\n", sb, ns);
  return 0;
}

}  // namespace
}  // namespace v6k::bench_startup

int main(int argc, char** argv) { return v6k::bench_startup::main_(argc, argv); }
