// Service validation (pkg/apis/core/validation ValidateService / ValidateServiceUpdate,
// 1.32 wording). Cluster IP allocation and IP-family fields belong to the API server.
#include <set>

#include "kube/selector/label_syntax.h"
#include "kube/validation/internal.h"

namespace v6k::kube::detail {

namespace {

// core.ServicePort{...} as %#v prints the (protocol, port) key of a duplicate port.
std::string service_port_key(const std::string& protocol, int64_t port) {
  return "core.ServicePort{Name:\"\", Protocol:" + gov::quote(protocol) +
         ", AppProtocol:(*string)(nil), Port:" + gov::num(port) +
         ", TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:\"\"}, NodePort:0}";
}

void validate_service_port(Errors& e, const json& sp, bool require_name, std::set<std::string>& names,
                           const std::string& path) {
  std::string name = str(sp, "name");
  if (require_name && name.empty()) {
    e.required(join(path, "name"));
  } else if (!name.empty()) {
    e.invalid_each(join(path, "name"), name, dns1123_label_errors(name));
    if (!names.insert(name).second) e.duplicate(join(path, "name"), gov::quote(name));
  }
  int64_t port = num(at(sp, "port"));
  for (const auto& m : port_num_errors(port)) e.invalid(join(path, "port"), gov::num(port), m);
  std::string proto = str(sp, "protocol");
  if (proto.empty()) {
    e.required(join(path, "protocol"));
  } else if (proto != "TCP" && proto != "UDP" && proto != "SCTP") {
    e.not_supported(join(path, "protocol"), gov::quote(proto), {"SCTP", "TCP", "UDP"});
  }
  const json& tp = at(sp, "targetPort");
  if (tp.is_string()) {
    e.invalid_each(join(path, "targetPort"), tp.get<std::string>(), port_name_errors(tp.get<std::string>()));
  } else {
    for (const auto& m : port_num_errors(num(tp))) e.invalid(join(path, "targetPort"), gov::num(num(tp)), m);
  }
}

// The cluster IPs as the registry normalizes them before validation.
json cluster_ips(const json& spec) {
  const json& ips = at(spec, "clusterIPs");
  if (ips.is_array() && !ips.empty()) return ips;
  std::string ip = str(spec, "clusterIP");
  return ip.empty() ? json() : json::array({ip});
}

}  // namespace

void validate_service(Errors& e, const json& obj, const json& old) {
  const json& spec = at(obj, "spec");
  std::string type = str(spec, "type"), cluster_ip = str(spec, "clusterIP");
  const json& ports = at(spec, "ports");
  size_t nports = ports.is_array() ? ports.size() : 0;

  if (old.is_object()) {
    // The primary cluster IP may not change once set (unless moving from/to ExternalName).
    json before = cluster_ips(at(old, "spec")), now = cluster_ips(spec);
    if (type != "ExternalName" && str(at(old, "spec"), "type") != "ExternalName" && before.is_array() &&
        now.is_array() && before[0] != now[0]) {
      e.invalid("spec.clusterIPs[0]", gov::string_slice(now), "may not change once set");
    }
  }

  bool headless = cluster_ip == "None";
  if (nports == 0 && !headless && type != "ExternalName") e.required("spec.ports");
  if (type == "LoadBalancer") {
    for (size_t i = 0; i < nports; ++i) {
      if (num(at(ports[i], "port")) == 10250) {
        e.invalid(idx("spec.ports", i), gov::num(10250), "may not expose port 10250 externally since it is used by kubelet");
      }
    }
    if (headless) e.invalid("spec.clusterIP", gov::quote(cluster_ip), "may not be set to 'None' for LoadBalancer services");
  } else if (type == "NodePort") {
    if (headless) e.invalid("spec.clusterIP", gov::quote(cluster_ip), "may not be set to 'None' for NodePort services");
  } else if (type == "ExternalName") {
    if (!cluster_ips(spec).is_null()) e.forbidden("spec.clusterIPs", "may not be set for ExternalName services");
    std::string cname = str(spec, "externalName");
    if (!cname.empty() && cname.back() == '.') cname.pop_back();  // a trailing dot marks a FQDN
    if (cname.empty()) {
      e.required("spec.externalName");
    } else {
      e.invalid_each("spec.externalName", cname, dns1123_subdomain_errors(cname));
    }
  }

  std::set<std::string> names;
  for (size_t i = 0; i < nports; ++i) validate_service_port(e, ports[i], nports > 1, names, idx("spec.ports", i));

  validate_labels(e, at(spec, "selector"), "spec.selector");

  std::string affinity = str(spec, "sessionAffinity");
  if (affinity.empty()) {
    e.required("spec.sessionAffinity");
  } else if (affinity != "ClientIP" && affinity != "None") {
    e.not_supported("spec.sessionAffinity", gov::quote(affinity), {"ClientIP", "None"});
  }
  if (affinity == "None" && has(spec, "sessionAffinityConfig")) {
    e.forbidden("spec.sessionAffinityConfig", "must not be set when session affinity is None");
  }

  if (!cluster_ip.empty() && !headless && !is_ip(cluster_ip)) {
    e.invalid("spec.clusterIPs[0]", gov::quote(cluster_ip), "must be a valid IP address");
  }
  const json& ext = at(spec, "externalIPs");
  if (ext.is_array()) {
    for (size_t i = 0; i < ext.size(); ++i) {
      std::string ip = ext[i].is_string() ? ext[i].get<std::string>() : std::string();
      if (!is_ip(ip)) e.invalid(idx("spec.externalIPs", i), gov::quote(ip), "must be a valid IP address");
    }
  }

  if (type.empty()) {
    e.required("spec.type");
  } else if (type != "ClusterIP" && type != "ExternalName" && type != "LoadBalancer" && type != "NodePort") {
    e.not_supported("spec.type", gov::quote(type), {"ClusterIP", "ExternalName", "LoadBalancer", "NodePort"});
  }
  if (type == "ClusterIP") {
    for (size_t i = 0; i < nports; ++i) {
      if (num(at(ports[i], "nodePort")) != 0) {
        e.forbidden(join(idx("spec.ports", i), "nodePort"), "may not be used when `type` is 'ClusterIP'");
      }
    }
  }
  std::set<std::pair<std::string, int64_t>> seen;
  for (size_t i = 0; i < nports; ++i) {
    std::string proto = str(ports[i], "protocol");
    int64_t port = num(at(ports[i], "port"));
    if (!seen.insert({proto, port}).second) e.duplicate(idx("spec.ports", i), service_port_key(proto, port));
  }

  std::string etp = str(spec, "externalTrafficPolicy");
  bool external = type == "NodePort" || type == "LoadBalancer" || (type == "ClusterIP" && ext.is_array() && !ext.empty());
  if (!external) {
    if (!etp.empty()) {
      e.invalid("spec.externalTrafficPolicy", gov::quote(etp), "may only be set for externally-accessible services");
    }
  } else if (etp.empty()) {
    e.required("spec.externalTrafficPolicy");
  } else if (etp != "Cluster" && etp != "Local") {
    e.not_supported("spec.externalTrafficPolicy", gov::quote(etp), {"Cluster", "Local"});
  }
  // Only the types that get a default must have it (older stored objects may lack it).
  const json& itp = at(spec, "internalTrafficPolicy");
  if (itp.is_null()) {
    if (type == "ClusterIP" || type == "NodePort" || type == "LoadBalancer") {
      e.required("spec.internalTrafficPolicy", "must be specified");
    }
  } else if (itp != "Cluster" && itp != "Local") {
    e.not_supported("spec.internalTrafficPolicy", gov::quote(itp.is_string() ? itp.get<std::string>() : ""),
                    {"Cluster", "Local"});
  }
}

}  // namespace v6k::kube::detail
