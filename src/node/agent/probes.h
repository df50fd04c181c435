// Container probes as the kubelet runs them: readiness (decides containerStatuses[].ready
// and the pod's Ready/ContainersReady), liveness (a failure restarts the container) and
// startup (holds the other two back until it succeeds; a failure restarts too).
//
//   auto prober = Prober::start({.runtime = &rt, .events = &recorder,
//                                .on_change = [&](const std::string& key) { queue.add(key); },
//                                .on_kill = [&](const ProbeKill& k) { ... stop k.container_id ... }}).value();
//   prober->add({.pod_key = "default/web", .container = "nginx", .container_id = id,
//                .pod_ip = "2001:db8::5", .netns_path = "/var/run/netns/pod-1", .started_ns = t,
//                .pod = pod_json, .spec = container_json});
//   prober->status("default/web", "nginx", id);   // {.ready = true, .started = true} once probed
//
// Semantics follow upstream's prober workers: defaults periodSeconds 10, timeoutSeconds 1,
// successThreshold 1, failureThreshold 3; the first probe runs initialDelaySeconds after the
// container started; a result flips only after `threshold` equal results in a row; readiness
// starts as failure, liveness as success, startup as unknown; a probe that errors (say a
// named port the container does not declare) changes nothing; after a liveness/startup
// failure the probe holds until the container is replaced. Every failed run records a
// Warning "Unhealthy" event: "Readiness probe failed: HTTP probe failed with statuscode: 404".
//
// Network probes run INSIDE the pod's network namespace (the agent lives in the root netns,
// which must not route into namespaces): the socket is made there by the prober thread and
// driven with epoll, so one thread serves every probe of the node, network and exec alike
// (exec: runtime exec_in_container, success = exit 0, the timeout kills the command).
// httpGet speaks HTTP/1.1 only (scheme HTTPS is refused with a clear message) and counts
// 200-399 as success without following redirects.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "node/agent/probe_spec.h"
#include "node/runtime/runtime.h"

namespace v6k::kube {
class EventRecorder;
}

namespace v6k::node {

// One running container instance to probe.
struct ProbeTarget {
  std::string pod_key;       // "<namespace>/<name>"
  std::string container;     // its name in the pod spec
  std::string container_id;  // the runtime's id; a new id resets the results
  std::string pod_ip;        // default host of network probes
  std::string netns_path;    // the pod's network namespace
  int64_t started_ns = 0;    // when it started running (initialDelaySeconds counts from here)
  nlohmann::json pod;        // the pod (events name it)
  nlohmann::json spec;       // the container's spec (its probes and ports)
  // The pod's status already said this instance is ready (an agent restart adopting it):
  // readiness starts as success, so Services do not drop a serving pod meanwhile.
  bool was_ready = false;
};

// A liveness or startup probe reached its failure threshold: the container must go.
struct ProbeKill {
  std::string pod_key, container, container_id;
  ProbeType type = ProbeType::kLiveness;
  std::optional<int> grace_seconds;  // the probe's terminationGracePeriodSeconds, if set
};

struct ContainerProbeStatus {
  bool ready = false;    // no readiness probe, or it succeeds (and the container started)
  bool started = false;  // no startup probe, or it succeeded
};

struct ProberOptions {
  runtime::Runtime* runtime = nullptr;  // exec probes
  kube::EventRecorder* events = nullptr;  // "Unhealthy" events; null: none
  std::function<void(const std::string& pod_key)> on_change;  // readiness/startup result flipped
  std::function<void(const ProbeKill&)> on_kill;
  // Every finished run (tests, diagnostics): the output is the event's text after "probe
  // failed: " (or the error, when `errored`).
  std::function<void(const ProbeTarget&, ProbeType, ProbeResult outcome, bool errored, const std::string& output)> on_run;
  std::string user_agent = "kube-probe/1.21";
};

class Prober {
 public:
  static Result<std::unique_ptr<Prober>> start(ProberOptions options);
  ~Prober();
  void stop();

  // Starts probing a running container; the same id again changes nothing, a new id (a
  // restart) starts over from the initial results.
  void add(const ProbeTarget& target);
  // Stops probing one container (it exited) or all of a pod's.
  void remove(const std::string& pod_key, const std::string& container);
  void remove_pod(const std::string& pod_key);
  // What the probes say of that container instance ({false, false} if it is not known).
  ContainerProbeStatus status(const std::string& pod_key, const std::string& container,
                              const std::string& container_id) const;
  size_t probes_run() const;  // completed probe runs (tests)

  struct Impl;

 private:
  explicit Prober(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace v6k::node
