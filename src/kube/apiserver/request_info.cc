#include "kube/apiserver/request_info.h"

#include <vector>

namespace v6k::kube {

namespace {

std::optional<std::string> decode_query_part(std::string_view s) {
  std::string plus_as_space(s);
  for (char& c : plus_as_space)
    if (c == '+') c = ' ';
  return http::percent_decode(plus_as_space);
}

std::vector<std::string> split_path(std::string_view p) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < p.size()) {
    size_t j = p.find('/', i);
    if (j == std::string_view::npos) j = p.size();
    if (j > i) out.emplace_back(p.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

}  // namespace

std::string RequestInfo::param(std::string_view key, std::string_view fallback) const {
  auto [lo, hi] = query.equal_range(std::string(key));
  if (lo == hi) return std::string(fallback);
  return std::prev(hi)->second;
}

bool RequestInfo::flag(std::string_view key) const {
  auto v = param(key);
  return v == "true" || v == "1";
}

std::optional<std::multimap<std::string, std::string>> parse_query(std::string_view query) {
  std::multimap<std::string, std::string> out;
  size_t i = 0;
  while (i <= query.size() && !query.empty()) {
    size_t j = query.find('&', i);
    if (j == std::string_view::npos) j = query.size();
    std::string_view part = query.substr(i, j - i);
    if (!part.empty()) {
      size_t eq = part.find('=');
      auto k = decode_query_part(part.substr(0, eq));
      auto v = decode_query_part(eq == std::string_view::npos ? "" : part.substr(eq + 1));
      if (!k || !v) return std::nullopt;
      out.emplace(std::move(*k), std::move(*v));
    }
    i = j + 1;
  }
  return out;
}

std::optional<RequestInfo> parse_request_info(const http::Request& req) {
  RequestInfo info;
  auto path = http::percent_decode(req.path);
  auto query = parse_query(req.query);
  if (!path || !query) return std::nullopt;
  info.path = *path;
  info.query = std::move(*query);
  auto parts = split_path(info.path);

  size_t i = 0;
  if (parts.size() >= 2 && parts[0] == "api") {
    info.version = parts[1];
    i = 2;
  } else if (parts.size() >= 3 && parts[0] == "apis") {
    info.group = parts[1];
    info.version = parts[2];
    i = 3;
  } else {
    return info;  // not a resource request
  }
  if (i >= parts.size()) return info;  // /api/v1: discovery
  info.resource_request = true;

  // namespaces/<ns>/<resource>... addresses a namespaced resource; namespaces/<ns> alone
  // (or with a subresource: status, finalize) is the Namespace object itself.
  if (parts[i] == "namespaces" && i + 2 < parts.size() && parts[i + 2] != "status" &&
      parts[i + 2] != "finalize") {
    info.namespace_ = parts[i + 1];
    i += 2;
  }
  info.resource = parts[i];
  if (i + 1 < parts.size()) info.name = parts[i + 1];
  if (i + 2 < parts.size()) info.subresource = parts[i + 2];
  if (i + 3 < parts.size()) info.subresource += "/" + parts[i + 3];  // unknown: refused later

  const std::string& m = req.method;
  if (m == "GET" || m == "HEAD") {
    if (info.flag("watch"))
      info.verb = "watch";
    else
      info.verb = info.name.empty() ? "list" : "get";
  } else if (m == "POST") {
    info.verb = "create";
  } else if (m == "PUT") {
    info.verb = "update";
  } else if (m == "PATCH") {
    info.verb = "patch";
  } else if (m == "DELETE") {
    info.verb = info.name.empty() ? "deletecollection" : "delete";
  } else {
    info.verb = m;
  }
  return info;
}

}  // namespace v6k::kube
