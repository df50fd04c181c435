// Kubernetes Status errors (metav1.Status), shaped exactly as kube-apiserver writes them so
// kubectl prints the same lines: `Error from server (NotFound): pods "x" not found`.
//
//   return fail_status(not_found(*res, name));   // inside a Result<...> handler
//   http::Response r = status_response(already_exists(*res, name));
#pragma once

#include <expected>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "http/message.h"
#include "kube/apiserver/resources.h"

namespace v6k::kube {

struct StatusCause {
  std::string reason;   // "FieldValueInvalid", "FieldManagerConflict", ...
  std::string message;
  std::string field;
};

struct ApiStatus {
  int code = 500;
  std::string reason;   // "NotFound", "AlreadyExists", "Conflict", "Invalid", ...
  std::string message;
  // details (omitted when all empty)
  std::string name;
  std::string group;
  std::string kind;     // the resource name, as upstream puts it ("pods", "deployments")
  std::vector<StatusCause> causes;
  int retry_after_seconds = 0;

  nlohmann::json to_json() const;
};

template <typename T = void>
using ApiResult = std::expected<T, ApiStatus>;
inline std::unexpected<ApiStatus> fail_status(ApiStatus s) { return std::unexpected<ApiStatus>(std::move(s)); }

http::Response status_response(const ApiStatus& s);
http::Response json_response(int code, const nlohmann::json& body,
                             std::string content_type = "application/json");

ApiStatus not_found(const Resource& r, std::string_view name);
ApiStatus already_exists(const Resource& r, std::string_view name);
// "Operation cannot be fulfilled on deployments.apps "web": the object has been modified; ..."
ApiStatus conflict_modified(const Resource& r, std::string_view name);
ApiStatus conflict(const Resource& r, std::string_view name, std::string message);
ApiStatus bad_request(std::string message);
ApiStatus invalid(const Resource& r, std::string_view name, std::string message,
                  std::vector<StatusCause> causes);
ApiStatus forbidden(const Resource& r, std::string_view name, std::string message);
ApiStatus unauthorized();
ApiStatus method_not_supported(const Resource& r, std::string_view verb);
ApiStatus gone(std::string message);  // 410 Expired
ApiStatus unsupported_media_type(std::string_view detail);  // detail: "got text/csv"
ApiStatus not_acceptable(std::string message);
ApiStatus internal_error(std::string message);
ApiStatus path_not_found();  // 404 for a URL no resource answers

}  // namespace v6k::kube
