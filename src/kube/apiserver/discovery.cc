// Discovery (aggregated v2 and legacy), /version, health checks and a minimal OpenAPI v3:
// everything kubectl reads before it touches a resource.
#include <openssl/sha.h>

#include "kube/apiserver/internal.h"

namespace v6k::kube::internal {

namespace {

const char* kAggregated = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";

bool wants_aggregated(const http::Request& req) {
  auto accept = req.header("accept");
  return accept && accept->find("as=APIGroupDiscoveryList") != std::string_view::npos &&
         accept->find("g=apidiscovery.k8s.io") != std::string_view::npos &&
         accept->find("v=v2") != std::string_view::npos;
}

json response_kind(const std::string& group, const std::string& version, const std::string& kind) {
  return {{"group", group}, {"version", version}, {"kind", kind}};
}

json aggregated_resource(const Resource& r) {
  json j = {{"resource", r.resource},
            {"responseKind", response_kind(r.group, r.version, r.kind)},
            {"scope", r.namespaced ? "Namespaced" : "Cluster"},
            {"singularResource", r.singular},
            {"verbs", resource_verbs(r)}};
  if (!r.short_names.empty()) j["shortNames"] = r.short_names;
  if (!r.categories.empty()) j["categories"] = r.categories;
  json subs = json::array();
  for (const auto& s : r.subresources) {
    std::string kind = subresource_kind(r, s);
    std::string group = s == "scale" ? "autoscaling" : r.group;
    subs.push_back({{"subresource", s},
                    {"responseKind", response_kind(group, "v1", kind)},
                    {"verbs", subresource_verbs(s)}});
  }
  if (!subs.empty()) j["subresources"] = std::move(subs);
  return j;
}

json aggregated_group(const std::string& group) {
  json resources = json::array();
  for (const auto& r : all_resources())
    if (r.group == group) resources.push_back(aggregated_resource(r));
  return {{"metadata", {{"name", group}, {"creationTimestamp", nullptr}}},
          {"versions", json::array({{{"version", "v1"}, {"resources", resources}, {"freshness", "Current"}}})}};
}

json aggregated_list(bool core) {
  json items = json::array();
  for (const auto& g : api_groups())
    if (g.empty() == core) items.push_back(aggregated_group(g));
  return {{"kind", "APIGroupDiscoveryList"}, {"apiVersion", "apidiscovery.k8s.io/v2"},
          {"metadata", json::object()}, {"items", items}};
}

std::string storage_hash(const Resource& r) {
  unsigned char d[SHA256_DIGEST_LENGTH];
  std::string in = r.group + "/" + r.version + "/" + r.kind;
  SHA256(reinterpret_cast<const unsigned char*>(in.data()), in.size(), d);
  static const char* b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (int i = 0; i < 8; ++i) out += b64[d[i] & 63];
  return out + "=";
}

json resource_list(const std::string& group) {
  json resources = json::array();
  for (const auto& r : all_resources()) {
    if (r.group != group) continue;
    json j = {{"name", r.resource},   {"singularName", r.singular}, {"namespaced", r.namespaced},
              {"kind", r.kind},       {"verbs", resource_verbs(r)}, {"storageVersionHash", storage_hash(r)}};
    if (!r.short_names.empty()) j["shortNames"] = r.short_names;
    if (!r.categories.empty()) j["categories"] = r.categories;
    resources.push_back(j);
    for (const auto& s : r.subresources) {
      json sj = {{"name", r.resource + "/" + s}, {"singularName", ""}, {"namespaced", r.namespaced},
                 {"kind", subresource_kind(r, s)}, {"verbs", subresource_verbs(s)}};
      if (s == "scale") sj["group"] = "autoscaling", sj["version"] = "v1";
      resources.push_back(sj);
    }
  }
  return {{"kind", "APIResourceList"}, {"apiVersion", "v1"},
          {"groupVersion", group.empty() ? "v1" : group + "/v1"}, {"resources", resources}};
}

json group_list() {
  json groups = json::array();
  for (const auto& g : api_groups()) {
    if (g.empty()) continue;
    json v = {{"groupVersion", g + "/v1"}, {"version", "v1"}};
    groups.push_back({{"name", g}, {"versions", json::array({v})}, {"preferredVersion", v}});
  }
  return {{"kind", "APIGroupList"}, {"apiVersion", "v1"}, {"groups", groups}};
}

// /openapi/v3/<gv>: per kind a PATCH operation carrying x-kubernetes-group-version-kind
// and the fieldValidation parameter: what kubectl checks to leave validation to us.
json openapi_document(const std::string& group) {
  json paths = json::object();
  for (const auto& r : all_resources()) {
    if (r.group != group) continue;
    std::string base = group.empty() ? "/api/v1" : "/apis/" + group + "/v1";
    std::string path = base + (r.namespaced ? "/namespaces/{namespace}/" : "/") + r.resource + "/{name}";
    json op = {{"operationId", "patch" + r.kind},
               {"x-kubernetes-action", "patch"},
               {"x-kubernetes-group-version-kind", {{"group", r.group}, {"version", r.version}, {"kind", r.kind}}},
               {"parameters", json::array({{{"name", "fieldValidation"}, {"in", "query"},
                                            {"schema", {{"type", "string"}, {"uniqueItems", true}}}},
                                           {{"name", "fieldManager"}, {"in", "query"},
                                            {"schema", {{"type", "string"}, {"uniqueItems", true}}}}})},
               {"responses", {{"200", {{"description", "OK"}}}}}};
    paths[path] = {{"patch", op}};
  }
  return {{"openapi", "3.0.0"},
          {"info", {{"title", "Kubernetes"}, {"version", "v1.32.0"}}},
          {"paths", paths},
          {"components", {{"schemas", json::object()}}}};
}

std::string gv_path(const std::string& group) { return group.empty() ? "api/v1" : "apis/" + group + "/v1"; }

std::string doc_hash(const std::string& group) {
  unsigned char d[SHA256_DIGEST_LENGTH];
  std::string body = openapi_document(group).dump();
  SHA256(reinterpret_cast<const unsigned char*>(body.data()), body.size(), d);
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (int i = 0; i < 32; ++i) out += kHex[d[i] >> 4], out += kHex[d[i] & 15];
  return out;
}

http::Response with_type(http::Response r, std::string ct) {
  r.set("content-type", std::move(ct));
  return r;
}

}  // namespace

std::optional<http::Response> handle_non_resource(Env& env, const http::Request& req, const RequestInfo& info) {
  const std::string& p = info.path;
  if (req.method != "GET" && req.method != "HEAD") {
    if (p == "/api" || p == "/apis" || p.starts_with("/openapi") || p == "/version")
      return status_response(method_not_supported(*find_resource("", "namespaces"), req.method));
    return std::nullopt;
  }
  if (p == "/version" || p == "/version/") {
    std::string gv = env.options.git_version;  // "v1.32.0"
    std::string minor = gv.substr(gv.find('.') + 1);
    minor = minor.substr(0, minor.find('.'));
    return json_response(200, {{"major", "1"},
                               {"minor", minor},
                               {"gitVersion", gv},
                               {"gitCommit", "v6k"},
                               {"gitTreeState", "clean"},
                               {"buildDate", "2026-01-01T00:00:00Z"},
                               {"goVersion", "n/a"},
                               {"compiler", "gc"},
                               {"platform", "linux/amd64"}});
  }
  if (p == "/healthz" || p == "/livez" || p == "/readyz") return http::Response::text(200, "ok");
  if (p == "/api" || p == "/api/") {
    if (wants_aggregated(req)) return with_type(json_response(200, aggregated_list(true)), kAggregated);
    return json_response(200, {{"kind", "APIVersions"},
                               {"versions", json::array({"v1"})},
                               {"serverAddressByClientCIDRs",
                                json::array({{{"clientCIDR", "0.0.0.0/0"}, {"serverAddress", "[::1]:443"}}})}});
  }
  if (p == "/apis" || p == "/apis/") {
    if (wants_aggregated(req)) return with_type(json_response(200, aggregated_list(false)), kAggregated);
    return json_response(200, group_list());
  }
  if (p == "/api/v1" || p == "/api/v1/") return json_response(200, resource_list(""));
  for (const auto& g : api_groups()) {
    if (g.empty()) continue;
    if (p == "/apis/" + g || p == "/apis/" + g + "/") {
      json v = {{"groupVersion", g + "/v1"}, {"version", "v1"}};
      return json_response(200, {{"kind", "APIGroup"}, {"apiVersion", "v1"}, {"name", g},
                                 {"versions", json::array({v})}, {"preferredVersion", v}});
    }
    if (p == "/apis/" + g + "/v1" || p == "/apis/" + g + "/v1/") return json_response(200, resource_list(g));
  }
  if (p == "/openapi/v3" || p == "/openapi/v3/") {
    json paths = json::object();
    for (const auto& g : api_groups())
      paths[gv_path(g)] = {{"serverRelativeURL", "/openapi/v3/" + gv_path(g) + "?hash=" + doc_hash(g)}};
    return json_response(200, {{"paths", paths}});
  }
  for (const auto& g : api_groups())
    if (p == "/openapi/v3/" + gv_path(g)) return json_response(200, openapi_document(g));
  if (p == "/openapi/v2" || p.starts_with("/openapi/")) return status_response(path_not_found());
  return std::nullopt;
}

}  // namespace v6k::kube::internal
