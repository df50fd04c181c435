// Container probe specs and their results, as upstream's kubelet reads and counts them
// (the pure half of probes.h, for the prober, tests and the fuzz target).
//
//   auto spec = parse_probe(container["readinessProbe"], container).value();  // defaults filled
//   auto t = ProbeTracker::initial(ProbeType::kReadiness);                    // not ready yet
//   t.observe(ProbeResult::kSuccess, *spec, ProbeType::kReadiness);           // true: now ready
//
// Defaults: periodSeconds 10, timeoutSeconds 1, successThreshold 1, failureThreshold 3,
// initialDelaySeconds 0 (absent or 0 = default, as upstream's defaulting). A result flips
// only after `threshold` equal outcomes in a row; readiness starts as failure, liveness as
// success, startup as unknown; after a liveness/startup failure the probe holds until the
// container is replaced.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"

namespace v6k::node {

enum class ProbeType { kReadiness, kLiveness, kStartup };
// "Readiness", "Liveness", "Startup" (as in the events).
std::string_view probe_type_name(ProbeType t);
// "readinessProbe", "livenessProbe", "startupProbe" (the container's field).
std::string_view probe_field(ProbeType t);

struct ProbeSpec {
  enum class Action { kHttpGet, kTcpSocket, kExec };
  Action action = Action::kTcpSocket;
  std::string host;  // httpGet.host; "" = the pod IP
  int port = 0;      // httpGet/tcpSocket, named ports resolved through the container's ports
  std::string path;  // httpGet.path as given
  std::vector<std::pair<std::string, std::string>> headers;  // httpGet.httpHeaders, in order
  std::vector<std::string> command;                          // exec.command
  int initial_delay_seconds = 0;
  int period_seconds = 10;
  int timeout_seconds = 1;
  int success_threshold = 1;
  int failure_threshold = 3;
  std::optional<int> termination_grace_seconds;  // the probe's own terminationGracePeriodSeconds
};

// One probe object of a container (`container` gives the named ports), with upstream's
// defaults for absent or zero fields. Errors name the field: no handler, gRPC, HTTPS,
// an unknown named port, a port outside 1-65535, a field of the wrong type.
Result<ProbeSpec> parse_probe(const nlohmann::json& probe, const nlohmann::json& container);

enum class ProbeResult { kUnknown, kSuccess, kFailure };

// The published result of one probe and its run of equal outcomes (upstream's worker).
struct ProbeTracker {
  ProbeResult result = ProbeResult::kUnknown;
  ProbeResult last = ProbeResult::kUnknown;
  int run = 0;
  bool on_hold = false;  // liveness/startup after a failure: wait for a new container

  static ProbeTracker initial(ProbeType t);
  // Counts one outcome; true when the published result changed.
  bool observe(ProbeResult outcome, const ProbeSpec& spec, ProbeType t);
};

}  // namespace v6k::node
