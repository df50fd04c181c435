#include "node/agent/node_object.h"

#include "kube/selector/label_syntax.h"

namespace v6k::node {

using nlohmann::json;

std::string kube_arch(const std::string& a) {
  if (a == "x86_64" || a == "x86_64_mac" || a == "amd64") return "amd64";
  if (a == "arm64" || a == "arm64_mac" || a == "aarch64") return "arm64";
  return a.empty() ? "amd64" : a;
}

json node_labels(const NodeIdentity& id) {
  const std::string arch = kube_arch(id.architecture);
  json l = {{"kubernetes.io/arch", arch},
            {"beta.kubernetes.io/arch", arch},
            {"kubernetes.io/os", "linux"},
            {"beta.kubernetes.io/os", "linux"},
            {"kubernetes.io/hostname", id.node_name},
            {"node.kubernetes.io/instance-type", id.instance_type},
            {"beta.kubernetes.io/instance-type", id.instance_type},
            {"topology.kubernetes.io/region", id.region},
            {"topology.kubernetes.io/zone", id.zone},
            {"failure-domain.beta.kubernetes.io/region", id.region},
            {"failure-domain.beta.kubernetes.io/zone", id.zone},
            {"k8s.io/cloud-provider-aws", "v6k"}};
  if (!id.nodegroup.empty()) {
    l["eks.amazonaws.com/nodegroup"] = id.nodegroup;
    l["eks.amazonaws.com/capacityType"] = "ON_DEMAND";
  }
  for (const auto& [k, v] : id.extra_labels) l[k] = v;
  return l;
}

namespace {

json resources(const NodeIdentity& id, bool allocatable) {
  // Allocatable keeps back what EKS's bootstrap reserves for the kubelet and the system
  // (about 80m CPU and 300 MiB on a small instance) plus the 100 MiB eviction threshold.
  int64_t cpu_m = id.cpu * 1000 - (allocatable ? 80 : 0);
  int64_t mem_ki = id.memory_bytes / 1024 - (allocatable ? (400 << 10) : 0);
  return {{"cpu", allocatable ? std::to_string(cpu_m) + "m" : std::to_string(id.cpu)},
          {"memory", std::to_string(mem_ki) + "Ki"},
          {"ephemeral-storage", allocatable ? "18242267924" : "20959212Ki"},
          {"hugepages-1Gi", "0"},
          {"hugepages-2Mi", "0"},
          {"pods", std::to_string(id.max_pods)}};
}

json condition(const std::string& type, bool ok_status_true, bool ok, const std::string& reason,
               const std::string& message, const std::string& now, const json& previous) {
  std::string status = (ok == ok_status_true) ? "True" : "False";
  std::string transition = now;
  if (previous.is_array())
    for (const auto& p : previous)
      if (p.value("type", "") == type && p.value("status", "") == status)
        transition = p.value("lastTransitionTime", now);
  return {{"type", type},       {"status", status},   {"lastHeartbeatTime", now}, {"lastTransitionTime", transition},
          {"reason", reason},   {"message", message}};
}

}  // namespace

json node_status(const NodeIdentity& id, const std::string& now, const NodeHealth& h, const json& previous) {
  json addrs = json::array();
  addrs.push_back({{"type", "InternalIP"}, {"address", id.ipv6_cluster ? id.internal_ipv6 : id.internal_ipv4}});
  if (!id.external_ipv4.empty()) addrs.push_back({{"type", "ExternalIP"}, {"address", id.external_ipv4}});
  addrs.push_back({{"type", "InternalDNS"}, {"address", id.node_name}});
  addrs.push_back({{"type", "Hostname"}, {"address", id.node_name}});
  json conds = json::array(
      {condition("MemoryPressure", false, true, "KubeletHasSufficientMemory", "kubelet has sufficient memory available",
                 now, previous),
       condition("DiskPressure", false, true, "KubeletHasNoDiskPressure", "kubelet has no disk pressure", now, previous),
       condition("PIDPressure", false, true, "KubeletHasSufficientPID", "kubelet has sufficient PID available", now,
                 previous),
       h.ready ? condition("Ready", true, true, "KubeletReady", "kubelet is posting ready status", now, previous)
               : condition("Ready", true, false, h.not_ready_reason, h.not_ready_message, now, previous)});
  return {{"capacity", resources(id, false)},
          {"allocatable", resources(id, true)},
          {"addresses", addrs},
          {"conditions", conds},
          {"daemonEndpoints", {{"kubeletEndpoint", {{"Port", id.kubelet_port}}}}},
          {"nodeInfo",
           {{"machineID", id.machine_id},
            {"systemUUID", id.instance_id},
            {"bootID", id.boot_id},
            {"kernelVersion", id.kernel_version},
            {"osImage", id.os_image},
            {"containerRuntimeVersion", id.runtime_version},
            {"kubeletVersion", id.kubelet_version},
            {"kubeProxyVersion", id.kubelet_version},
            {"operatingSystem", "linux"},
            {"architecture", kube_arch(id.architecture)}}}};
}

json make_node(const NodeIdentity& id) {
  json spec = {{"providerID", "aws:///" + id.zone + "/" + id.instance_id}};
  if (!id.taints.empty()) spec["taints"] = id.taints;  // registered with them, as kubelet does
  return {{"apiVersion", "v1"},
          {"kind", "Node"},
          {"metadata",
           {{"name", id.node_name},
            {"labels", node_labels(id)},
            {"annotations", {{"node.alpha.kubernetes.io/ttl", "0"}, {"v6k.dev/pod-prefix", id.pod_prefix}}}}},
          {"spec", spec}};
}

namespace {

std::string first_error(const std::vector<std::string>& errors) { return errors.empty() ? "" : errors.front(); }

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  while (true) {
    auto at = s.find(sep);
    out.push_back(s.substr(0, at));
    if (at == std::string_view::npos) return out;
    s.remove_prefix(at + 1);
  }
}

}  // namespace

