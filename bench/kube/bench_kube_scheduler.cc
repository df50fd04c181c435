// bench_kube_scheduler: the kube-scheduler loop (src/kube/scheduler/scheduler.h) against
// a real API server (SQLite in memory, HTTPS on [::1]) and its two floors, in one run:
//
//  1. Throughput: 50 nodes, 1,000 pending pods created first (10 owners, the seed's
//     arch affinity, 100m/128Mi requests); then Scheduler::start() and the time until a
//     watch of the API has seen every pod bound. Target: >= 500 pods/s.
//  2. Deployment latency: with the scheduler running, 100 pods created (4 threads, as a
//     ReplicaSet controller's burst) and the time from the first create to all bound.
//  3. A real Deployment of `burst` replicas with the ReplicaSet and Deployment controllers
//     (ControllerManager) running too: Deployment create -> all its pods bound. Its peer
//     is (2), the same number of pods created directly.
//  Peers: the bare algorithm (schedule_pod + assume of the same 1,000 pods on a snapshot
//  of the same nodes, no API) and the bare API (1,000 binding POSTs of other pending pods
//  over the same client with the same 4 threads, no scheduling).
//
// Usage: bench_kube_scheduler [pods=1000] [nodes=50] [burst=100]
#include <stdlib.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "kube/client/client.h"
#include "kube/client/informer.h"
#include "kube/controllers/manager/manager.h"
#include "kube/scheduler/algorithm.h"
#include "kube/scheduler/scheduler.h"
#include "support/kube_cluster.h"

namespace v6k::bench_scheduler {
namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;
using namespace std::chrono_literals;

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "bench_kube_scheduler: %s\n", what.c_str());
  std::exit(1);
}

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

std::string node_name(int i) {
  char b[64];
  std::snprintf(b, sizeof b, "ip-10-0-%d-%d.ec2.internal", i / 200, i % 200 + 10);
  return b;
}

json node_body(int i) {
  json alloc = {{"cpu", "32"}, {"memory", "128Gi"}, {"pods", "110"}};
  return {{"apiVersion", "v1"},
          {"kind", "Node"},
          {"metadata",
           {{"name", node_name(i)},
            {"labels", {{"kubernetes.io/arch", "amd64"}, {"beta.kubernetes.io/arch", "amd64"},
                        {"kubernetes.io/os", "linux"}, {"kubernetes.io/hostname", node_name(i)},
                        {"topology.kubernetes.io/zone", i % 2 ? "us-east-1a" : "us-east-1b"}}}}},
          {"spec", json::object()},
          {"status",
           {{"capacity", alloc},
            {"allocatable", alloc},
            {"conditions", json::array({{{"type", "Ready"}, {"status", "True"}, {"reason", "KubeletReady"}}})}}}};
}

json pod_body(const std::string& ns, const std::string& name, int owner, const std::string& scheduler) {
  json pod = json::parse(R"({
    "apiVersion": "v1", "kind": "Pod",
    "metadata": {"labels": {"app": "web"}},
    "spec": {
      "affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
        {"matchExpressions": [{"key": "kubernetes.io/arch", "operator": "In", "values": ["amd64", "arm64"]}]}
      ]}}},
      "containers": [{"name": "nginx", "image": "public.ecr.aws/nginx/nginx:1.27", "ports": [{"containerPort": 80}],
                      "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}}}]
    }
  })");
  pod["metadata"]["name"] = name;
  pod["metadata"]["namespace"] = ns;
  pod["metadata"]["labels"]["pod-template-hash"] = "owner" + std::to_string(owner);
  pod["metadata"]["ownerReferences"] = json::array({{{"apiVersion", "apps/v1"}, {"kind", "ReplicaSet"},
                                                     {"name", "web-" + std::to_string(owner)},
                                                     {"uid", "uid-owner-" + std::to_string(owner)},
                                                     {"controller", true}}});
  if (!scheduler.empty()) pod["spec"]["schedulerName"] = scheduler;
  return pod;
}

// Runs fn(i) for i in [0, n) on `threads` threads.
void parallel(int n, int threads, const std::function<void(int)>& fn) {
  std::atomic<int> next{0};
  std::vector<std::thread> ts;
  for (int t = 0; t < threads; ++t)
    ts.emplace_back([&] {
      for (int i; (i = next.fetch_add(1)) < n;) fn(i);
    });
  for (auto& t : ts) t.join();
}

void create_pods(kube::Client& c, const std::string& ns, const std::string& prefix, int n,
                 const std::string& scheduler = "") {
  parallel(n, 4, [&](int i) {
    auto r = c.create("/api/v1/namespaces/" + ns + "/pods", pod_body(ns, prefix + std::to_string(i), i % 10, scheduler));
    if (!r) die("creating a pod: " + r.error().text());
  });
}

