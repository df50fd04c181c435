// Builders for the Node and Pod JSON the scheduler tests feed in (upstream shapes).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace v6k::kube::scheduler::testing {

using nlohmann::json;

inline json make_node(const std::string& name, const std::string& cpu = "4", const std::string& memory = "8Gi",
                      const std::string& pods = "110") {
  return json{{"apiVersion", "v1"},
              {"kind", "Node"},
              {"metadata", {{"name", name}, {"labels", {{"kubernetes.io/hostname", name}}}}},
              {"spec", json::object()},
              {"status", {{"allocatable", {{"cpu", cpu}, {"memory", memory}, {"pods", pods}}}}}};
}

inline json make_pod(const std::string& name, const std::string& cpu = "", const std::string& memory = "",
                     const std::string& ns = "default") {
  json requests = json::object();
  if (!cpu.empty()) requests["cpu"] = cpu;
  if (!memory.empty()) requests["memory"] = memory;
  json container = {{"name", "app"}, {"image", "nginx"}};
  if (!requests.empty()) container["resources"] = {{"requests", requests}};
  return json{{"apiVersion", "v1"},
              {"kind", "Pod"},
              {"metadata", {{"name", name}, {"namespace", ns}, {"labels", {{"app", "web"}}}}},
              {"spec", {{"containers", json::array({container})}}},
              {"status", {{"phase", "Pending"}}}};
}

inline json bound(json pod, const std::string& node) {
  pod["spec"]["nodeName"] = node;
  pod["status"]["phase"] = "Running";
  return pod;
}

inline json owned_by(json pod, const std::string& uid) {
  pod["metadata"]["ownerReferences"] = json::array(
      {{{"apiVersion", "apps/v1"}, {"kind", "ReplicaSet"}, {"name", "rs"}, {"uid", uid}, {"controller", true}}});
  return pod;
}

}  // namespace v6k::kube::scheduler::testing
