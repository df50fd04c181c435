// bench_kube_apiserver: the Kubernetes API server (src/kube/apiserver) against its floors,
// in one run of about a minute:
//
//  1. List 10,000 pods (20 namespaces, Running, IPv6 podIPs): the real `kubectl get pods -A`
//     (a Table, chunked by 500 as kubectl does) and `-o json`, wall time, median of 5 after
//     one warm-up that fills kubectl's discovery cache. Peers: the bare store list of the
//     same 10,000 values (the floor) and the server side alone (ApiServer::handle() of the
//     same requests, no sockets, no kubectl), with and without the watch cache. Target:
//     Table via kubectl < 1 s. kubectl's own rate limiter (5 QPS, burst 10) makes 20 pages
//     of 500 take >= 2 s whatever the server does, so `--chunk-size=0` (one request) is
//     measured too, and the throttle's wait is printed.
//  2. Watch fan-out: 100 HTTPS watches of one namespace's pods (raw TLS clients reading the
//     chunked stream), 200 label PATCHes one after another; latency per change per watcher
//     from just before the PATCH to that watcher having read the event line. Peer: 100
//     bare store watches seeing bare store updates. Target: p99 < 50 ms.
//  3. Create throughput: 2,000 pod POSTs through handle() on SQLite and on a private etcd
//     (skipped without /usr/bin/etcd). Peer: bare store creates of the same stored values.
//
// Usage: bench_kube_apiserver [pods=10000] [watchers=100] [changes=200] [creates=2000]
// V6K_BENCH_HOLD=<file>: after seeding, print the kubeconfig and wait until <file> is
// removed (for manual kubectl/curl runs against the seeded server).
// V6K_BENCH_NO_WATCH_CACHE=1: parts 1 and 2 against a server without its watch cache.
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "bench_kube.h"
#include "support/kube_cluster.h"

namespace v6k::bench {

namespace {

void print(const std::vector<Row>& rows) {
  std::printf("\n%-44s %12s %12s  %-34s %7s  %s\n", "measurement", "ours", "peer", "peer is", "ratio",
              "target");
  for (const auto& r : rows) {
    char ours[32], peer[32] = "-", ratio[16] = "-";
    std::snprintf(ours, sizeof ours, "%.1f %s", r.ours, r.unit.c_str());
    if (r.peer >= 0) {
      std::snprintf(peer, sizeof peer, "%.1f %s", r.peer, r.unit.c_str());
      double x = r.higher_is_better ? (r.ours > 0 ? r.peer / r.ours : 0) : (r.peer > 0 ? r.ours / r.peer : 0);
      std::snprintf(ratio, sizeof ratio, "%.1fx", x);
    }
    std::string target = r.target.empty() ? "" : r.target + (r.met ? "  MET" : "  NOT MET");
    std::printf("%-44s %12s %12s  %-34s %7s  %s\n", r.what.c_str(), ours, peer, r.peer_name.c_str(), ratio,
                target.c_str());
  }
  std::printf("(ratio = how many times slower than the peer)\n");
}

int main_(int argc, char** argv) {
  const int pods = argc > 1 ? std::atoi(argv[1]) : 10000;
  const int watchers = argc > 2 ? std::atoi(argv[2]) : 100;
  const int changes = argc > 3 ? std::atoi(argv[3]) : 200;
  const int creates = argc > 4 ? std::atoi(argv[4]) : 2000;
  if (pods < 100 || watchers < 1 || changes < 1 || creates < 1) die("usage: bench_kube_apiserver [pods>=100] [watchers] [changes] [creates]");
  char tmpl[] = "/tmp/v6k-bench-kube-XXXXXX";
  if (!::mkdtemp(tmpl)) die("mkdtemp");
  const std::string dir = tmpl;
  auto t0 = Clock::now();
  std::vector<Row> rows;
  {
    kube::ApiServerOptions o;
    o.watch_cache = !::getenv("V6K_BENCH_NO_WATCH_CACHE");
    testing::KubeCluster k(nullptr, o);
    if (!k.ok()) die("starting the API server: " + k.error());
    auto names = seed_pods(k, pods, 20);
    std::printf("seeded %d pods in %.0f ms\n", pods, ms_between(t0, Clock::now()));
    if (const char* hold = ::getenv("V6K_BENCH_HOLD")) {
      // Investigation aid: keep the seeded server up for manual kubectl runs until the
      // file named by V6K_BENCH_HOLD is removed.
      std::printf("holding: kubeconfig %s, pid %d (remove %s to go on)\n", k.kubeconfig().c_str(),
                  static_cast<int>(::getpid()), hold);
      std::fflush(stdout);
      while (std::filesystem::exists(hold)) ::sleep(1);
    }
    for (auto& r : bench_list(k, pods, 5)) rows.push_back(std::move(r));
    for (auto& r : bench_watch(k, names, watchers, changes)) rows.push_back(std::move(r));
  }
  for (auto& r : bench_create(creates, dir)) rows.push_back(std::move(r));
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  print(rows);
  std::printf("total %.1f s\n", ms_between(t0, Clock::now()) / 1000);
  return 0;
}

}  // namespace
}  // namespace v6k::bench

int main(int argc, char** argv) { return v6k::bench::main_(argc, argv); }
