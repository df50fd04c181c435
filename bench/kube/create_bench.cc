// Part 3 of bench_kube_apiserver: create throughput. `n` pod POSTs, one after another,
// through ApiServer::handle() (decode, defaults, validation, managedFields, store create,
// response encoding), on SQLite and on a private etcd; the peer is the bare store create
// of the very values the server stored, on the same backend (measured after the server
// stopped, so its watch cache does not follow the floor's writes). SQLite runs once more
// with the watch cache off: the cache's cost on the write path.
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "bench_kube.h"
#include "etcd/etcd_process.h"
#include "etcd/etcd_store.h"
#include "support/kube_cluster.h"

namespace v6k::bench {

namespace {

struct Rates {
  double api = 0, bare = 0;  // objects per second
};

Rates run(std::shared_ptr<store::Store> s, int n, bool watch_cache = true) {
  kube::ApiServerOptions o;
  o.watch_cache = watch_cache;
  testing::KubeCluster k(s, o);
  if (!k.ok()) die("starting the API server: " + k.error());
  json ns = {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", "bench"}}}};
  if (auto r = api(k.api(), "POST", "/api/v1/namespaces", ns.dump()); r.status != 201)
    die("creating namespace bench: " + r.body);
  std::vector<std::string> bodies;
  for (int i = 0; i < n; ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "pod-%05d", i);
    bodies.push_back(pod_body("bench", name, i).dump());
  }
  auto t0 = Clock::now();
  for (const auto& b : bodies) {
    auto r = api(k.api(), "POST", "/api/v1/namespaces/bench/pods", b);
    if (r.status != 201) die("POST pod: " + std::to_string(r.status) + " " + r.body.substr(0, 300));
  }
  double api_s = ms_between(t0, Clock::now()) / 1000;
  k.api().stop();  // its watch cache would follow the floor's writes too

  auto stored = s->list("/registry/pods/bench/");
  if (!stored || stored->items.size() != static_cast<size_t>(n)) die("listing the created pods");
  t0 = Clock::now();
  for (const auto& kv : stored->items) {
    auto c = s->create("/floor" + kv.key, kv.value);
    if (!c) die("bare create: " + c.error().message());
  }
  double bare_s = ms_between(t0, Clock::now()) / 1000;
  return {n / api_s, n / bare_s};
}

}  // namespace

std::vector<Row> bench_create(int n, const std::string& scratch_dir) {
  std::printf("\n[3] create throughput: %d pod POSTs through handle(), one after another\n", n);
  std::vector<Row> rows;
  {
    auto s = store::open_sqlite(scratch_dir + "/create.db");
    if (!s) die("open_sqlite: " + s.error().message());
    auto r = run(std::shared_ptr<store::Store>(std::move(*s)), n);
    std::printf("    sqlite: %.0f obj/s through the API, %.0f obj/s bare\n", r.api, r.bare);
    rows.push_back({"create pods, SQLite", "obj/s", r.api, r.bare, "bare store create (SQLite)", "", true, true});
  }
  {
    // The cost of the watch cache on the write path: its store watch decodes every write
    // on another thread (2 cores here).
    auto s = store::open_sqlite(scratch_dir + "/create-nocache.db");
    if (!s) die("open_sqlite: " + s.error().message());
    auto r = run(std::shared_ptr<store::Store>(std::move(*s)), n, false);
    std::printf("    sqlite, no watch cache: %.0f obj/s through the API, %.0f obj/s bare\n", r.api, r.bare);
    rows.push_back({"  SQLite, watch cache off", "obj/s", r.api, r.bare, "bare store create (SQLite)", "", true, true});
  }
  if (!std::filesystem::exists(etcd::EtcdProcess::kDefaultBinary)) {
    std::printf("    etcd: skipped (%s is missing)\n", etcd::EtcdProcess::kDefaultBinary);
    return rows;
  }
  auto proc = etcd::EtcdProcess::start(scratch_dir + "/etcd");
  if (!proc) die("starting etcd: " + proc.error().message());
  {
    auto s = etcd::open_etcd((*proc)->options());
    if (!s) die("open_etcd: " + s.error().message());
    auto r = run(std::shared_ptr<store::Store>(std::move(*s)), n);
    std::printf("    etcd:   %.0f obj/s through the API, %.0f obj/s bare\n", r.api, r.bare);
    rows.push_back({"create pods, etcd", "obj/s", r.api, r.bare, "bare store create (etcd)", "", true, true});
  }
  return rows;
}

}  // namespace v6k::bench
