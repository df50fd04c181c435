// A pod's status as the kubelet writes it, from what the runtime reports: phase,
// conditions, podIP/podIPs, hostIP/hostIPs, startTime and one containerStatus per
// container (state running / waiting / terminated, lastState, restartCount, ready,
// started, containerID "v6k://<id>", image, imageID). Pure, for the pod loop and tests.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "node/runtime/runtime.h"

namespace v6k::node {

struct ContainerRecord {
  std::string name;
  std::string image;
  int restart_count = 0;
  std::optional<runtime::ContainerStatus> current;         // the latest instance
  std::optional<runtime::ContainerStatus> last_terminated;  // the one before (lastState)
  std::string waiting_reason;   // ContainerCreating, ErrImagePull, ImagePullBackOff, CrashLoopBackOff
  std::string waiting_message;
};

struct PodView {
  std::string pod_ip;     // "" while the sandbox is not ready
  std::string host_ip;
  std::string start_time;  // RFC 3339
  std::string now;         // RFC 3339
};

// RFC 3339 (seconds) of a runtime timestamp in ns since the epoch.
std::string rfc3339_of_ns(int64_t ns);

// The new status; `pod` gives spec (restartPolicy, containers) and the previous status
// (conditions keep their lastTransitionTime while unchanged).
nlohmann::json pod_status(const nlohmann::json& pod, const std::vector<ContainerRecord>& containers, const PodView& v);

// The runtime spec of one pod container: command, args, env (value and the common
// fieldRef sources), workingDir, resource limits.
runtime::ContainerSpec container_spec(const nlohmann::json& pod, const nlohmann::json& container,
                                      const std::string& pod_ip, const std::string& host_ip);

}  // namespace v6k::node
