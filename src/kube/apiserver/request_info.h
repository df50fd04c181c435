// What a Kubernetes API request is about, from its method and URL, as kube-apiserver's
// RequestInfoFactory derives it:
//   GET /api/v1/namespaces/ns/pods?watch=true  → verb watch, resource pods, namespace ns
//   PATCH /apis/apps/v1/namespaces/ns/deployments/web/scale → patch, subresource scale
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "http/message.h"

namespace v6k::kube {

struct RequestInfo {
  bool resource_request = false;  // false: discovery, /version, /openapi, /healthz...
  std::string verb;               // get list watch create update patch delete deletecollection
  std::string group, version;     // "" + "v1" for /api/v1
  std::string namespace_;         // "" for cluster-scoped or all-namespaces requests
  std::string resource;           // "pods"
  std::string name;               // "" for collections
  std::string subresource;        // "status", "scale", "log", ...
  std::string path;               // decoded path
  std::multimap<std::string, std::string> query;

  // Last value of a query parameter, or `fallback`.
  std::string param(std::string_view key, std::string_view fallback = "") const;
  bool flag(std::string_view key) const;  // "true" / "1"
};

// nullopt for a malformed path or query (bad percent escapes).
std::optional<RequestInfo> parse_request_info(const http::Request& req);

// Splits and decodes "a=1&b=x%20y" (+ is a space in queries).
std::optional<std::multimap<std::string, std::string>> parse_query(std::string_view query);

}  // namespace v6k::kube
