// Part 2 of bench_kube_apiserver: watch fan-out. `watchers` HTTPS watches of team-00's pods
// (what `kubectl get pods -w` and every controller's informer hold open), then label
// PATCHes through ApiServer::handle(): latency per change per watcher, from just before
// the PATCH to that watcher having read the event line.
//
//  paced  each change waits until every watcher has it (pure latency; the target)
//  burst  the changes back to back, then wait (latency under a write burst: queueing)
//
// Peer (the floor): as many bare store watches on the same prefix, seeing bare store
// updates of the same values, paced the same way.
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <thread>
#include <string>
#include <vector>

#include "bench_kube.h"
#include "support/kube_cluster.h"
#include "tls_watch_client.h"

namespace v6k::bench {

namespace {

constexpr const char* kNs = "team-00";
constexpr std::string_view kMark = "\"bench-seq\":\"";

// Arrival times of change i at watcher w, and a wait for "every watcher has change i".
class Arrivals {
 public:
  Arrivals(int changes, int watchers)
      : watchers_(watchers), at_(changes, std::vector<Clock::time_point>(watchers)), count_(changes) {}

  // Finds the change number in an event (line or stored value) and records it.
  void seen(int w, std::string_view text, Clock::time_point t) {
    size_t p = text.find(kMark);
    if (p == std::string_view::npos) return;
    int seq = std::atoi(std::string(text.substr(p + kMark.size(), 12)).c_str());
    if (seq < 0 || seq >= static_cast<int>(at_.size())) return;
    if (at_[seq][w] != Clock::time_point{}) return;
    at_[seq][w] = t;
    if (count_[seq].fetch_add(1) + 1 == watchers_) {
      std::lock_guard lock(mu_);
      cv_.notify_all();
    }
  }

  bool wait(int seq, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return count_[seq].load() >= watchers_; });
  }

  // Latencies (ms) of changes [from, to) against their write times; missing ones count
  // as `missing`.
  std::vector<double> latencies(int from, int to, const std::vector<Clock::time_point>& written, int* missing) {
    std::vector<double> out;
    for (int s = from; s < to; ++s)
      for (int w = 0; w < watchers_; ++w) {
        if (at_[s][w] == Clock::time_point{}) ++*missing;
        else out.push_back(ms_between(written[s], at_[s][w]));
      }
    return out;
  }

 private:
  int watchers_;
  std::vector<std::vector<Clock::time_point>> at_;
  std::vector<std::atomic<int>> count_;
  std::mutex mu_;
  std::condition_variable cv_;
};

std::string label_patch(int seq) {
  return json{{"metadata", {{"labels", {{"bench-seq", std::to_string(seq)}}}}}}.dump();
}

void report(const char* what, const Percentiles& p, int missing) {
  std::printf("    %-34s p50 %7.2f  p99 %7.2f  max %7.2f ms  (%zu samples, %d missing)\n", what, p.p50, p.p99,
              p.max, p.n, missing);
}

}  // namespace

