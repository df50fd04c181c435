#include "kube/scheduler/objects.h"

#include <algorithm>
#include <optional>

#include "kube/scheduler/quantity.h"

namespace v6k::kube::scheduler {

using nlohmann::json;

const json* child(const json& j, std::string_view key) {
  if (!j.is_object()) return nullptr;
  auto it = j.find(key);
  return it == j.end() ? nullptr : &*it;
}

std::string_view str_at(const json& j, std::string_view key) {
  const json* c = child(j, key);
  return c && c->is_string() ? std::string_view(c->get_ref<const std::string&>()) : std::string_view();
}

namespace {

const json& empty_json() {
  static const json kNull;
  return kNull;
}

const json& at(const json& j, std::string_view key) {
  const json* c = child(j, key);
  return c ? *c : empty_json();
}

// A quantity field of a resource list, or nullopt when absent; unparsable reads as 0
// (the API server rejects those before they reach us).
std::optional<int64_t> quantity(const json& list, std::string_view name, int scale) {
  const json* q = child(list, name);
  if (!q) return std::nullopt;
  if (q->is_string()) {
    auto v = parse_quantity_scaled(q->get_ref<const std::string&>(), scale);
    return v ? *v : 0;
  }
  if (q->is_number_integer()) {
    int64_t v = 0;
    if (__builtin_mul_overflow(q->get<int64_t>(), scale == 3 ? 1000 : 1, &v)) return 0;  // as an unparsable string
    return v;
  }
  if (q->is_number()) {
    auto v = parse_quantity_scaled(q->dump(), scale);
    return v ? *v : 0;
  }
  return 0;
}

struct ContainerRequests {
  Resources requests;
  Resources non_zero;
};

ContainerRequests container_requests(const json& container) {
  const json& req = at(at(container, "resources"), "requests");
  auto cpu = quantity(req, "cpu", 3);
  auto mem = quantity(req, "memory", 0);
  ContainerRequests r;
  r.requests = {cpu.value_or(0), mem.value_or(0)};
  // Unset (not zero) requests count as 100m / 200Mi when scoring, so that many
  // best-effort pods do not all pile onto one node.
  r.non_zero = {cpu.value_or(kDefaultMilliCpuRequest), mem.value_or(kDefaultMemoryRequest)};
  return r;
}

Resources max_of(const Resources& a, const Resources& b) {
  return {std::max(a.milli_cpu, b.milli_cpu), std::max(a.memory, b.memory)};
}

void add_host_ports(const json& container, std::vector<HostPort>& out) {
  const json& ports = at(container, "ports");
  if (!ports.is_array()) return;
  for (const json& p : ports) {
    const json* hp = child(p, "hostPort");
    if (!hp || !hp->is_number_integer()) continue;
    int64_t port = hp->get<int64_t>();
    if (port <= 0) continue;
    HostPort h{std::string(str_at(p, "hostIP")), std::string(str_at(p, "protocol")), static_cast<int32_t>(port)};
    if (h.ip.empty()) h.ip = "0.0.0.0";
    if (h.protocol.empty()) h.protocol = "TCP";
    out.push_back(std::move(h));
  }
}

// resource.PodRequests (and its non-zero twin): containers are summed; sidecars
// (init containers with restartPolicy Always) run alongside them and add up; a plain init
// container runs alone next to the sidecars started before it; the pod needs the larger
// of the two phases, plus spec.overhead.
void read_requests(const json& spec, PodFacts& p) {
  Resources sum, sum_nz;
  const json& containers = at(spec, "containers");
  if (containers.is_array()) {
    for (const json& c : containers) {
      auto r = container_requests(c);
      sum += r.requests;
      sum_nz += r.non_zero;
      add_host_ports(c, p.host_ports);
    }
  }
  Resources init_max, init_max_nz, sidecars, sidecars_nz;
  const json& inits = at(spec, "initContainers");
  if (inits.is_array()) {
    for (const json& c : inits) {
      auto r = container_requests(c);
      Resources phase = r.requests, phase_nz = r.non_zero;
      if (str_at(c, "restartPolicy") == "Always") {
        sum += r.requests;
        sum_nz += r.non_zero;
        sidecars += r.requests;
        sidecars_nz += r.non_zero;
        phase = sidecars;
        phase_nz = sidecars_nz;
        add_host_ports(c, p.host_ports);
      } else {
        phase += sidecars;
        phase_nz += sidecars_nz;
      }
      init_max = max_of(init_max, phase);
      init_max_nz = max_of(init_max_nz, phase_nz);
    }
  }
  p.requests = max_of(sum, init_max);
  p.non_zero = max_of(sum_nz, init_max_nz);
  const json& overhead = at(spec, "overhead");
  Resources oh{quantity(overhead, "cpu", 3).value_or(0), quantity(overhead, "memory", 0).value_or(0)};
  p.requests += oh;
  p.non_zero += oh;
}

std::string owner_key_of(const json& meta, std::string_view ns) {
  const json& refs = at(meta, "ownerReferences");
  if (refs.is_array()) {
    for (const json& r : refs) {
      const json* ctrl = child(r, "controller");
      if (ctrl && ctrl->is_boolean() && ctrl->get<bool>()) {
        std::string_view uid = str_at(r, "uid");
        if (!uid.empty()) return "uid:" + std::string(uid);
      }
    }
  }
  // No controller: pods with the same labels in the same namespace belong together.
  // nlohmann objects iterate in key order, so the text is canonical.
  std::string key = "labels:" + std::string(ns) + "/";
  const json& labels = at(meta, "labels");
  if (labels.is_object()) {
    for (auto it = labels.begin(); it != labels.end(); ++it) {
      if (!it.value().is_string()) continue;
      key += it.key();
      key += '=';
      key += it.value().get_ref<const std::string&>();
      key += '\x1f';
    }
  }
  return key;
}

}  // namespace

bool Toleration::tolerates(const Taint& t) const {
  if (!effect.empty() && effect != t.effect) return false;
  if (!key.empty() && key != t.key) return false;
  if (op.empty() || op == "Equal") return value == t.value;
  return op == "Exists";
}

bool tolerations_tolerate(const std::vector<Toleration>& tolerations, const Taint& t) {
  return std::any_of(tolerations.begin(), tolerations.end(), [&](const Toleration& tol) { return tol.tolerates(t); });
}

std::string pod_key(const json& pod) {
  const json& meta = at(pod, "metadata");
  std::string_view name = str_at(meta, "name");
  if (name.empty()) return {};
  std::string_view ns = str_at(meta, "namespace");
  return std::string(ns.empty() ? "default" : ns) + "/" + std::string(name);
}

PodFacts read_pod(const json& pod) {
  PodFacts p;
  const json& meta = at(pod, "metadata");
  const json& spec = at(pod, "spec");
  const json& status = at(pod, "status");
  p.ns = str_at(meta, "namespace");
  if (p.ns.empty()) p.ns = "default";
  p.name = str_at(meta, "name");
  p.key = p.ns + "/" + p.name;
  p.node_name = str_at(spec, "nodeName");
  p.phase = str_at(status, "phase");
  const json* del = child(meta, "deletionTimestamp");
  p.terminating = del && !del->is_null();
  const json* prio = child(spec, "priority");
  if (prio && prio->is_number_integer()) p.priority = static_cast<int32_t>(prio->get<int64_t>());
  p.preempt_never = str_at(spec, "preemptionPolicy") == "Never";
  p.start_time = str_at(status, "startTime");
  read_requests(spec, p);
  const json& tols = at(spec, "tolerations");
  if (tols.is_array()) {
    for (const json& t : tols) {
      p.tolerations.push_back({std::string(str_at(t, "key")), std::string(str_at(t, "operator")),
                               std::string(str_at(t, "value")), std::string(str_at(t, "effect"))});
    }
  }
  p.owner_key = owner_key_of(meta, p.ns);
  return p;
}

NodeFacts read_node(const json& node) {
  NodeFacts n;
  const json& meta = at(node, "metadata");
  const json& spec = at(node, "spec");
  n.name = str_at(meta, "name");
  const json& labels = at(meta, "labels");
  if (labels.is_object()) {
    for (auto it = labels.begin(); it != labels.end(); ++it) {
      if (it.value().is_string()) n.labels.emplace(it.key(), it.value().get_ref<const std::string&>());
    }
  }
  auto host = n.labels.find("kubernetes.io/hostname");
  n.hostname = host != n.labels.end() ? host->second : n.name;
  if (auto zone = n.labels.find("topology.kubernetes.io/zone"); zone != n.labels.end()) n.zone = zone->second;
  const json& taints = at(spec, "taints");
  if (taints.is_array()) {
    for (const json& t : taints) {
      n.taints.push_back(
          {std::string(str_at(t, "key")), std::string(str_at(t, "value")), std::string(str_at(t, "effect"))});
    }
  }
  const json* unsched = child(spec, "unschedulable");
  n.unschedulable = unsched && unsched->is_boolean() && unsched->get<bool>();
  const json& alloc = at(at(node, "status"), "allocatable");
  n.allocatable = {quantity(alloc, "cpu", 3).value_or(0), quantity(alloc, "memory", 0).value_or(0)};
  n.allowed_pods = quantity(alloc, "pods", 0).value_or(110);
  return n;
}

}  // namespace v6k::kube::scheduler
