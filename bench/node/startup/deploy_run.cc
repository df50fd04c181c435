#include "deploy_run.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <fstream>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>

#include "kube/client/informer.h"

namespace v6k::bench_startup {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

double ms(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double, std::milli>(b - a).count(); }

struct CpuSample {
  double self_ms = 0, children_ms = 0, control_plane_ms = 0, machine_ms = 0;
};

double tv_ms(const timeval& t) { return static_cast<double>(t.tv_sec) * 1e3 + static_cast<double>(t.tv_usec) / 1e3; }

// utime + stime of a process, from /proc/<pid>/stat (fields 14 and 15, after the comm).
double process_cpu_ms(pid_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  std::getline(f, line);
  auto close = line.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream rest(line.substr(close + 2));
  std::string field;
  double ticks = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i)
    if (i >= 14) ticks += std::atof(field.c_str());
  return ticks * 1000.0 / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

CpuSample cpu_now(pid_t control_plane) {
  CpuSample s;
  if (control_plane > 0) s.control_plane_ms = process_cpu_ms(control_plane);
  rusage ru{};
  if (::getrusage(RUSAGE_SELF, &ru) == 0) s.self_ms = tv_ms(ru.ru_utime) + tv_ms(ru.ru_stime);
  if (::getrusage(RUSAGE_CHILDREN, &ru) == 0) s.children_ms = tv_ms(ru.ru_utime) + tv_ms(ru.ru_stime);
  // "cpu  user nice system idle iowait irq softirq steal ...": busy = all but idle and iowait.
  std::ifstream stat("/proc/stat");
  std::string cpu;
  double v[8] = {};
  if (stat >> cpu && cpu == "cpu") {
    for (double& x : v) stat >> x;
    const double busy = v[0] + v[1] + v[2] + v[5] + v[6] + v[7];
    s.machine_ms = busy * 1000.0 / static_cast<double>(::sysconf(_SC_CLK_TCK));
  }
  return s;
}

// The first time the watch showed each pod in each state (informer thread writes, the
// run reads under the same lock).
class Tracker {
 public:
  struct Times {
    std::optional<Clock::time_point> added, bound, running;
    std::string node, ip;
  };

  void see(const json& p) {
    const auto now = Clock::now();
    const std::string uid = p.value(json::json_pointer("/metadata/uid"), "");
    const std::string node = p.value(json::json_pointer("/spec/nodeName"), "");
    json st = p.value("status", json::object());
    if (!st.is_object()) st = json::object();
    std::lock_guard lock(mu_);
    auto& t = pods_[uid];
    if (!t.added) t.added = now;
    if (!t.bound && !node.empty()) {
      t.bound = now;
      t.node = node;
    }
    if (!t.running && st.value("phase", "") == "Running" && !st.value("podIP", "").empty()) {
      t.running = now;
      if (!t.bound) t.bound = now;
      t.ip = st.value("podIP", "");
      ++running_;
      cv_.notify_all();
    }
  }
  // Waits up to `slice` for `n` Running pods; true once there are.
  bool wait_running(int n, std::chrono::milliseconds slice) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, slice, [&] { return running_ >= n; });
  }
  std::map<std::string, Times> snapshot() {
    std::lock_guard lock(mu_);
    return pods_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, Times> pods_;  // by uid
  int running_ = 0;
};

json deployment(const DeployOptions& o) {
  json labels = {{"app", "startup"}};
  json container = {{"name", "main"}, {"image", o.image}, {"ports", json::array({{{"containerPort", 80}}})}};
  return {{"apiVersion", "apps/v1"},
          {"kind", "Deployment"},
          {"metadata", {{"name", "web"}, {"namespace", o.ns}}},
          {"spec",
           {{"replicas", o.replicas},
            {"selector", {{"matchLabels", labels}}},
            {"template",
             {{"metadata", {{"labels", labels}}},
              {"spec", {{"terminationGracePeriodSeconds", 1}, {"containers", json::array({container})}}}}}}}};
}

// The Deployment's pod template as a standalone pod, for the direct peer.
json pod(const DeployOptions& o, int i) {
  json p = deployment(o)["spec"]["template"];
  p["apiVersion"] = "v1";
  p["kind"] = "Pod";
  p["metadata"]["name"] = "web-" + std::to_string(i);
  return p;
}

// Creates the pods with 4 client threads (a controller's burst without its serial loop).
Result<> create_direct(kube::Client& c, const DeployOptions& o) {
  std::atomic<int> next{0};
  std::mutex mu;
  std::string error;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i; (i = next.fetch_add(1)) < o.replicas;)
        if (auto r = c.create("/api/v1/namespaces/" + o.ns + "/pods", pod(o, i)); !r) {
          std::lock_guard lock(mu);
          error = r.error().text();
        }
    });
  for (auto& t : threads) t.join();
  if (!error.empty()) return fail_invalid("creating pods: " + error);
  return {};
}

bool interrupted(const DeployOptions& o) { return o.interrupted && o.interrupted->load(); }

