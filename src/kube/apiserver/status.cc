#include "kube/apiserver/status.h"

namespace v6k::kube {

using nlohmann::json;

json ApiStatus::to_json() const {
  json j = {{"kind", "Status"}, {"apiVersion", "v1"}, {"metadata", json::object()},
            {"status", "Failure"}, {"message", message}, {"reason", reason}};
  json details = json::object();
  if (!name.empty()) details["name"] = name;
  if (!group.empty()) details["group"] = group;
  if (!kind.empty()) details["kind"] = kind;
  if (!causes.empty()) {
    json cs = json::array();
    for (const auto& c : causes) {
      json cj = json::object();
      if (!c.reason.empty()) cj["reason"] = c.reason;
      if (!c.message.empty()) cj["message"] = c.message;
      if (!c.field.empty()) cj["field"] = c.field;
      cs.push_back(std::move(cj));
    }
    details["causes"] = std::move(cs);
  }
  if (retry_after_seconds > 0) details["retryAfterSeconds"] = retry_after_seconds;
  if (!details.empty()) j["details"] = std::move(details);
  if (reason.empty()) j.erase("reason");
  j["code"] = code;
  return j;
}

http::Response json_response(int code, const json& body, std::string content_type) {
  http::Response r;
  r.status = code;
  r.body = body.dump();
  r.headers.emplace_back("content-type", std::move(content_type));
  r.headers.emplace_back("cache-control", "no-cache, private");
  return r;
}

http::Response status_response(const ApiStatus& s) { return json_response(s.code, s.to_json()); }

namespace {

ApiStatus about(int code, std::string reason, const Resource& r, std::string_view name,
                std::string message) {
  ApiStatus s;
  s.code = code;
  s.reason = std::move(reason);
  s.message = std::move(message);
  s.name = std::string(name);
  s.group = r.group;
  s.kind = r.resource;
  return s;
}

std::string dq(std::string_view s) { return "\"" + std::string(s) + "\""; }

}  // namespace

ApiStatus not_found(const Resource& r, std::string_view name) {
  return about(404, "NotFound", r, name, r.qualified() + " " + dq(name) + " not found");
}

ApiStatus already_exists(const Resource& r, std::string_view name) {
  return about(409, "AlreadyExists", r, name, r.qualified() + " " + dq(name) + " already exists");
}

ApiStatus conflict(const Resource& r, std::string_view name, std::string message) {
  return about(409, "Conflict", r, name,
               "Operation cannot be fulfilled on " + r.qualified() + " " + dq(name) + ": " + message);
}

ApiStatus conflict_modified(const Resource& r, std::string_view name) {
  return conflict(r, name,
                  "the object has been modified; please apply your changes to the latest version and try again");
}

ApiStatus bad_request(std::string message) {
  ApiStatus s;
  s.code = 400;
  s.reason = "BadRequest";
  s.message = std::move(message);
  return s;
}

ApiStatus invalid(const Resource& r, std::string_view name, std::string message,
                  std::vector<StatusCause> causes) {
  ApiStatus s = about(422, "Invalid", r, name, std::move(message));
  s.kind = r.kind;  // upstream: details.kind is the Kind for Invalid
  s.causes = std::move(causes);
  return s;
}

ApiStatus forbidden(const Resource& r, std::string_view name, std::string message) {
  return about(403, "Forbidden", r, name, std::move(message));
}

ApiStatus unauthorized() {
  ApiStatus s;
  s.code = 401;
  s.reason = "Unauthorized";
  s.message = "Unauthorized";
  return s;
}

ApiStatus method_not_supported(const Resource& r, std::string_view verb) {
  ApiStatus s = about(405, "MethodNotAllowed", r, "",
                      std::string(verb) + " is not supported on resources of kind " + dq(r.qualified()));
  return s;
}

ApiStatus gone(std::string message) {
  ApiStatus s;
  s.code = 410;
  s.reason = "Expired";
  s.message = std::move(message);
  return s;
}

ApiStatus unsupported_media_type(std::string_view detail) {
  ApiStatus s;
  s.code = 415;
  s.reason = "UnsupportedMediaType";
  s.message = "the body of the request was in an unknown format - accepted media types include: "
              "application/json, application/yaml, application/vnd.kubernetes.protobuf";
  if (!detail.empty()) s.message += " (" + std::string(detail) + ")";
  return s;
}

ApiStatus not_acceptable(std::string message) {
  ApiStatus s;
  s.code = 406;
  s.reason = "NotAcceptable";
  s.message = std::move(message);
  return s;
}

ApiStatus internal_error(std::string message) {
  ApiStatus s;
  s.code = 500;
  s.reason = "InternalError";
  s.message = "Internal error occurred: " + message;
  return s;
}

ApiStatus path_not_found() {
  ApiStatus s;
  s.code = 404;
  s.reason = "NotFound";
  s.message = "the server could not find the requested resource";
  return s;
}

}  // namespace v6k::kube
