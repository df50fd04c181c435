// What the scheduler needs to know of a Pod or a Node, read once from the JSON object
// (upstream field names and defaults; a missing field means its Kubernetes default).
// Reading never throws: malformed fields read as absent.
//
//   PodFacts p = read_pod(pod_json);
//   p.requests.milli_cpu;   // resource.PodRequests: max(sum(containers), init max) + overhead
//   p.owner_key;            // controller ownerReference uid, else namespace + labels hash
//   NodeFacts n = read_node(node_json);
//   n.allocatable.memory;   // status.allocatable (absent cpu/memory = 0, absent pods = 110)
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace v6k::kube::scheduler {

struct Resources {
  int64_t milli_cpu = 0;
  int64_t memory = 0;
  // Saturating: absurd requests must not wrap around into small ones.
  static int64_t sat_add(int64_t a, int64_t b) {
    int64_t r = 0;
    if (!__builtin_add_overflow(a, b, &r)) return r;
    return b > 0 ? INT64_MAX : INT64_MIN;
  }
  Resources& operator+=(const Resources& o) {
    milli_cpu = sat_add(milli_cpu, o.milli_cpu);
    memory = sat_add(memory, o.memory);
    return *this;
  }
  Resources& operator-=(const Resources& o) {
    milli_cpu = sat_add(milli_cpu, o.milli_cpu == INT64_MIN ? INT64_MAX : -o.milli_cpu);
    memory = sat_add(memory, o.memory == INT64_MIN ? INT64_MAX : -o.memory);
    return *this;
  }
  bool operator==(const Resources&) const = default;
};

// A container hostPort as NodePorts sees it: empty hostIP reads "0.0.0.0", empty
// protocol "TCP"; ports without hostPort (> 0) are not listed at all.
struct HostPort {
  std::string ip;
  std::string protocol;
  int32_t port = 0;
  bool operator==(const HostPort&) const = default;
};

struct Taint {
  std::string key;
  std::string value;
  std::string effect;  // NoSchedule | PreferNoSchedule | NoExecute
};

struct Toleration {
  std::string key;
  std::string op;  // "" (= Equal) | Equal | Exists
  std::string value;
  std::string effect;  // "" = every effect
  // v1.Toleration.ToleratesTaint.
  bool tolerates(const Taint& t) const;
};

bool tolerations_tolerate(const std::vector<Toleration>& tolerations, const Taint& t);

struct PodFacts {
  std::string ns;
  std::string name;
  std::string key;        // "ns/name"
  std::string node_name;  // spec.nodeName
  std::string phase;      // status.phase
  bool terminating = false;  // metadata.deletionTimestamp set
  int32_t priority = 0;      // spec.priority (admission fills it from priorityClassName)
  bool preempt_never = false;  // spec.preemptionPolicy == Never
  std::string start_time;      // status.startTime (RFC 3339), "" if not started
  Resources requests;          // what NodeResourcesFit checks and accounts
  Resources non_zero;          // the same with 100m / 200Mi for unset container requests (scoring)
  std::vector<HostPort> host_ports;
  std::vector<Toleration> tolerations;
  std::string owner_key;
};

struct NodeFacts {
  std::string name;
  std::string hostname;  // label kubernetes.io/hostname, else the node name
  std::optional<std::string> zone;  // label topology.kubernetes.io/zone
  std::map<std::string, std::string, std::less<>> labels;
  std::vector<Taint> taints;
  bool unschedulable = false;
  Resources allocatable;
  int64_t allowed_pods = 110;
};

inline constexpr int64_t kDefaultMilliCpuRequest = 100;               // 0.1 core
inline constexpr int64_t kDefaultMemoryRequest = 200LL * 1024 * 1024;  // 200 MiB

PodFacts read_pod(const nlohmann::json& pod);
NodeFacts read_node(const nlohmann::json& node);
// "ns/name" of a pod object ("" when metadata.name is missing).
std::string pod_key(const nlohmann::json& pod);

// Non-throwing JSON accessors shared by the scheduler's readers.
const nlohmann::json* child(const nlohmann::json& j, std::string_view key);
std::string_view str_at(const nlohmann::json& j, std::string_view key);  // "" if absent/not string

}  // namespace v6k::kube::scheduler
