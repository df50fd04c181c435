// The resources a cluster's API server serves: one static table that discovery, URL
// routing, storage keys, Tables and validation all read, so adding a kind is one row.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace v6k::kube {

struct Resource {
  std::string group;      // "" for the core group
  std::string version;    // "v1"
  std::string resource;   // plural, lower case: "pods"
  std::string singular;   // "pod"
  std::string kind;       // "Pod"
  bool namespaced = true;
  std::vector<std::string> short_names;
  std::vector<std::string> categories;    // "all" makes `kubectl get all` include it
  std::vector<std::string> subresources;  // "status", "scale", "binding", "log"
  bool has_status = false;  // writes to the main resource keep the stored status

  std::string group_version() const { return group.empty() ? version : group + "/" + version; }
  // "deployments.apps", "pods": how Status messages name the resource.
  std::string qualified() const { return group.empty() ? resource : resource + "." + group; }
  // "/registry/deployments/" (+ "<ns>/<name>"): where objects live in the store.
  std::string key_prefix() const { return "/registry/" + qualified() + "/"; }
};

const std::vector<Resource>& all_resources();
// By group + plural resource name; nullptr when unknown.
const Resource* find_resource(std::string_view group, std::string_view resource);
// By group + kind ("apps", "Deployment").
const Resource* find_kind(std::string_view group, std::string_view kind);
// The groups with their versions, core first ("", "apps", ...), each once.
std::vector<std::string> api_groups();

// Verbs of a resource and of its subresources, as discovery lists them.
std::vector<std::string> resource_verbs(const Resource& r);
std::vector<std::string> subresource_verbs(std::string_view subresource);
// The kind a subresource answers with (Scale for "scale", the resource's own kind else).
std::string subresource_kind(const Resource& r, std::string_view subresource);

}  // namespace v6k::kube
