// What one Service/endpoint change costs the service proxy at 1,000 Services x 3
// endpoints: ServiceProxy::sync() applying the delta (element updates in one nftables
// transaction) against the peer, a full reload of the same table (full_resync: delete +
// re-create in one transaction, what a naive proxy does on every change), in the same run.
// Also the pure parts (compute_state, delta_script) alone. Needs root; everything lives
// in a namespace "v6kb-proxy-<pid>", removed at the end.
//
//   bench_proxy [SERVICES=1000] [CHANGES=200]
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "netlink/netns.h"
#include "node/proxy/service_proxy.h"

namespace {

using namespace v6k;
using namespace v6k::node::proxy;
using Clock = std::chrono::steady_clock;
using nlohmann::json;

struct Stats {
  double median = 0, p99 = 0;
};
Stats stats(std::vector<double> v) {
  Stats s;
  if (v.empty()) return s;
  std::sort(v.begin(), v.end());
  s.median = v[v.size() / 2];
  s.p99 = v[std::min(v.size() - 1, static_cast<size_t>(static_cast<double>(v.size()) * 0.99))];
  return s;
}

std::string hex(int i) {
  char b[16];
  std::snprintf(b, sizeof b, "%x", i);
  return b;
}

json service(int i) {
  std::string ip = "fd00:10::" + hex(i + 1);
  return {{"metadata", {{"name", "svc" + std::to_string(i)}, {"namespace", "bench"}}},
          {"spec", {{"clusterIP", ip}, {"clusterIPs", {ip}}, {"ports", {{{"name", "http"}, {"port", 80}}}}}}};
}

json slice(int i, int endpoints) {
  json eps = json::array();
  for (int e = 0; e < endpoints; ++e)
    eps.push_back({{"addresses", {"2001:db8:1::" + hex(i + 1) + ":" + hex(e + 1)}}, {"conditions", {{"ready", true}}}});
  return {{"metadata",
           {{"name", "svc" + std::to_string(i) + "-x"}, {"namespace", "bench"},
            {"labels", {{"kubernetes.io/service-name", "svc" + std::to_string(i)}}}}},
          {"addressType", "IPv6"},
          {"ports", {{{"name", "http"}, {"port", 8080}}}},
          {"endpoints", eps}};
}

double ms(Clock::time_point t0) { return std::chrono::duration<double, std::milli>(Clock::now() - t0).count(); }

int run(int services, int changes) {
  const std::string name = "v6kb-proxy-" + std::to_string(::getpid());
  auto ns = netlink::NetNs::create(name);
  if (!ns) {
    std::fprintf(stderr, "bench_proxy needs root: %s\n", ns.error().message().c_str());
    return 1;
  }
  struct Remove {
    std::string n;
    ~Remove() { (void)netlink::NetNs::remove(n); }
  } remove{name};
  auto proxy = ServiceProxy::open(*ns).value();
  for (int i = 0; i < services; ++i) {
    (void)proxy.update_service(service(i));
    (void)proxy.update_slice(slice(i, 3));
  }
  auto t0 = Clock::now();
  auto first = proxy.sync();
  if (!first) {
    std::fprintf(stderr, "first sync: %s\n", first.error().message().c_str());
    return 1;
  }
  std::printf("services=%d endpoints/service=3: first sync (full table, %zu bytes) %.2f ms\n", services,
              first->script_bytes, ms(t0));

  // One change per sync: service k loses its 3rd endpoint, then gets it back.
  std::vector<double> delta, full, compute;
  for (int c = 0; c < changes; ++c) {
    int k = (c / 2 * 37) % services;
    (void)proxy.update_slice(slice(k, c % 2 == 0 ? 2 : 3));
    auto t = Clock::now();
    auto r = proxy.sync();
    double took = ms(t);
    if (!r || r->full) {
      std::fprintf(stderr, "delta sync failed or fell back: %s\n", r ? r->fallback_reason.c_str() : r.error().message().c_str());
      return 1;
    }
    delta.push_back(took);
  }
  for (int c = 0; c < std::max(10, changes / 10); ++c) {
    (void)proxy.update_slice(slice(c % services, c % 2 == 0 ? 2 : 3));
    auto t = Clock::now();
    auto r = proxy.full_resync();
    if (!r) {
      std::fprintf(stderr, "full resync: %s\n", r.error().message().c_str());
      return 1;
    }
    full.push_back(ms(t));
  }
  // The pure part alone: compute the state and the delta (no kernel).
  {
    std::map<std::string, ServiceInfo> svc;
    std::map<std::string, SliceInfo> sl;
    for (int i = 0; i < services; ++i) {
      auto s = parse_service(service(i)).value();
      svc[s.key()] = s;
      auto l = parse_slice(slice(i, 3)).value();
      sl[l.key()] = l;
    }
    ProxyState before = compute_state(svc, sl);
    for (int c = 0; c < 50; ++c) {
      auto l = parse_slice(slice(c, 2)).value();
      sl[l.key()] = l;
      auto t = Clock::now();
      ProxyState after = compute_state(svc, sl);
      std::string d = delta_script(before, after);
      compute.push_back(ms(t));
      before = std::move(after);
    }
  }
  Stats d = stats(delta), f = stats(full), p = stats(compute);
  std::printf("one endpoint change, sync() delta:  median %.3f ms  p99 %.3f ms  (%zu runs)\n", d.median, d.p99, delta.size());
  std::printf("  (naive: recomputing the whole state + diff, no kernel: median %.3f ms)\n", p.median);
  std::printf("peer: full table reload:            median %.3f ms  p99 %.3f ms  (%zu runs)\n", f.median, f.p99, full.size());
  std::printf("ratio full/delta (median): %.1fx\n", d.median > 0 ? f.median / d.median : 0.0);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  int services = argc > 1 ? std::atoi(argv[1]) : 1000;
  int changes = argc > 2 ? std::atoi(argv[2]) : 200;
  return run(std::max(1, services), std::max(2, changes));
}
