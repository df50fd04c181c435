// Internal to src/eks: what the operation handlers share (api.cc routes to them).
#pragma once

#include <expected>
#include <functional>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "aws/sigv4.h"
#include "ec2/region.h"
#include "eks/api.h"
#include "eks/records.h"
#include "http/message.h"
#include "store/store.h"

// Unwraps a validation step's result into `var`, or returns its error reply.
#define V6K_EKS_TRY(var, expr) \
  auto var = (expr);           \
  if (!var) return std::unexpected(var.error())

namespace v6k::eks {

struct ApiError {
  int status = 400;
  std::string code;     // "InvalidParameterException"
  std::string message;  // EKS's wording
  std::string cluster;  // the error shape's clusterName, when known
  std::string nodegroup;
};
ApiError invalid_parameter(std::string message, std::string cluster = "", std::string nodegroup = "");
ApiError server_error(const Error& e);
ApiError cluster_not_found(const std::string& name);

using Reply = std::expected<nlohmann::json, ApiError>;  // the 200 body

// A store/model failure becomes ServerException (500).
template <typename T>
std::expected<T, ApiError> or_server(Result<T> r) {
  if (!r) return std::unexpected(server_error(r.error()));
  return std::move(*r);
}

struct Ctx {
  const http::Request& request;
  const aws::Caller& caller;
  store::Store& store;
  const ec2::RegionConfig& region;
  const EksOptions& options;
  std::mutex& write_mu;
  std::function<void()> wake;  // tells the worker something changed
  double now() const { return options.now(); }
};

// The JSON body as an object (an empty body is {}).
std::expected<nlohmann::json, ApiError> body_object(const http::Request& r);
// Typed members; absent -> nullopt; wrong type -> InvalidParameterException naming `path`.
std::expected<std::optional<std::string>, ApiError> opt_string(const nlohmann::json& o, const char* key,
                                                               const std::string& path);
std::expected<std::optional<std::vector<std::string>>, ApiError> opt_strings(const nlohmann::json& o, const char* key,
                                                                             const std::string& path);
std::expected<std::optional<bool>, ApiError> opt_bool(const nlohmann::json& o, const char* key, const std::string& path);
std::expected<std::optional<int64_t>, ApiError> opt_int(const nlohmann::json& o, const char* key, const std::string& path);
std::expected<std::optional<nlohmann::json>, ApiError> opt_object(const nlohmann::json& o, const char* key,
                                                                  const std::string& path);
// TagMap: string -> string, 1..50 entries, keys 1..128, values 0..256.
std::expected<std::map<std::string, std::string>, ApiError> tag_map(const nlohmann::json& o, const std::string& path);
// "1 validation error detected: Value '<v>' at '<path>' failed to satisfy constraint: <what>"
std::string validation_message(const std::string& value, const std::string& path, const std::string& constraint);
// maxResults / nextToken of the List calls: a page of `names` (sorted).
Reply page(const http::Request& r, const std::vector<std::string>& names, const char* result_key);

Reply create_cluster(Ctx& c);
Reply describe_cluster(Ctx& c, const std::string& name);
Reply list_clusters(Ctx& c);
Reply delete_cluster(Ctx& c, const std::string& name);
Reply create_nodegroup(Ctx& c, const std::string& cluster);
Reply describe_nodegroup(Ctx& c, const std::string& cluster, const std::string& name);
Reply list_nodegroups(Ctx& c, const std::string& cluster);
Reply delete_nodegroup(Ctx& c, const std::string& cluster, const std::string& name);

}  // namespace v6k::eks
