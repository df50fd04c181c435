// The pod loop's internals, shared by pods.cc (the loop: watch, queue, workers, exit
// monitor, start/stop) and pods_sync.cc (what one sync does to one pod: adopt, sandbox,
// containers, pod files, probe kills, status). Not public API.
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "kube/client/events.h"
#include "kube/client/informer.h"
#include "kube/client/workqueue.h"
#include "node/agent/pod_status.h"
#include "node/agent/pods.h"
#include "node/agent/probes.h"

namespace v6k::node {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

// What the agent knows of one pod it runs.
struct PodState {
  std::mutex mu;  // held by the worker syncing the pod and by the exit monitor
  std::string uid, ns, name;
  std::string netns_name;
  std::string sandbox_id;
  std::string pod_ip;
  std::string start_time;
  std::map<std::string, ContainerRecord> containers;       // by container name
  std::map<std::string, Clock::time_point> backoff_until;  // by container name
  std::map<std::string, std::chrono::milliseconds> backoff;
  json last_status;
  bool files_written = false;  // resolv.conf and etc-hosts (this agent's run)
  std::set<std::string> probe_killed;  // killed by a probe: restarted unless restartPolicy Never
};

struct PodManager::Impl {
  PodManagerOptions o;
  std::unique_ptr<kube::Informer> pods;
  std::unique_ptr<kube::EventRecorder> events;
  std::unique_ptr<Prober> prober;
  std::mutex kills_mu;                                   // liveness/startup failures to act on
  std::map<std::string, std::vector<ProbeKill>> kills;   // by pod key
  std::string node_resolv_conf;
  kube::WorkQueue queue;
  std::vector<std::thread> workers;
  std::thread monitor;
  std::atomic<bool> stopping{false};
  std::mutex mu;                                         // guards states (entries are per key)
  std::map<std::string, std::shared_ptr<PodState>> states;  // by pod key ns/name
  std::atomic<uint64_t> started{0}, adopted{0}, torn_down{0};

  std::string pod_path(const std::string& ns, const std::string& name) const;
  std::string netns_path(const std::string& n) const { return "/var/run/netns/" + n; }
  std::string pod_dir(const std::string& uid) const { return o.pod_root + "/" + uid; }
  Attachment attachment(const PodState& s) const {
    return {.container_id = s.uid, .netns = netns_path(s.netns_name), .pod_namespace = s.ns, .pod_name = s.name,
            .pod_uid = s.uid};
  }
  std::shared_ptr<PodState> state_for(const std::string& key) {
    std::lock_guard lock(mu);
    auto it = states.find(key);
    return it == states.end() ? nullptr : it->second;
  }
  // Adopts sandboxes and containers an earlier agent left running.
  void adopt();
  // Stops and removes everything of a pod on this node.
  void teardown(const std::shared_ptr<PodState>& st, std::chrono::milliseconds grace);
  bool ensure_sandbox(PodState& st, const json& pod);
  // Starts containers that are not running and may (re)start now; returns the time of the
  // next back-off expiry, if any.
  std::optional<std::chrono::milliseconds> ensure_containers(PodState& st, const json& pod);
  // The pod's resolv.conf and etc-hosts, (re)written when their content changes; the
  // containers started afterwards bind-mount them.
  void ensure_pod_files(PodState& st, const json& pod);
  // Kills the containers whose liveness or startup probe failed (restarted below by policy).
  void apply_kills(PodState& st, const json& pod, const std::string& key);
  // Running containers are probed; the others are not.
  void sync_probes(PodState& st, const json& pod, const std::string& key);
  // Refreshes the runtime's view of the pod's containers; true if any changed.
  bool refresh(PodState& st);
  void write_status(PodState& st, const json& pod);
  bool sync(const std::string& key);
  void monitor_loop();
  void stop();
};

}  // namespace v6k::node
