// A pod's status as the kubelet writes it, from what the runtime reports: phase,
// conditions, podIP/podIPs, hostIP/hostIPs, startTime and one containerStatus per
// container (state running / waiting / terminated, lastState, restartCount, ready,
// started, containerID "v6k://<id>", image, imageID), and the files the kubelet makes
// for a pod's containers: resolv.conf by dnsPolicy/dnsConfig and the managed /etc/hosts.
// Pure, for the pod loop and tests.
//
//   auto files = pod_dns_files(pod, "2001:db8::5", {.cluster_dns = "fd00:10::a"});
//   files.resolv_conf == "nameserver fd00:10::a\nsearch default.svc.cluster.local svc.cluster.local "
//                        "cluster.local\noptions ndots:5\n";
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"
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
  // What the probes say while it runs (probes.h): readiness, and the startup probe passed.
  bool ready = true;
  bool started = true;
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

// resolv.conf as the kubelet hands it to the runtime: nameservers, search domains, options.
struct ResolvConf {
  std::vector<std::string> nameservers, searches, options;
};
// Reads nameserver, search, domain and options lines (comments and other lines are
// ignored; a later search/domain line replaces an earlier one, as in glibc).
ResolvConf parse_resolv_conf(std::string_view text);
// "nameserver <a>\n"... then "search <s...>\n" and "options <o...>\n" when not empty.
std::string render_resolv_conf(const ResolvConf& rc);

struct PodDnsOptions {
  std::string cluster_dns;                        // the cluster DNS IP; "" = none
  std::string cluster_domain = "cluster.local";
  std::string node_resolv_conf;                   // the node's resolv.conf (dnsPolicy Default)
};

struct PodDnsFiles {
  std::string resolv_conf;
  std::string hosts;
  // Warning events to record on the pod: (reason, message).
  std::vector<std::pair<std::string, std::string>> events;
};

// The pod's resolv.conf by spec.dnsPolicy: ClusterFirst (default; Default for hostNetwork
// pods, and when no cluster DNS is configured, with a MissingClusterDNS event),
// ClusterFirstWithHostNet, Default (the node's) or None; spec.dnsConfig's nameservers,
// searches and options merged in (options by name, the pod's value wins); at most 3
// nameservers and 32 search domains / 2048 characters (DNSConfigForming events). And the
// kubelet-managed /etc/hosts: localhost lines, the pod IP -> hostname (with its FQDN when
// spec.subdomain is set), then spec.hostAliases.
PodDnsFiles pod_dns_files(const nlohmann::json& pod, const std::string& pod_ip, const PodDnsOptions& options);

// Writes <dir>/resolv.conf and <dir>/etc-hosts when their content differs (true if it
// wrote), and <dir>/owner = `owner` (the runtime root that runs the pod), for the GC below.
Result<bool> write_pod_files(const std::string& dir, const PodDnsFiles& files, const std::string& owner);
// Removes the pod dirs under `root` that `owner` has no pod of (uids not in `live`), and
// those whose owner directory is gone (a test's runtime root, deleted with its pods).
void gc_pod_dirs(const std::string& root, const std::string& owner, const std::vector<std::string>& live);

}  // namespace v6k::node
