// Object builders shared by the netplan tests: Services, Pods and the plumbing to pass
// them as spans of pointers, shaped as the API server serializes them.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace v6k::kube::netplan::testing {

using json = nlohmann::json;

inline json make_service(const std::string& name, json spec, json labels = json::object()) {
  json meta = {{"name", name}, {"namespace", "default"}, {"uid", "svc-uid-" + name}, {"resourceVersion", "10"}};
  if (!labels.empty()) meta["labels"] = labels;
  if (!spec.contains("clusterIP")) spec["clusterIP"] = "fd5a:1b2c:3d4e::8a";
  if (!spec.contains("ipFamilies")) spec["ipFamilies"] = {"IPv6"};
  return {{"apiVersion", "v1"}, {"kind", "Service"}, {"metadata", meta}, {"spec", spec}};
}

// The seed's service: app=my-app, port 80 -> targetPort 80.
inline json seed_service() {
  return make_service("my-app",
                      {{"selector", {{"app", "my-app"}}},
                       {"ports", {{{"port", 80}, {"targetPort", 80}, {"protocol", "TCP"}}}},
                       {"type", "ClusterIP"}},
                      {{"app", "my-app"}});
}

struct PodSpec {
  std::string name;
  std::string ip;  // empty: no IP yet
  bool ready = true;
  std::string node = "node-a";
  json labels = {{"app", "my-app"}};
  json container_ports = json::array();
  bool terminating = false;
  std::string phase = "Running";
};

inline json make_pod(const PodSpec& p) {
  json meta = {{"name", p.name}, {"namespace", "default"}, {"uid", "uid-" + p.name}, {"labels", p.labels},
               {"resourceVersion", "5"}};
  if (p.terminating) meta["deletionTimestamp"] = "2025-01-01T00:00:00Z";
  json status = {{"phase", p.phase},
                 {"conditions", {{{"type", "Ready"}, {"status", p.ready ? "True" : "False"}}}}};
  if (!p.ip.empty()) {
    status["podIP"] = p.ip;
    status["podIPs"] = {{{"ip", p.ip}}};
  }
  json container = {{"name", "app"}, {"image", "nginx"}};
  if (!p.container_ports.empty()) container["ports"] = p.container_ports;
  return {{"apiVersion", "v1"},
          {"kind", "Pod"},
          {"metadata", meta},
          {"spec", {{"nodeName", p.node}, {"containers", {container}}}},
          {"status", status}};
}

inline std::vector<const json*> ptrs(const std::vector<json>& v) {
  std::vector<const json*> out;
  for (const auto& x : v) out.push_back(&x);
  return out;
}

}  // namespace v6k::kube::netplan::testing
