// ConfigMap, Secret, Namespace, Node, Event, Endpoints, EndpointSlice validation
// (pkg/apis/core/validation and pkg/apis/discovery/validation, 1.32 wording).
#include "kube/selector/label_syntax.h"
#include "kube/validation/internal.h"

namespace v6k::kube::detail {

namespace {

constexpr int64_t kMaxSecretSize = 1024 * 1024;
constexpr std::string_view kImmutableWhenSet = "field is immutable when `immutable` is set";

// Decoded size of a base64 value (Secret data and ConfigMap binaryData travel as base64).
int64_t base64_size(const std::string& s) {
  int64_t pad = 0;
  for (auto it = s.rbegin(); it != s.rend() && *it == '='; ++it) ++pad;
  return static_cast<int64_t>(s.size() / 4 * 3) - pad;
}

void validate_keys(Errors& e, const json& data, const std::string& path) {
  if (!data.is_object()) return;
  for (const auto& [k, v] : data.items()) {
    (void)v;
    e.invalid_each(key(path, k), k, config_key_errors(k));
  }
}

void validate_immutable_update(Errors& e, const json& obj, const json& old, std::initializer_list<const char*> fields) {
  if (!old.is_object() || at(old, "immutable") != true) return;
  if (at(obj, "immutable") != true) e.forbidden("immutable", kImmutableWhenSet);
  for (const char* f : fields) {
    if (at(obj, f) != at(old, f)) e.forbidden(f, kImmutableWhenSet);
  }
}

void validate_configmap(Errors& e, const json& obj, const json& old) {
  const json& data = at(obj, "data");
  const json& binary = at(obj, "binaryData");
  int64_t total = 0;
  if (data.is_object()) {
    for (const auto& [k, v] : data.items()) {
      e.invalid_each(key("data", k), k, config_key_errors(k));
      if (binary.is_object() && binary.contains(k)) {
        e.invalid(key("data", k), gov::quote(k), "duplicate of key present in binaryData");
      }
      if (v.is_string()) total += static_cast<int64_t>(v.get_ref<const std::string&>().size());
    }
  }
  if (binary.is_object()) {
    for (const auto& [k, v] : binary.items()) {
      e.invalid_each(key("binaryData", k), k, config_key_errors(k));
      if (v.is_string()) total += base64_size(v.get<std::string>());
    }
  }
  if (total > kMaxSecretSize) e.too_long("", kMaxSecretSize);
  validate_immutable_update(e, obj, old, {"data", "binaryData"});
}

void validate_secret(Errors& e, const json& obj, const json& old) {
  // stringData is merged into data before validation (v1 -> internal conversion).
  json data = at(obj, "data").is_object() ? at(obj, "data") : json::object();
  int64_t total = 0;
  for (const auto& [k, v] : data.items()) {
    if (v.is_string()) total += base64_size(v.get<std::string>());
  }
  const json& sd = at(obj, "stringData");
  if (sd.is_object()) {
    for (const auto& [k, v] : sd.items()) {
      if (v.is_string()) total += static_cast<int64_t>(v.get_ref<const std::string&>().size());
      data[k] = v;
    }
  }
  validate_keys(e, data, "data");
  if (total > kMaxSecretSize) e.too_long("data", kMaxSecretSize);
  std::string type = str(obj, "type");
  auto need = [&](const char* k) {
    if (!data.contains(k)) e.required(key("data", k));
  };
  if (type == "kubernetes.io/service-account-token") {
    if (str(at(at(obj, "metadata"), "annotations"), "kubernetes.io/service-account.name").empty()) {
      e.required("metadata.annotations[kubernetes.io/service-account.name]");
    }
  } else if (type == "kubernetes.io/dockercfg") {
    need(".dockercfg");
  } else if (type == "kubernetes.io/dockerconfigjson") {
    need(".dockerconfigjson");
  } else if (type == "kubernetes.io/basic-auth") {
    if (!data.contains("username") && !data.contains("password")) {
      e.required("data[username]");
      e.required("data[password]");
    }
  } else if (type == "kubernetes.io/ssh-auth") {
    if (str(data, "ssh-privatekey").empty()) e.required("data[ssh-privatekey]");
  } else if (type == "kubernetes.io/tls") {
    need("tls.crt");
    need("tls.key");
  }
  if (old.is_object() && str(old, "type") != type) e.invalid("type", gov::quote(type), kImmutable);
  validate_immutable_update(e, obj, old, {"data"});
}

bool namespaced_kind(const std::string& kind) {
  return kind != "Node" && kind != "Namespace" && kind != "PersistentVolume" && kind != "ClusterRole" &&
         kind != "ClusterRoleBinding" && kind != "StorageClass" && kind != "CustomResourceDefinition";
}

void validate_event(Errors& e, const json& obj) {
  const json& involved = at(obj, "involvedObject");
  std::string ns = str(at(obj, "metadata"), "namespace"), ins = str(involved, "namespace");
  std::string kind = str(involved, "kind");
  if (!has(obj, "eventTime")) {
    // Old-style events: the event lives in its object's namespace ("default" for cluster objects).
    if (ins.empty() ? (!ns.empty() && ns != "default") : ns != ins) {
      e.invalid("involvedObject.namespace", gov::quote(ins), "does not match event.namespace");
    }
  } else {
    if (str(obj, "reportingComponent").empty()) e.required("reportingComponent");
    if (str(obj, "action").empty()) e.required("action");
  }
  if (!kind.empty()) {
    bool namespaced = namespaced_kind(kind);
    if (namespaced && ins.empty()) e.required("involvedObject.namespace", "required for kind " + kind);
    if (!namespaced && !ins.empty()) e.invalid("involvedObject.namespace", gov::quote(ins), "not allowed for kind " + kind);
  }
}

void validate_endpoint_ports(Errors& e, const json& ports, const std::string& path, bool require_name) {
  if (!ports.is_array()) return;
  for (size_t i = 0; i < ports.size(); ++i) {
    std::string p = idx(path, i);
    std::string name = str(ports[i], "name");
    if (require_name && ports.size() > 1 && name.empty()) e.required(join(p, "name"));
    if (!name.empty()) e.invalid_each(join(p, "name"), name, dns1123_label_errors(name));
    const json& port = at(ports[i], "port");
    if (require_name || !port.is_null()) {
      for (const auto& m : port_num_errors(num(port))) e.invalid(join(p, "port"), gov::num(num(port)), m);
    }
    std::string proto = str(ports[i], "protocol");
    if (proto.empty()) {
      e.required(join(p, "protocol"));
    } else if (proto != "TCP" && proto != "UDP" && proto != "SCTP") {
      e.not_supported(join(p, "protocol"), gov::quote(proto), {"SCTP", "TCP", "UDP"});
    }
  }
}

void validate_endpoints(Errors& e, const json& obj) {
  const json& subsets = at(obj, "subsets");
  if (!subsets.is_array()) return;
  for (size_t i = 0; i < subsets.size(); ++i) {
    std::string p = idx("subsets", i);
    for (const char* list : {"addresses", "notReadyAddresses"}) {
      const json& addrs = at(subsets[i], list);
      if (!addrs.is_array()) continue;
      for (size_t j = 0; j < addrs.size(); ++j) {
        std::string ip = str(addrs[j], "ip");
        if (!is_ip(ip)) e.invalid(join(idx(join(p, list), j), "ip"), gov::quote(ip), "must be a valid IP address");
      }
    }
    validate_endpoint_ports(e, at(subsets[i], "ports"), join(p, "ports"), true);
  }
}

void validate_endpoint_slice(Errors& e, const json& obj) {
  std::string type = str(obj, "addressType");
  if (type.empty()) {
    e.required("addressType");
  } else if (type != "IPv4" && type != "IPv6" && type != "FQDN") {
    e.not_supported("addressType", gov::quote(type), {"FQDN", "IPv4", "IPv6"});
  }
  const json& eps = at(obj, "endpoints");
  if (eps.is_array()) {
    for (size_t i = 0; i < eps.size(); ++i) {
      std::string p = join(idx("endpoints", i), "addresses");
      const json& addrs = at(eps[i], "addresses");
      if (!addrs.is_array() || addrs.empty()) e.required(p, "must contain at least 1 address");
      if (!addrs.is_array() || type == "FQDN") continue;
      for (size_t j = 0; j < addrs.size(); ++j) {
        std::string a = addrs[j].is_string() ? addrs[j].get<std::string>() : std::string();
        bool v6 = a.find(':') != std::string::npos;
        if (!is_ip(a)) {
          e.invalid(idx(p, j), gov::quote(a), "must be a valid IP address");
        } else if (v6 != (type == "IPv6")) {
          e.invalid(idx(p, j), gov::quote(a), "must be an " + type + " address");
        }
      }
    }
  }
  validate_endpoint_ports(e, at(obj, "ports"), "ports", false);
}

}  // namespace

void validate_config(Errors& e, std::string_view kind, const json& obj, const json& old) {
  if (kind == "ConfigMap") validate_configmap(e, obj, old);
  if (kind == "Secret") validate_secret(e, obj, old);
}

void validate_misc(Errors& e, std::string_view kind, const json& obj) {
  if (kind == "Namespace") validate_finalizers(e, at(at(obj, "spec"), "finalizers"), "spec.finalizers");
  if (kind == "Event") validate_event(e, obj);
  if (kind == "Endpoints") validate_endpoints(e, obj);
  if (kind == "EndpointSlice") validate_endpoint_slice(e, obj);
}

}  // namespace v6k::kube::detail