std::vector<Row> bench_watch(testing::KubeCluster& k, const std::vector<std::string>& pods, int watchers,
                             int changes) {
  std::printf("\n[2] watch fan-out: %d watchers of namespace %s, %d changes\n", watchers, kNs, changes);
  const int total = 1 + 2 * changes;  // 0 = warm-up, then paced, then burst
  std::vector<Clock::time_point> written(total);
  std::vector<double> patch_ms;
  Arrivals api_arrivals(total, watchers);
  {
    auto rv = k.store().current_revision();
    if (!rv) die("current_revision: " + rv.error().message());
    std::string target = std::string("/api/v1/namespaces/") + kNs + "/pods?allowWatchBookmarks=true&watch=true" +
                         "&resourceVersion=" + std::to_string(*rv);
    auto t0 = Clock::now();
    WatchClients clients(k.api().port(), kAdminToken, std::vector<std::string>(watchers, target));
    clients.start([&](int w, std::string_view line, Clock::time_point at) { api_arrivals.seen(w, line, at); });
    std::printf("    %d HTTPS watches open in %.0f ms\n", watchers, ms_between(t0, Clock::now()));
    auto change = [&](int seq) {
      const std::string& pod = pods[static_cast<size_t>(seq) % pods.size()];
      const std::string body = label_patch(seq);
      written[seq] = Clock::now();
      auto r = api(k.api(), "PATCH", std::string("/api/v1/namespaces/") + kNs + "/pods/" + pod, body,
                   "application/merge-patch+json");
      patch_ms.push_back(ms_between(written[seq], Clock::now()));
      if (r.status != 200) die("PATCH: " + std::to_string(r.status) + " " + r.body.substr(0, 300));
    };
    for (int seq = 0; seq <= changes; ++seq) {
      change(seq);
      if (!api_arrivals.wait(seq, std::chrono::seconds(2))) std::printf("    change %d: not every watcher got it\n", seq);
    }
    for (int seq = changes + 1; seq < total; ++seq) change(seq);
    api_arrivals.wait(total - 1, std::chrono::seconds(10));
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    clients.stop();
  }
  int miss_paced = 0, miss_burst = 0;
  auto paced = percentiles(api_arrivals.latencies(1, changes + 1, written, &miss_paced));
  auto burst = percentiles(api_arrivals.latencies(changes + 1, total, written, &miss_burst));
  std::vector<double> paced_patch(patch_ms.begin() + 1, patch_ms.begin() + changes + 1);
  auto patch = percentiles(paced_patch);
  report("HTTPS watch, paced", paced, miss_paced);
  report("HTTPS watch, burst", burst, miss_burst);
  report("  the PATCH itself (handle())", patch, 0);

  // The floor: bare store watches and bare store updates of the same values.
  Arrivals bare(total, watchers);
  const std::string prefix = std::string("/registry/pods/") + kNs + "/";
  {
    auto rv = k.store().current_revision();
    if (!rv) die("current_revision: " + rv.error().message());
    std::vector<std::unique_ptr<store::Watch>> ws;
    for (int w = 0; w < watchers; ++w) {
      auto sw = k.store().watch(prefix, *rv, [&bare, w](const std::vector<store::Event>& evs) {
        auto at = Clock::now();
        for (const auto& ev : evs) bare.seen(w, ev.kv.value, at);
      });
      if (!sw) die("store watch: " + sw.error().message());
      ws.push_back(std::move(*sw));
    }
    auto change = [&](int seq) {
      const std::string key = prefix + pods[static_cast<size_t>(seq) % pods.size()];
      auto kv = k.store().get(key);
      if (!kv) die("store get: " + kv.error().message());
      json obj = json::parse(kv->value);
      obj["metadata"]["labels"]["bench-seq"] = std::to_string(seq);
      const std::string value = obj.dump();
      written[seq] = Clock::now();
      if (auto u = k.store().update(key, value, kv->mod_revision); !u) die("store update: " + u.error().message());
    };
    for (int seq = 0; seq <= changes; ++seq) {
      change(seq);
      if (!bare.wait(seq, std::chrono::seconds(2))) std::printf("    change %d: not every store watch got it\n", seq);
    }
    ws.clear();
  }
  int miss_bare = 0;
  auto floor = percentiles(bare.latencies(1, changes + 1, written, &miss_bare));
  report("bare store watch, paced", floor, miss_bare);

  const std::string peer = std::to_string(watchers) + " bare store watches";
  return {
      {"watch fan-out p50 (" + std::to_string(watchers) + " HTTPS watchers)", "ms", paced.p50, floor.p50, peer},
      {"watch fan-out p99", "ms", paced.p99, floor.p99, peer, "< 50 ms", paced.p99 < 50 && miss_paced == 0},
      {"watch fan-out max", "ms", paced.max, floor.max, peer},
      {"  burst of " + std::to_string(changes) + " back to back: p99", "ms", burst.p99, -1, ""},
  };
}

}  // namespace v6k::bench