// Counts bound pods of one namespace as a watch of the API reports them.
class BoundWatch {
 public:
  BoundWatch(std::shared_ptr<kube::Client> c, const std::string& ns)
      : inf_(std::move(c), {.resource = {"", "v1", "pods"}, .ns = ns}) {
    inf_.on_add([this](const json& p) { if (bound(p)) bump(); });
    inf_.on_update([this](const json& o, const json& p) { if (!bound(o) && bound(p)) bump(); });
    inf_.start();
    if (!inf_.wait_synced(30s)) die("pod watch did not sync");
  }
  ~BoundWatch() { inf_.stop(); }
  // Waits until `n` pods have been seen bound; returns when the last one was seen.
  Clock::time_point wait_for(int n) {
    std::unique_lock lock(mu_);
    if (!cv_.wait_for(lock, 120s, [&] { return count_ >= n; }))
      die("only " + std::to_string(count_) + " of " + std::to_string(n) + " pods bound after 120 s");
    return last_;
  }

 private:
  static bool bound(const json& p) { return !p.value(json::json_pointer("/spec/nodeName"), "").empty(); }
  void bump() {
    std::lock_guard lock(mu_);
    ++count_;
    last_ = Clock::now();
    cv_.notify_all();
  }
  kube::Informer inf_;
  std::mutex mu_;
  std::condition_variable cv_;
  int count_ = 0;
  Clock::time_point last_;
};

struct Row {
  std::string what, unit;
  double ours, peer;
  std::string peer_name, target;
  bool met;
};

