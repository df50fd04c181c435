#include "kube/apiserver/resources.h"

namespace v6k::kube {

namespace {

std::vector<Resource> build() {
  using V = std::vector<std::string>;
  return {
      {"", "v1", "namespaces", "namespace", "Namespace", false, V{"ns"}, V{}, V{"status", "finalize"}, true},
      {"", "v1", "nodes", "node", "Node", false, V{"no"}, V{}, V{"status"}, true},
      {"", "v1", "pods", "pod", "Pod", true, V{"po"}, V{"all"}, V{"status", "binding", "log", "exec", "attach"}, true},
      {"", "v1", "services", "service", "Service", true, V{"svc"}, V{"all"}, V{"status"}, true},
      {"", "v1", "endpoints", "endpoints", "Endpoints", true, V{"ep"}, V{}, V{}, false},
      {"", "v1", "events", "event", "Event", true, V{"ev"}, V{}, V{}, false},
      {"", "v1", "configmaps", "configmap", "ConfigMap", true, V{"cm"}, V{}, V{}, false},
      {"", "v1", "secrets", "secret", "Secret", true, V{}, V{}, V{}, false},
      {"", "v1", "serviceaccounts", "serviceaccount", "ServiceAccount", true, V{"sa"}, V{}, V{}, false},
      {"apps", "v1", "deployments", "deployment", "Deployment", true, V{"deploy"}, V{"all"}, V{"status", "scale"}, true},
      {"apps", "v1", "replicasets", "replicaset", "ReplicaSet", true, V{"rs"}, V{"all"}, V{"status", "scale"}, true},
      {"discovery.k8s.io", "v1", "endpointslices", "endpointslice", "EndpointSlice", true, V{}, V{}, V{}, false},
      {"coordination.k8s.io", "v1", "leases", "lease", "Lease", true, V{}, V{}, V{}, false},
      {"authentication.k8s.io", "v1", "tokenreviews", "tokenreview", "TokenReview", false, V{}, V{}, V{}, false},
  };
}

}  // namespace

const std::vector<Resource>& all_resources() {
  static const std::vector<Resource> table = build();
  return table;
}

const Resource* find_resource(std::string_view group, std::string_view resource) {
  for (const auto& r : all_resources())
    if (r.group == group && r.resource == resource) return &r;
  return nullptr;
}

const Resource* find_kind(std::string_view group, std::string_view kind) {
  for (const auto& r : all_resources())
    if (r.group == group && r.kind == kind) return &r;
  return nullptr;
}

std::vector<std::string> api_groups() {
  std::vector<std::string> out;
  for (const auto& r : all_resources()) {
    bool seen = false;
    for (const auto& g : out) seen = seen || g == r.group;
    if (!seen) out.push_back(r.group);
  }
  return out;
}

std::vector<std::string> resource_verbs(const Resource& r) {
  if (r.resource == "tokenreviews") return {"create"};  // tokenreview.cc: never stored
  return {"create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"};
}

std::vector<std::string> subresource_verbs(std::string_view subresource) {
  if (subresource == "binding") return {"create"};
  if (subresource == "log") return {"get"};
  if (subresource == "exec" || subresource == "attach") return {"create", "get"};
  if (subresource == "finalize") return {"update"};
  return {"get", "patch", "update"};
}

std::string subresource_kind(const Resource& r, std::string_view subresource) {
  if (subresource == "scale") return "Scale";
  if (subresource == "binding") return "Binding";
  if (subresource == "exec") return "PodExecOptions";
  if (subresource == "attach") return "PodAttachOptions";
  if (subresource == "log") return "Pod";
  return r.kind;
}

}  // namespace v6k::kube
