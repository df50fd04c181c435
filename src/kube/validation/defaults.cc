// Defaulting as the upstream v1 defaulters do it (see defaults.h for the list).
// Each setter only fills a field that is absent, so defaulting is idempotent and a
// user's explicit value always wins.
#include "kube/validation/defaults.h"

#include <algorithm>

#include "kube/validation/internal.h"

namespace v6k::kube {

namespace {

using nlohmann::json;

// Sets obj[k] = v when obj is an object without k (null counts as absent).
void fill(json& obj, const char* k, json v) {
  if (!obj.is_object()) return;
  auto it = obj.find(k);
  if (it == obj.end() || it->is_null()) obj[k] = std::move(v);
}

// obj[k] when it is an object (created when absent), else nullptr.
json* child(json& obj, const char* k, bool create = false) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(k);
  if (it == obj.end() || it->is_null()) {
    if (!create) return nullptr;
    obj[k] = json::object();
    return &obj[k];
  }
  return it->is_object() ? &*it : nullptr;
}

template <typename F>
void each(json& obj, const char* k, F f) {
  if (!obj.is_object()) return;
  auto it = obj.find(k);
  if (it == obj.end() || !it->is_array()) return;
  for (auto& item : *it) {
    if (item.is_object()) f(item);
  }
}

// Always for ":latest" or no tag (a digest alone counts as pinned), else IfNotPresent.
std::string pull_policy(const std::string& image) {
  std::string name = image;
  bool digest = false;
  if (auto at = name.find('@'); at != std::string::npos) {
    name = name.substr(0, at);
    digest = true;
  }
  auto slash = name.rfind('/');
  auto colon = name.rfind(':');
  std::string tag = (colon != std::string::npos && (slash == std::string::npos || colon > slash)) ? name.substr(colon + 1) : "";
  std::string repo = name.substr(0, colon != std::string::npos && (slash == std::string::npos || colon > slash) ? colon : name.size());
  // Upstream ignores the parse error of a bad reference (empty, upper-case path), which
  // leaves no tag and so IfNotPresent.
  bool parses = !repo.empty() && std::none_of(repo.begin() + static_cast<long>(slash == std::string::npos ? 0 : slash), repo.end(),
                                              [](char ch) { return ch >= 'A' && ch <= 'Z'; });
  if (!parses) return "IfNotPresent";
  if (tag.empty() && !digest) tag = "latest";
  return tag == "latest" ? "Always" : "IfNotPresent";
}

void default_handler(json& h) {
  if (json* get = child(h, "httpGet")) {
    fill(*get, "path", "/");
    fill(*get, "scheme", "HTTP");
  }
}

void default_probe(json& c, const char* k) {
  json* p = child(c, k);
  if (p == nullptr) return;
  fill(*p, "timeoutSeconds", 1);
  fill(*p, "periodSeconds", 10);
  fill(*p, "successThreshold", 1);
  fill(*p, "failureThreshold", 3);
  default_handler(*p);
}

void default_field_ref(json& holder) {
  if (json* ref = child(holder, "fieldRef")) fill(*ref, "apiVersion", "v1");
}

void default_container(json& c) {
  fill(c, "terminationMessagePath", "/dev/termination-log");
  fill(c, "terminationMessagePolicy", "File");
  const json& image = detail::at(c, "image");
  fill(c, "imagePullPolicy", pull_policy(image.is_string() ? image.get<std::string>() : std::string()));
  fill(c, "resources", json::object());
  each(c, "ports", [](json& p) { fill(p, "protocol", "TCP"); });
  each(c, "env", [](json& e) {
    if (json* vf = child(e, "valueFrom")) default_field_ref(*vf);
  });
  default_probe(c, "livenessProbe");
  default_probe(c, "readinessProbe");
  default_probe(c, "startupProbe");
  if (json* lc = child(c, "lifecycle")) {
    if (json* h = child(*lc, "postStart")) default_handler(*h);
    if (json* h = child(*lc, "preStop")) default_handler(*h);
  }
}

void default_volume(json& v) {
  bool has_source = false;
  for (const auto& [k, val] : v.items()) has_source = has_source || (k != "name" && !val.is_null());
  if (!has_source) v["emptyDir"] = json::object();
  for (const char* k : {"secret", "configMap", "downwardAPI", "projected"}) {
    if (json* s = child(v, k)) fill(*s, "defaultMode", 420);
  }
  if (json* hp = child(v, "hostPath")) fill(*hp, "type", "");
  if (json* d = child(v, "downwardAPI")) each(*d, "items", default_field_ref);
  if (json* p = child(v, "projected")) {
    each(*p, "sources", [](json& s) {
      if (json* d = child(s, "downwardAPI")) each(*d, "items", default_field_ref);
      if (json* t = child(s, "serviceAccountToken")) fill(*t, "expirationSeconds", 3600);
    });
  }
}

void default_pod_spec(json& spec, bool is_pod) {
  fill(spec, "dnsPolicy", "ClusterFirst");
  fill(spec, "restartPolicy", "Always");
  fill(spec, "securityContext", json::object());
  fill(spec, "terminationGracePeriodSeconds", 30);
  fill(spec, "schedulerName", "default-scheduler");
  each(spec, "containers", default_container);
  each(spec, "initContainers", default_container);
  each(spec, "volumes", default_volume);
  if (!is_pod) return;
  fill(spec, "enableServiceLinks", true);
  // Set by the Priority admission plugin for pods without a priority class.
  if (!detail::has(spec, "priorityClassName")) fill(spec, "priority", 0);
  fill(spec, "preemptionPolicy", "PreemptLowerPriority");
  bool host_network = detail::at(spec, "hostNetwork") == true;
  auto per_container = [host_network](json& c) {
    // Requests default to limits when only limits are given.
    if (json* res = child(c, "resources")) {
      if (json* limits = child(*res, "limits")) {
        json* req = child(*res, "requests", true);
        for (const auto& [k, v] : limits->items()) fill(*req, k.c_str(), v);
      }
    }
    if (host_network) each(c, "ports", [](json& p) { fill(p, "hostPort", detail::at(p, "containerPort")); });
  };
  each(spec, "containers", per_container);
  each(spec, "initContainers", per_container);
}

void default_template(json& obj) {
  json* spec = child(obj, "spec");
  json* tmpl = spec ? child(*spec, "template") : nullptr;
  json* pod_spec = tmpl ? child(*tmpl, "spec") : nullptr;
  if (pod_spec) default_pod_spec(*pod_spec, false);
}

void default_deployment(json& obj) {
  json* spec = child(obj, "spec", true);
  if (!spec) return;
  fill(*spec, "replicas", 1);
  json* strategy = child(*spec, "strategy", true);
  if (strategy) {
    fill(*strategy, "type", "RollingUpdate");
    if (detail::str(*strategy, "type") == "RollingUpdate") {
      if (json* ru = child(*strategy, "rollingUpdate", true)) {
        fill(*ru, "maxUnavailable", "25%");
        fill(*ru, "maxSurge", "25%");
      }
    }
  }
  fill(*spec, "revisionHistoryLimit", 10);
  fill(*spec, "progressDeadlineSeconds", 600);
  default_template(obj);
  fill(obj, "status", json::object());  // an empty struct upstream serializes as {}
}

void default_service(json& obj) {
  json* spec = child(obj, "spec", true);
  if (!spec) return;
  fill(*spec, "sessionAffinity", "None");
  std::string affinity = detail::str(*spec, "sessionAffinity");
  if (affinity == "None") spec->erase("sessionAffinityConfig");
  if (affinity == "ClientIP") {
    if (json* cfg = child(*spec, "sessionAffinityConfig", true)) {
      if (json* cip = child(*cfg, "clientIP", true)) fill(*cip, "timeoutSeconds", 10800);
    }
  }
  fill(*spec, "type", "ClusterIP");
  each(*spec, "ports", [](json& p) {
    fill(p, "protocol", "TCP");
    const json& tp = detail::at(p, "targetPort");
    if (tp.is_null() || tp == 0 || tp == "") p["targetPort"] = detail::at(p, "port");
  });
  std::string type = detail::str(*spec, "type");
  const json& ext = detail::at(*spec, "externalIPs");
  bool external = type == "LoadBalancer" || type == "NodePort" || (type == "ClusterIP" && ext.is_array() && !ext.empty());
  if (external) fill(*spec, "externalTrafficPolicy", "Cluster");
  if (type == "ClusterIP" || type == "NodePort" || type == "LoadBalancer") fill(*spec, "internalTrafficPolicy", "Cluster");
  if (type == "LoadBalancer") fill(*spec, "allocateLoadBalancerNodePorts", true);
  // status.loadBalancer is a struct upstream, so a new Service shows {"loadBalancer":{}}.
  if (json* status = child(obj, "status", true)) fill(*status, "loadBalancer", json::object());
}

void default_namespace(json& obj) {
  json* meta = child(obj, "metadata", true);
  std::string name = meta ? detail::str(*meta, "name") : "";
  if (meta && !name.empty()) {
    if (json* labels = child(*meta, "labels", true)) (*labels)["kubernetes.io/metadata.name"] = name;
  }
  if (json* spec = child(obj, "spec", true)) {
    json& fins = (*spec)["finalizers"];
    if (!fins.is_array()) fins = json::array();
    if (std::find(fins.begin(), fins.end(), "kubernetes") == fins.end()) fins.push_back("kubernetes");
  }
  if (json* status = child(obj, "status", true)) fill(*status, "phase", "Active");
}

void apply_defaults_unsafe(std::string_view group, std::string_view kind, json& obj) {
  if (!obj.is_object()) return;
  if (group.empty()) {
    if (kind == "Pod") {
      if (json* spec = child(obj, "spec")) default_pod_spec(*spec, true);
    } else if (kind == "Service") {
      default_service(obj);
    } else if (kind == "Namespace") {
      default_namespace(obj);
    } else if (kind == "Secret") {
      fill(obj, "type", "Opaque");
    } else if (kind == "Endpoints") {
      each(obj, "subsets", [](json& s) { each(s, "ports", [](json& p) { fill(p, "protocol", "TCP"); }); });
    } else if (kind == "Node") {
      json* status = child(obj, "status");
      if (status && detail::at(*status, "capacity").is_object()) fill(*status, "allocatable", (*status)["capacity"]);
    }
  } else if (group == "apps") {
    if (kind == "Deployment") default_deployment(obj);
    if (kind == "ReplicaSet") {
      if (json* spec = child(obj, "spec", true)) fill(*spec, "replicas", 1);
      default_template(obj);
      fill(obj, "status", json::object());
    }
  } else if (group == "discovery.k8s.io" && kind == "EndpointSlice") {
    each(obj, "ports", [](json& p) {
      fill(p, "name", "");
      fill(p, "protocol", "TCP");
    });
  }
}

}  // namespace

void apply_defaults(std::string_view group, std::string_view kind, nlohmann::json& obj) {
  try {
    apply_defaults_unsafe(group, kind, obj);
  } catch (const std::exception&) {
    // Unreachable by design: every access above checks types first.
  }
}

}  // namespace v6k::kube