int main_(int argc, char** argv) {
  const int pods = argc > 1 ? std::atoi(argv[1]) : 1000;
  const int nodes = argc > 2 ? std::atoi(argv[2]) : 50;
  const int burst = argc > 3 ? std::atoi(argv[3]) : 100;
  if (pods < 1 || nodes < 1 || burst < 1) die("usage: bench_kube_scheduler [pods] [nodes] [burst]");
  auto t_all = Clock::now();
  testing::KubeCluster k;
  if (!k.ok()) die("starting the API server: " + k.error());
  auto cr = kube::Client::create({.host = "::1", .port = k.port(), .ca_pem = k.ca_pem(),
                                  .token = testing::KubeCluster::kAdminToken});
  if (!cr) die(cr.error().message());
  auto client = *cr;
  for (const char* ns : {"bench", "burst", "bare"})
    if (!client->create("/api/v1/namespaces", {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", ns}}}}))
      die("creating namespaces");
  std::vector<json> node_objs;
  for (int i = 0; i < nodes; ++i) {
    json n = node_body(i);
    if (!client->create("/api/v1/nodes", n)) die("creating a node");
    auto s = client->patch("/api/v1/nodes/" + node_name(i) + "/status", kube::PatchType::kMerge, {{"status", n["status"]}});
    if (!s) die("node status: " + s.error().text());
    node_objs.push_back(*s);
  }
  auto t_seed = Clock::now();
  create_pods(*client, "bench", "web-", pods);
  std::printf("created %d nodes and %d pending pods in %.2f s\n", nodes, pods, seconds_since(t_seed));

  // 1. Throughput of the loop.
  BoundWatch watch(client, "bench");
  auto t0 = Clock::now();
  auto sr = kube::scheduler::Scheduler::start({.client = client});
  if (!sr) die(sr.error().message());
  auto& sched = **sr;
  auto t_last = watch.wait_for(pods);
  double loop_s = std::chrono::duration<double>(t_last - t0).count();
  double loop_rate = pods / loop_s;
  std::printf("scheduler: %d pods bound in %.3f s (%.0f pods/s; %llu attempts)\n", pods, loop_s, loop_rate,
              static_cast<unsigned long long>(sched.stats().attempts));

  // 2. Deployment-style burst.
  BoundWatch burst_watch(client, "burst");
  auto t1 = Clock::now();
  create_pods(*client, "burst", "burst-", burst);
  double burst_ms = std::chrono::duration<double, std::milli>(burst_watch.wait_for(burst) - t1).count();
  std::printf("burst: %d pods created and bound in %.1f ms\n", burst, burst_ms);
  // 3. A Deployment through the controllers.
  for (const char* ns : {"deploy"})
    if (!client->create("/api/v1/namespaces", {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", ns}}}}))
      die("creating namespaces");
  auto cmr = kube::ControllerManager::start(
      {.client = {.host = "::1", .port = k.port(), .ca_pem = k.ca_pem(), .token = testing::KubeCluster::kAdminToken},
       .enabled = {"replicaset", "deployment"}});
  if (!cmr) die(cmr.error().message());
  json tmpl = pod_body("deploy", "x", 0, "");
  tmpl["metadata"] = {{"labels", {{"app", "web"}}}};
  json deploy = {{"apiVersion", "apps/v1"},
                 {"kind", "Deployment"},
                 {"metadata", {{"name", "web"}}},
                 {"spec", {{"replicas", burst}, {"selector", {{"matchLabels", {{"app", "web"}}}}}, {"template", tmpl}}}};
  BoundWatch deploy_watch(client, "deploy");
  auto t2 = Clock::now();
  if (auto r = client->create("/apis/apps/v1/namespaces/deploy/deployments", deploy); !r)
    die("creating the deployment: " + r.error().text());
  double deploy_ms = std::chrono::duration<double, std::milli>(deploy_watch.wait_for(burst) - t2).count();
  std::printf("deployment: %d replicas created by the controllers and bound in %.1f ms\n", burst, deploy_ms);
  (*cmr)->stop();

  auto st = sched.stats();
  sched.stop();
  if (st.unschedulable || st.bind_failures) die("unexpected failures in the scheduler run");

  // Peer A: the bare algorithm on the same pods and nodes.
  auto listed = client->list("/api/v1/namespaces/bench/pods");
  if (!listed) die("listing pods");
  std::vector<json> pending;
  for (auto p : (*listed)["items"]) {
    p["spec"].erase("nodeName");
    pending.push_back(std::move(p));
  }
  kube::scheduler::ClusterSnapshot snap;
  for (const auto& n : node_objs)
    if (!snap.upsert_node(n)) die("snapshot node");
  auto ta = Clock::now();
  for (const auto& p : pending) {
    auto d = kube::scheduler::schedule_pod(p, snap);
    if (!d.node || !snap.assume(p, *d.node)) die("bare algorithm found no node: " + d.message);
  }
  double algo_rate = pending.size() / seconds_since(ta);

  // Peer B: the bare API: binding POSTs of pods no scheduler looks at.
  create_pods(*client, "bare", "bare-", pods, "no-scheduler");
  auto tb = Clock::now();
  parallel(pods, 4, [&](int i) {
    std::string name = "bare-" + std::to_string(i);
    json b = {{"apiVersion", "v1"}, {"kind", "Binding"}, {"metadata", {{"name", name}, {"namespace", "bare"}}},
              {"target", {{"apiVersion", "v1"}, {"kind", "Node"}, {"name", node_name(i % nodes)}}}};
    auto r = client->create("/api/v1/namespaces/bare/pods/" + name + "/binding", b);
    if (!r) die("bare binding: " + r.error().text());
  });
  double api_rate = pods / seconds_since(tb);

  std::vector<Row> rows = {
      {"scheduler loop: pods bound", "pods/s", loop_rate, algo_rate, "bare algorithm (no API)", ">= 500 pods/s",
       loop_rate >= 500},
      {"scheduler loop: pods bound", "pods/s", loop_rate, api_rate, "bare binding POSTs (4 threads)", "", true},
      {"deployment burst: create to all bound", "ms", burst_ms, -1, "", "", true},
      {"Deployment: create to all replicas bound", "ms", deploy_ms, burst_ms, "the same pods created directly", "", true},
  };
  std::printf("\n%-40s %14s %14s  %-32s %7s  %s\n", "measurement", "ours", "peer", "peer is", "ratio", "target");
  for (const auto& r : rows) {
    char ours[32], peer[32] = "-", ratio[16] = "-";
    std::snprintf(ours, sizeof ours, "%.0f %s", r.ours, r.unit.c_str());
    if (r.peer >= 0) {
      std::snprintf(peer, sizeof peer, "%.0f %s", r.peer, r.unit.c_str());
      std::snprintf(ratio, sizeof ratio, "%.2fx", r.ours / r.peer);
    }
    std::string target = r.target.empty() ? "" : r.target + (r.met ? "  MET" : "  NOT MET");
    std::printf("%-40s %14s %14s  %-32s %7s  %s\n", r.what.c_str(), ours, peer, r.peer_name.c_str(), ratio,
                target.c_str());
  }
  std::printf("(ratio = ours / peer: for pods/s the fraction of the peer's rate reached; for ms how many times the peer's time)\ntotal %.1f s\n",
              seconds_since(t_all));
  return 0;
}

}  // namespace
}  // namespace v6k::bench_scheduler

int main(int argc, char** argv) { return v6k::bench_scheduler::main_(argc, argv); }