Result<std::vector<std::pair<std::string, std::string>>> parse_node_labels(std::string_view flag) {
  std::vector<std::pair<std::string, std::string>> out;
  if (flag.empty()) return out;
  for (auto item : split(flag, ',')) {
    auto eq = item.find('=');
    if (eq == std::string_view::npos) return fail_invalid("--node-labels: '" + std::string(item) + "' is not key=value");
    std::string key(item.substr(0, eq)), value(item.substr(eq + 1));
    if (auto why = first_error(kube::label_key_errors(key)); !why.empty())
      return fail_invalid("--node-labels: invalid key '" + key + "': " + why);
    if (auto why = first_error(kube::label_value_errors(value)); !why.empty())
      return fail_invalid("--node-labels: invalid value '" + value + "': " + why);
    out.emplace_back(std::move(key), std::move(value));
  }
  return out;
}

Result<json> parse_taints(std::string_view flag) {
  json out = json::array();
  if (flag.empty()) return out;
  for (auto item : split(flag, ',')) {
    auto colon = item.rfind(':');
    if (colon == std::string_view::npos)
      return fail_invalid("--register-with-taints: '" + std::string(item) + "' has no :effect");
    std::string effect(item.substr(colon + 1));
    if (effect != "NoSchedule" && effect != "PreferNoSchedule" && effect != "NoExecute")
      return fail_invalid("--register-with-taints: effect '" + effect +
                          "' is not NoSchedule, PreferNoSchedule or NoExecute");
    auto kv = item.substr(0, colon);
    auto eq = kv.find('=');
    std::string key(kv.substr(0, eq)), value(eq == std::string_view::npos ? "" : kv.substr(eq + 1));
    if (auto why = first_error(kube::label_key_errors(key)); !why.empty())
      return fail_invalid("--register-with-taints: invalid key '" + key + "': " + why);
    if (auto why = first_error(kube::label_value_errors(value)); !why.empty())
      return fail_invalid("--register-with-taints: invalid value '" + value + "': " + why);
    json t = {{"key", key}, {"effect", effect}};
    if (!value.empty()) t["value"] = value;
    out.push_back(std::move(t));
  }
  return out;
}

json make_lease(const NodeIdentity& id, const std::string& now_micro) {
  return {{"apiVersion", "coordination.k8s.io/v1"},
          {"kind", "Lease"},
          {"metadata", {{"name", id.node_name}, {"namespace", "kube-node-lease"}}},
          {"spec", {{"holderIdentity", id.node_name}, {"leaseDurationSeconds", 40}, {"renewTime", now_micro}}}};
}

}  // namespace v6k::node
