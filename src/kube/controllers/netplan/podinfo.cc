// Pod/service predicates shared by the endpoint planners (see podinfo.h).
#include "kube/controllers/netplan/podinfo.h"

#include "addr/ip.h"

namespace v6k::kube::netplan::detail {

const json& at(const json& obj, std::string_view key) {
  static const json kNull;
  if (!obj.is_object()) return kNull;
  auto it = obj.find(key);
  return it == obj.end() ? kNull : *it;
}

std::string str(const json& obj, std::string_view key) {
  const json& v = at(obj, key);
  return v.is_string() ? v.get<std::string>() : std::string();
}

int64_t integer(const json& obj, std::string_view key, int64_t def) {
  const json& v = at(obj, key);
  return v.is_number_integer() ? v.get<int64_t>() : def;
}

json string_map(const json& m) {
  json out = json::object();
  if (!m.is_object()) return out;
  for (auto it = m.begin(); it != m.end(); ++it) {
    if (it->is_string()) out[it.key()] = *it;
  }
  return out;
}

bool service_has_selector(const json& svc) {
  // A stored Service never keeps an empty selector (omitempty), so {} reads as none.
  const json& sel = at(at(svc, "spec"), "selector");
  return sel.is_object() && !sel.empty();
}

bool selector_matches(const json& selector, const json& labels) {
  if (!selector.is_object()) return false;
  for (auto it = selector.begin(); it != selector.end(); ++it) {
    const json& have = at(labels, it.key());
    if (!have.is_string() || !it->is_string() || have != *it) return false;
  }
  return true;
}

bool service_ip_set(const json& svc) {
  std::string ip = str(at(svc, "spec"), "clusterIP");
  return !ip.empty() && ip != "None";
}

bool is_headless(const json& svc) { return str(at(svc, "spec"), "clusterIP") == "None"; }

bool pod_ready(const json& pod) {
  const json& conds = at(at(pod, "status"), "conditions");
  if (!conds.is_array()) return false;
  for (const auto& c : conds) {
    if (str(c, "type") == "Ready") return str(c, "status") == "True";
  }
  return false;
}

bool pod_terminal(const json& pod) {
  std::string phase = str(at(pod, "status"), "phase");
  return phase == "Succeeded" || phase == "Failed";
}

bool pod_terminating(const json& pod) {
  const json& ts = at(at(pod, "metadata"), "deletionTimestamp");
  return !ts.is_null();
}

std::vector<std::string> pod_ips(const json& pod) {
  std::vector<std::string> out;
  const json& status = at(pod, "status");
  const json& ips = at(status, "podIPs");
  if (ips.is_array()) {
    for (const auto& p : ips) {
      std::string ip = str(p, "ip");
      if (!ip.empty()) out.push_back(std::move(ip));
    }
  }
  if (out.empty()) {
    std::string ip = str(status, "podIP");
    if (!ip.empty()) out.push_back(std::move(ip));
  }
  return out;
}

bool should_pod_be_in_endpoints(const json& pod, bool include_terminating) {
  if (pod_terminal(pod)) return false;
  if (pod_ips(pod).empty()) return false;
  if (!include_terminating && pod_terminating(pod)) return false;
  return true;
}

std::optional<bool> ip_is_v6(std::string_view ip) {
  auto p = addr::parse_ip(ip);
  if (!p) return std::nullopt;
  return addr::is_v6(*p);
}

std::optional<std::string> canonical_ip(std::string_view ip) {
  auto p = addr::parse_ip(ip);
  if (!p) return std::nullopt;
  return addr::to_string(*p);
}

namespace {

std::optional<int64_t> find_named(const json& containers, const std::string& name, const std::string& proto,
                                  bool sidecars_only) {
  if (!containers.is_array()) return std::nullopt;
  for (const auto& c : containers) {
    if (sidecars_only && str(c, "restartPolicy") != "Always") continue;
    const json& ports = at(c, "ports");
    if (!ports.is_array()) continue;
    for (const auto& p : ports) {
      std::string pproto = str(p, "protocol");
      if (pproto.empty()) pproto = "TCP";
      if (str(p, "name") == name && pproto == proto) {
        int64_t n = integer(p, "containerPort", 0);
        if (n > 0) return n;
      }
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<int64_t> resolve_target_port(const json& pod, const json& service_port) {
  const json& tp = at(service_port, "targetPort");
  if (tp.is_number_integer()) {
    int64_t n = tp.get<int64_t>();
    if (n > 0) return n;
  }
  if (tp.is_string() && !tp.get_ref<const std::string&>().empty()) {
    std::string proto = str(service_port, "protocol");
    if (proto.empty()) proto = "TCP";
    const json& spec = at(pod, "spec");
    const std::string& name = tp.get_ref<const std::string&>();
    if (auto n = find_named(at(spec, "containers"), name, proto, false)) return n;
    return find_named(at(spec, "initContainers"), name, proto, true);
  }
  // Unset (or 0): the API defaults targetPort to the service port.
  int64_t port = integer(service_port, "port", 0);
  if (port > 0) return port;
  return std::nullopt;
}

bool should_set_hostname(const json& pod, const json& svc) {
  const json& spec = at(pod, "spec");
  return !str(spec, "hostname").empty() && str(spec, "subdomain") == str(at(svc, "metadata"), "name") &&
         str(at(svc, "metadata"), "namespace") == str(at(pod, "metadata"), "namespace");
}

}  // namespace v6k::kube::netplan::detail