// Text for a timeout: how far the pods got, and one stuck pod's status.
std::string progress(Tracker& t, const kube::Informer& inf) {
  int added = 0, bound = 0, running = 0;
  for (const auto& [uid, times] : t.snapshot()) {
    added += times.added.has_value();
    bound += times.bound.has_value();
    running += times.running.has_value();
  }
  std::string stuck;
  for (const auto& p : inf.list())
    if ((*p)["status"].value("phase", "") != "Running") {
      stuck = (*p)["metadata"].value("name", "") + " " + (*p)["status"].dump();
      break;
    }
  return std::to_string(added) + " added, " + std::to_string(bound) + " bound, " + std::to_string(running) +
         " running; e.g. " + stuck;
}

}  // namespace

double settle(std::chrono::milliseconds limit) {
  const auto t0 = Clock::now();
  const double cores = static_cast<double>(::sysconf(_SC_NPROCESSORS_ONLN));
  while (Clock::now() - t0 < limit) {
    const double before = cpu_now(0).machine_ms;
    std::this_thread::sleep_for(250ms);
    if (cpu_now(0).machine_ms - before < 0.25 * 250 * cores) break;
  }
  return ms(t0, Clock::now());
}

Result<DeployResult> run_deployment(StartupLab& lab, const DeployOptions& o) {
  auto& client = *lab.client();
  if (auto r = client.create("/api/v1/namespaces", {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", o.ns}}}});
      !r)
    return fail_invalid("creating namespace " + o.ns + ": " + r.error().text());
  Tracker tracker;
  kube::Informer inf(lab.client(), {.resource = {"", "v1", "pods"}, .ns = o.ns});
  inf.on_add([&](const json& p) { tracker.see(p); });
  inf.on_update([&](const json&, const json& p) { tracker.see(p); });
  inf.start();
  if (!inf.wait_synced(30s)) return fail_invalid("the pod watch did not sync within 30 s");

  const auto cpu0 = cpu_now(lab.control_plane_pid());
  const auto t0 = Clock::now();
  if (o.direct) {
    if (auto r = create_direct(client, o); !r) return fail(std::move(r.error()));
  } else if (auto r = client.create("/apis/apps/v1/namespaces/" + o.ns + "/deployments", deployment(o)); !r) {
    return fail_invalid("creating the Deployment: " + r.error().text());
  }
  const auto deadline = t0 + std::chrono::seconds(o.timeout_s);
  while (!tracker.wait_running(o.replicas, 100ms)) {
    if (interrupted(o)) return fail_invalid("interrupted while waiting for pods: " + progress(tracker, inf));
    if (Clock::now() > deadline)
      return fail_invalid("not all pods Running after " + std::to_string(o.timeout_s) + " s: " + progress(tracker, inf));
  }

  const auto cpu1 = cpu_now(lab.control_plane_pid());
  DeployResult r;
  r.cpu_self_ms = cpu1.self_ms - cpu0.self_ms;
  r.cpu_children_ms = cpu1.children_ms - cpu0.children_ms;
  r.cpu_machine_ms = cpu1.machine_ms - cpu0.machine_ms;
  r.cpu_control_plane_ms = cpu1.control_plane_ms - cpu0.control_plane_ms;
  Clock::time_point last = t0;
  for (const auto& [uid, t] : tracker.snapshot()) {
    if (!t.running) continue;  // a replacement pod, if any; the run counts the first replicas Running
    last = std::max(last, *t.running);
    r.running_ms.push_back(ms(t0, *t.running));
    r.added_to_running_ms.push_back(ms(*t.added, *t.running));
    r.create_to_added_ms.push_back(ms(t0, *t.added));
    r.added_to_bound_ms.push_back(ms(*t.added, *t.bound));
    r.bound_to_running_ms.push_back(ms(*t.bound, *t.running));
    r.per_node[t.node]++;
    if (r.sample_ips.size() < 4) r.sample_ips.push_back(t.node + " " + t.ip);
  }
  r.all_running_ms = ms(t0, last);
  for (auto* v : {&r.running_ms, &r.added_to_running_ms, &r.create_to_added_ms, &r.added_to_bound_ms,
                  &r.bound_to_running_ms})
    std::sort(v->begin(), v->end());

  // Teardown: the garbage collector deletes the ReplicaSet and its pods; each node's
  // PodManager stops them, runs CNI DEL, removes the netns and confirms the deletion.
  const auto td = Clock::now();
  auto d = o.direct ? client.call("DELETE", "/api/v1/namespaces/" + o.ns + "/pods")
                    : client.remove("/apis/apps/v1/namespaces/" + o.ns + "/deployments/web",
                                    {{"apiVersion", "v1"}, {"kind", "DeleteOptions"}, {"propagationPolicy", "Background"}});
  if (!d) return fail_invalid("deleting the pods: " + d.error().text());
  const auto gone_deadline = td + std::chrono::seconds(o.timeout_s);
  while (inf.size() > 0 || lab.sandboxes() > 0) {
    if (interrupted(o)) return fail_invalid("interrupted while waiting for pods to go");
    if (Clock::now() > gone_deadline)
      return fail_invalid(std::to_string(inf.size()) + " pods and " + std::to_string(lab.sandboxes()) +
                          " sandboxes left " + std::to_string(o.timeout_s) + " s after the Deployment's delete");
    std::this_thread::sleep_for(20ms);
  }
  r.teardown_ms = ms(td, Clock::now());
  inf.stop();
  return r;
}

}  // namespace v6k::bench_startup
