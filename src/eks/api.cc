// EKS request routing, error responses and the JSON helpers the handlers share.
#include "eks/api.h"

#include <chrono>
#include <cstdio>

#include "aws/query.h"
#include "aws/rest_json.h"
#include "eks/handlers.h"
#include "eks/lifecycle.h"

namespace v6k::eks {

using nlohmann::json;

ApiError invalid_parameter(std::string message, std::string cluster, std::string nodegroup) {
  return ApiError{400, "InvalidParameterException", std::move(message), std::move(cluster), std::move(nodegroup)};
}
ApiError server_error(const Error& e) { return ApiError{500, "ServerException", e.message(), "", ""}; }
ApiError cluster_not_found(const std::string& name) {
  return ApiError{404, "ResourceNotFoundException", "No cluster found for name: " + name + ".", name, ""};
}

std::string validation_message(const std::string& value, const std::string& path, const std::string& constraint) {
  return "1 validation error detected: Value '" + value + "' at '" + path + "' failed to satisfy constraint: " +
         constraint;
}

std::expected<json, ApiError> body_object(const http::Request& r) {
  if (r.body.empty()) return json::object();
  json j = json::parse(r.body, nullptr, false);
  if (!j.is_object()) return std::unexpected(invalid_parameter("The request body is not a valid JSON object."));
  return j;
}

namespace {

ApiError wrong_type(const std::string& path, const char* type) {
  return invalid_parameter("Invalid type for parameter " + path + ", expected " + type + ".");
}

}  // namespace

std::expected<std::optional<std::string>, ApiError> opt_string(const json& o, const char* key, const std::string& path) {
  auto it = o.find(key);
  if (it == o.end() || it->is_null()) return std::optional<std::string>();
  if (!it->is_string()) return std::unexpected(wrong_type(path, "a string"));
  return std::optional<std::string>(it->get<std::string>());
}

std::expected<std::optional<std::vector<std::string>>, ApiError> opt_strings(const json& o, const char* key,
                                                                             const std::string& path) {
  auto it = o.find(key);
  if (it == o.end() || it->is_null()) return std::optional<std::vector<std::string>>();
  if (!it->is_array()) return std::unexpected(wrong_type(path, "a list of strings"));
  std::vector<std::string> out;
  for (const auto& v : *it) {
    if (!v.is_string()) return std::unexpected(wrong_type(path, "a list of strings"));
    out.push_back(v.get<std::string>());
  }
  return std::optional<std::vector<std::string>>(std::move(out));
}

std::expected<std::optional<bool>, ApiError> opt_bool(const json& o, const char* key, const std::string& path) {
  auto it = o.find(key);
  if (it == o.end() || it->is_null()) return std::optional<bool>();
  if (!it->is_boolean()) return std::unexpected(wrong_type(path, "a boolean"));
  return std::optional<bool>(it->get<bool>());
}

std::expected<std::optional<int64_t>, ApiError> opt_int(const json& o, const char* key, const std::string& path) {
  auto it = o.find(key);
  if (it == o.end() || it->is_null()) return std::optional<int64_t>();
  if (!it->is_number_integer()) return std::unexpected(wrong_type(path, "an integer"));
  return std::optional<int64_t>(it->get<int64_t>());
}

std::expected<std::optional<json>, ApiError> opt_object(const json& o, const char* key, const std::string& path) {
  auto it = o.find(key);
  if (it == o.end() || it->is_null()) return std::optional<json>();
  if (!it->is_object()) return std::unexpected(wrong_type(path, "a structure"));
  return std::optional<json>(*it);
}

std::expected<std::map<std::string, std::string>, ApiError> tag_map(const json& o, const std::string& path) {
  std::map<std::string, std::string> out;
  auto it = o.find("tags");
  if (it == o.end() || it->is_null()) return out;
  if (!it->is_object()) return std::unexpected(wrong_type(path, "a map"));
  if (it->empty() || it->size() > 50)
    return std::unexpected(invalid_parameter(validation_message(it->dump(), path,
                                                                "Member must have between 1 and 50 entries")));
  for (const auto& [k, v] : it->items()) {
    if (!v.is_string()) return std::unexpected(wrong_type(path + "." + k, "a string"));
    if (k.empty() || k.size() > 128 || v.get<std::string>().size() > 256)
      return std::unexpected(invalid_parameter("The tag " + k + " is invalid: keys are 1 to 128 characters, "
                                               "values at most 256."));
    if (k.rfind("aws:", 0) == 0)
      return std::unexpected(invalid_parameter("Tag keys starting with 'aws:' are reserved for internal use."));
    out[k] = v.get<std::string>();
  }
  return out;
}

namespace {

std::string hex_encode(std::string_view s) {
  static const char* d = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) {
    out += d[c >> 4];
    out += d[c & 15];
  }
  return out;
}

std::optional<std::string> hex_decode(std::string_view s) {
  if (s.size() % 2) return std::nullopt;
  auto v = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  std::string out;
  for (size_t i = 0; i < s.size(); i += 2) {
    int hi = v(s[i]), lo = v(s[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out += static_cast<char>(hi * 16 + lo);
  }
  return out;
}

}  // namespace

Reply page(const http::Request& r, const std::vector<std::string>& names, const char* result_key) {
  auto q = aws::parse_query(r.query);
  if (!q) return std::unexpected(invalid_parameter(q.error().what()));
  long long max = 100;
  if (auto m = q->get("maxResults")) {
    char* end = nullptr;
    max = std::strtoll(m->c_str(), &end, 10);
    if (m->empty() || *end != '\0')
      return std::unexpected(invalid_parameter("The maxResults value " + *m + " is not a number."));
    if (max < 1 || max > 100)
      return std::unexpected(invalid_parameter(validation_message(*m, "maxResults",
                                                                  max < 1 ? "Member must have value greater than or equal to 1"
                                                                          : "Member must have value less than or equal to 100")));
  }
  // nextToken: the last name of the previous page, hex-encoded (opaque to clients).
  std::string after;
  if (auto t = q->get("nextToken")) {
    auto d = hex_decode(*t);
    if (!d || d->empty()) return std::unexpected(invalid_parameter("The nextToken provided is invalid."));
    after = *d;
  }
  json out = {{result_key, json::array()}};
  for (const auto& n : names) {
    if (!after.empty() && n <= after) continue;
    if (static_cast<long long>(out[result_key].size()) == max) {
      out["nextToken"] = hex_encode(out[result_key].back().get<std::string>());
      break;
    }
    out[result_key].push_back(n);
  }
  return out;
}

EksApi::EksApi(store::Store& store, ec2::RegionConfig region, std::shared_ptr<Backend> backend, EksOptions options)
    : store_(store), region_(std::move(region)), options_(std::move(options)) {
  if (!options_.now)
    options_.now = [] {
      auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
          std::chrono::system_clock::now().time_since_epoch()).count();
      return static_cast<double>(ms) / 1000.0;
    };
  if (!backend) backend = null_backend();
  lifecycle_ = std::make_unique<Lifecycle>(store_, std::move(backend), options_);
}

EksApi::~EksApi() = default;

namespace {

http::Response error_response(const ApiError& e, const std::string& request_id) {
  http::Response r = aws::json_error(e.status, e.code, e.message, request_id);
  if (!e.cluster.empty() || !e.nodegroup.empty()) {
    json body = {{"message", e.message}};
    if (!e.cluster.empty()) body["clusterName"] = e.cluster;
    if (!e.nodegroup.empty()) body["nodegroupName"] = e.nodegroup;
    r.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
  }
  return r;
}

// "/clusters/a/node-groups/b" -> {"clusters", "a", "node-groups", "b"}, decoded.
std::optional<std::vector<std::string>> segments(std::string_view path) {
  std::vector<std::string> out;
  if (path.empty() || path[0] != '/') return std::nullopt;
  size_t i = 1;
  while (i <= path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    auto seg = http::percent_decode(path.substr(i, j - i));
    if (!seg) return std::nullopt;
    if (!(seg->empty() && j == path.size())) out.push_back(*seg);  // tolerate a trailing '/'
    i = j + 1;
  }
  return out;
}

}  // namespace

http::Response EksApi::handle(const http::Request& r, const aws::Caller& caller, const std::string& request_id) {
  Ctx c{r, caller, store_, region_, options_, write_mu_, [this] { lifecycle_->wake(); }};
  auto seg = segments(r.path);
  const std::string& m = r.method;
  Reply reply = std::unexpected(ApiError{404, "UnknownOperationException",
                                         "No operation matches " + m + " " + r.path + ".", "", ""});
  if (seg && !seg->empty() && (*seg)[0] == "clusters") {
    const auto& s = *seg;
    if (s.size() == 1 && m == "POST") reply = create_cluster(c);
    else if (s.size() == 1 && m == "GET") reply = list_clusters(c);
    else if (s.size() == 2 && m == "GET") reply = describe_cluster(c, s[1]);
    else if (s.size() == 2 && m == "DELETE") reply = delete_cluster(c, s[1]);
    else if (s.size() == 3 && s[2] == "node-groups" && m == "POST") reply = create_nodegroup(c, s[1]);
    else if (s.size() == 3 && s[2] == "node-groups" && m == "GET") reply = list_nodegroups(c, s[1]);
    else if (s.size() == 4 && s[2] == "node-groups" && m == "GET") reply = describe_nodegroup(c, s[1], s[3]);
    else if (s.size() == 4 && s[2] == "node-groups" && m == "DELETE") reply = delete_nodegroup(c, s[1], s[3]);
  }
  if (!reply) return error_response(reply.error(), request_id);
  http::Response out = http::Response::text(200, reply->dump(-1, ' ', false, json::error_handler_t::replace),
                                            "application/json");
  out.set("x-amzn-RequestId", request_id);
  return out;
}

}  // namespace v6k::eks
