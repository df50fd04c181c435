// Pods: upstream printPod. The Status column is the most involved cell kubectl shows:
// it starts from the phase (or status.reason), is overridden by the first init container
// that has not finished ("Init:0/2", "Init:CrashLoopBackOff"), then by the last regular
// container that is waiting or terminated ("ContainerCreating", "CrashLoopBackOff",
// "Completed", "Error"), and finally by deletion ("Terminating", or "Unknown" for pods on
// a lost node).
#include <algorithm>
#include <climits>
#include <map>
#include <string>

#include "kube/tables/internal.h"

namespace v6k::kube::tables {

namespace {

// The later of `best` and the container's lastState.terminated.finishedAt.
void note_restart(const Json& status, std::optional<TimePoint>& best) {
  if (!has_object(status, {"lastState", "terminated"})) return;
  auto t = parse_time(str(status, {"lastState", "terminated", "finishedAt"}));
  if (t && (!best || *best < *t)) best = t;
}

bool condition_true(const Json& pod, std::string_view type) {
  for (const Json& c : arr(pod, {"status", "conditions"}))
    if (str(c, {"type"}) == type) return str(c, {"status"}) == "True";
  return false;
}

// hasPodReadyCondition: any Ready condition with status True.
bool has_ready_condition(const Json& pod) {
  for (const Json& c : arr(pod, {"status", "conditions"}))
    if (str(c, {"type"}) == "Ready" && str(c, {"status"}) == "True") return true;
  return false;
}

// "Signal:9" / "ExitCode:1" for a terminated state without a reason.
std::string exit_text(const Json& terminated) {
  const int64_t signal = num(terminated, {"signal"});
  if (signal != 0) return "Signal:" + std::to_string(signal);
  return "ExitCode:" + std::to_string(num(terminated, {"exitCode"}));
}

// restartCount is an int32 upstream; clamping keeps sums of hostile values defined.
int64_t restart_count(const Json& status) {
  return std::clamp<int64_t>(num(status, {"restartCount"}), INT32_MIN, INT32_MAX);
}

}  // namespace

Json pod_columns() {
  return Json::array({
      column("Name", "string", kNameDoc, 0, "name"),
      column("Ready", "string", "The aggregate readiness state of this pod for accepting traffic."),
      column("Status", "string", "The aggregate status of the containers in this pod."),
      column("Restarts", "string",
             "The number of times the containers in this pod have been restarted and when the "
             "last container in this pod has restarted."),
      column("Age", "string", kCreationTimestampDoc),
      column("IP", "string",
             "podIP address allocated to the pod. Routable at least within the cluster. Empty "
             "if not yet allocated.",
             1),
      column("Node", "string",
             "NodeName is a request to schedule this pod onto a specific node. If it is "
             "non-empty, the scheduler simply schedules this pod onto that node, assuming that "
             "it fits resource requirements.",
             1),
      column("Nominated Node", "string",
             "nominatedNodeName is set only when this pod preempts other pods on the node, but "
             "it cannot be scheduled right away as preemption victims receive their graceful "
             "termination periods. This field does not guarantee that the pod will be "
             "scheduled on this node. Scheduler may decide to place the pod elsewhere if other "
             "nodes become available sooner. Scheduler may also decide to give the resources "
             "on this node to a higher priority pod that is created after preemption. As a "
             "result, this field may be different than PodSpec.nodeName when the pod is "
             "scheduled.",
             1),
      column("Readiness Gates", "string",
             "If specified, all readiness gates will be evaluated for pod readiness. A pod is "
             "ready when all its containers are ready AND all conditions specified in the "
             "readiness gates have status equal to \"True\" More info: "
             "https://git.k8s.io/enhancements/keps/sig-network/580-pod-readiness-gates",
             1),
  });
}

Json pod_cells(const Json& pod, TimePoint now, Json& conditions) {
  int64_t restarts = 0;
  int64_t restartable_init_restarts = 0;
  int64_t total = count(pod, {"spec", "containers"});
  int64_t ready = 0;
  std::optional<TimePoint> last_restart;
  std::optional<TimePoint> last_restartable_init_restart;

  const std::string phase = str(pod, {"status", "phase"});
  std::string reason = phase;
  if (!str(pod, {"status", "reason"}).empty()) reason = str(pod, {"status", "reason"});
  for (const Json& c : arr(pod, {"status", "conditions"}))
    if (str(c, {"type"}) == "PodScheduled" && str(c, {"reason"}) == "SchedulingGated")
      reason = "SchedulingGated";

  if (phase == "Succeeded")
    conditions = Json::array({{{"type", "Completed"},
                               {"status", "True"},
                               {"reason", "Succeeded"},
                               {"message", "The pod has completed successfully."}}});
  else if (phase == "Failed")
    conditions = Json::array({{{"type", "Completed"},
                               {"status", "True"},
                               {"reason", "Failed"},
                               {"message", "The pod failed."}}});

  // Sidecars (init containers with restartPolicy Always) count as regular containers.
  std::map<std::string, bool> restartable;
  const Json& init_specs = arr(pod, {"spec", "initContainers"});
  for (const Json& c : init_specs) {
    const bool always = str(c, {"restartPolicy"}) == "Always";
    restartable[str(c, {"name"})] = always;
    if (always) ++total;
  }
  auto is_restartable = [&](const std::string& name) {
    auto it = restartable.find(name);
    return it != restartable.end() && it->second;
  };

  bool initializing = false;
  const Json& init_statuses = arr(pod, {"status", "initContainerStatuses"});
  for (size_t i = 0; i < init_statuses.size(); ++i) {
    const Json& c = init_statuses[i];
    const std::string name = str(c, {"name"});
    restarts += restart_count(c);
    note_restart(c, last_restart);
    if (is_restartable(name)) {
      restartable_init_restarts += restart_count(c);
      note_restart(c, last_restartable_init_restart);
    }
    const bool terminated = has_object(c, {"state", "terminated"});
    if (terminated && num(c, {"state", "terminated", "exitCode"}) == 0) continue;
    if (is_restartable(name) && is_true(c, {"started"})) {
      if (is_true(c, {"ready"})) ++ready;
      continue;
    }
    if (terminated) {
      const std::string r = str(c, {"state", "terminated", "reason"});
      reason = "Init:" + (r.empty() ? exit_text(obj(c, {"state", "terminated"})) : r);
    } else if (has_object(c, {"state", "waiting"}) &&
               !str(c, {"state", "waiting", "reason"}).empty() &&
               str(c, {"state", "waiting", "reason"}) != "PodInitializing") {
      reason = "Init:" + str(c, {"state", "waiting", "reason"});
    } else {
      reason = "Init:" + std::to_string(i) + "/" + std::to_string(init_specs.size());
    }
    initializing = true;
    break;
  }

  if (!initializing || condition_true(pod, "Initialized")) {
    restarts = restartable_init_restarts;
    last_restart = last_restartable_init_restart;
    bool has_running = false;
    const Json& statuses = arr(pod, {"status", "containerStatuses"});
    for (auto it = statuses.rbegin(); it != statuses.rend(); ++it) {
      const Json& c = *it;
      restarts += restart_count(c);
      note_restart(c, last_restart);
      const std::string waiting = str(c, {"state", "waiting", "reason"});
      const std::string term_reason = str(c, {"state", "terminated", "reason"});
      if (has_object(c, {"state", "waiting"}) && !waiting.empty()) {
        reason = waiting;
      } else if (has_object(c, {"state", "terminated"}) && !term_reason.empty()) {
        reason = term_reason;
      } else if (has_object(c, {"state", "terminated"})) {
        reason = exit_text(obj(c, {"state", "terminated"}));
      } else if (is_true(c, {"ready"}) && has_object(c, {"state", "running"})) {
        has_running = true;
        ++ready;
      }
    }
    // A pod whose last container completed but another still runs is not "Completed".
    if (reason == "Completed" && has_running)
      reason = has_ready_condition(pod) ? "Running" : "NotReady";
  }

  const Json* deletion = find(pod, {"metadata", "deletionTimestamp"});
  const bool deleting = deletion && !deletion->is_null();
  if (deleting && str(pod, {"status", "reason"}) == "NodeLost")
    reason = "Unknown";
  else if (deleting && phase != "Failed" && phase != "Succeeded")
    reason = "Terminating";

  std::string restarts_text = std::to_string(restarts);
  if (restarts != 0 && last_restart)
    restarts_text += " (" +
                     human_duration(std::chrono::duration_cast<std::chrono::nanoseconds>(
                         now - *last_restart)) +
                     " ago)";

  // Converting v1 to the internal type fills podIPs from podIP when only that is set.
  std::string ip;
  const Json& ips = arr(pod, {"status", "podIPs"});
  if (!ips.empty())
    ip = str(ips[0], {"ip"});
  else
    ip = str(pod, {"status", "podIP"});
  std::string node = str(pod, {"spec", "nodeName"});
  std::string nominated = str(pod, {"status", "nominatedNodeName"});

  std::string gates = "<none>";
  const Json& gate_specs = arr(pod, {"spec", "readinessGates"});
  if (!gate_specs.empty()) {
    int64_t true_count = 0;
    for (const Json& g : gate_specs) {
      const std::string type = str(g, {"conditionType"});
      for (const Json& c : arr(pod, {"status", "conditions"})) {
        if (str(c, {"type"}) != type) continue;
        if (str(c, {"status"}) == "True") ++true_count;
        break;
      }
    }
    gates = std::to_string(true_count) + "/" + std::to_string(gate_specs.size());
  }

  return Json::array({str(pod, {"metadata", "name"}),
                      std::to_string(ready) + "/" + std::to_string(total), reason, restarts_text,
                      age(pod, now),
                      ip.empty() ? "<none>" : ip, node.empty() ? "<none>" : node,
                      nominated.empty() ? "<none>" : nominated, gates});
}

}  // namespace v6k::kube::tables
