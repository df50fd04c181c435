#include "kube/client/client.h"

#include <cstdio>

#include "http/client.h"

namespace v6k::kube {

namespace {

// The server's Status (or whatever it sent) as an ApiError.
ApiError error_of(const http::Response& r) {
  ApiError e;
  e.code = r.status;
  auto parsed = json::parse(r.body, nullptr, false);
  if (!parsed.is_discarded() && parsed.is_object() && parsed.value("kind", "") == "Status") {
    e.reason = parsed.value("reason", "");
    e.message = parsed.value("message", "");
    e.status = std::move(parsed);
  } else {
    e.message = r.body.substr(0, 512);
  }
  if (e.reason.empty()) e.reason = "Status" + std::to_string(r.status);
  return e;
}

ApiError transport_error(const Error& err) {
  ApiError e;
  e.code = 0;
  e.reason = "Transport";
  e.message = err.message();
  return e;
}

const char* content_type_of(PatchType t) {
  switch (t) {
    case PatchType::kMerge: return "application/merge-patch+json";
    case PatchType::kStrategic: return "application/strategic-merge-patch+json";
    case PatchType::kJson: return "application/json-patch+json";
    case PatchType::kApply: return "application/apply-patch+yaml";
  }
  return "application/json";
}

}  // namespace

std::string ApiError::text() const {
  return std::to_string(code) + " " + reason + ": " + message;
}

void WatchStream::cancel() {
  cancelled_.store(true);
  std::lock_guard lock(mu_);
  if (active_) active_->cancel();
}

void WatchStream::attach(http::KeepAliveClient* c) {
  std::lock_guard lock(mu_);
  active_ = c;
  if (cancelled_.load()) c->cancel();
}

void WatchStream::detach() {
  std::lock_guard lock(mu_);
  active_ = nullptr;
}

Client::Client(ClientConfig config) : config_(std::move(config)) {}
Client::~Client() = default;

Result<std::shared_ptr<Client>> Client::create(ClientConfig config) {
  if (config.port == 0) return fail_invalid("kube client: no API server port");
  if (config.ca_pem.empty()) return fail_invalid("kube client: no cluster CA");
  return std::shared_ptr<Client>(new Client(std::move(config)));
}

std::unique_ptr<http::KeepAliveClient> Client::acquire() {
  {
    std::lock_guard lock(mu_);
    if (!idle_.empty()) {
      auto c = std::move(idle_.back());
      idle_.pop_back();
      return c;
    }
  }
  return std::make_unique<http::KeepAliveClient>(http::KeepAliveOptions{
      .host = config_.host, .port = config_.port, .tls = http::ClientTls{.ca_pem = config_.ca_pem}});
}

void Client::release(std::unique_ptr<http::KeepAliveClient> c) {
  if (!c->connected()) return;
  std::lock_guard lock(mu_);
  if (idle_.size() < config_.max_idle) idle_.push_back(std::move(c));
}

KubeResult<json> Client::call(const std::string& method, const std::string& target, const std::string& body,
                              const std::string& content_type) {
  http::Request req{.method = method, .target = target};
  req.headers.emplace_back("accept", "application/json");
  req.headers.emplace_back("user-agent", config_.user_agent);
  if (!config_.token.empty()) req.headers.emplace_back("authorization", "Bearer " + config_.token);
  if (!body.empty()) {
    req.headers.emplace_back("content-type", content_type);
    req.body = body;
  }
  auto conn = acquire();
  auto resp = conn->send(req, config_.timeout);
  if (!resp) return std::unexpected(transport_error(resp.error()));
  release(std::move(conn));
  if (resp->status < 200 || resp->status >= 300) return std::unexpected(error_of(*resp));
  if (resp->body.empty()) return json::object();
  auto parsed = json::parse(resp->body, nullptr, false);
  if (parsed.is_discarded())
    return api_fail(0, "BadResponse", method + " " + target + ": the server's answer is not JSON");
  return parsed;
}

KubeResult<json> Client::get(const std::string& path) { return call("GET", path); }

KubeResult<json> Client::list(const std::string& path, const std::string& query) {
  return call("GET", query.empty() ? path : path + "?" + query);
}

KubeResult<json> Client::create(const std::string& path, const json& body, const std::string& query) {
  return call("POST", query.empty() ? path : path + "?" + query, body.dump());
}

KubeResult<json> Client::update(const std::string& path, const json& body) {
  return call("PUT", path, body.dump());
}

KubeResult<json> Client::patch(const std::string& path, PatchType type, const json& body,
                               const std::string& query) {
  return call("PATCH", query.empty() ? path : path + "?" + query, body.dump(), content_type_of(type));
}

KubeResult<json> Client::remove(const std::string& path, const json& options) {
  return call("DELETE", path, options.is_null() ? "" : options.dump());
}

KubeResult<void> Client::watch(const std::string& path, const std::string& query, WatchStream& stream,
                               const std::function<bool(const WatchEvent&)>& on_event) {
  if (stream.cancelled()) return {};
  http::Request req{.method = "GET",
                    .target = path + "?watch=true" + (query.empty() ? "" : "&" + query)};
  req.headers.emplace_back("accept", "application/json");
  req.headers.emplace_back("user-agent", config_.user_agent);
  if (!config_.token.empty()) req.headers.emplace_back("authorization", "Bearer " + config_.token);
  http::KeepAliveClient conn(http::KeepAliveOptions{
      .host = config_.host, .port = config_.port, .tls = http::ClientTls{.ca_pem = config_.ca_pem}});
  stream.attach(&conn);
  std::string line;
  bool bad_event = false;
  bool stopped = false;
  auto resp = conn.stream(req, [&](std::string_view piece) {
    // Events are newline-delimited JSON documents.
    for (;;) {
      size_t nl = piece.find('\n');
      if (nl == std::string_view::npos) {
        line.append(piece);
        return true;
      }
      line.append(piece.substr(0, nl));
      piece.remove_prefix(nl + 1);
      if (line.empty()) continue;
      auto doc = json::parse(line, nullptr, false);
      line.clear();
      if (doc.is_discarded() || !doc.is_object() || !doc.contains("type")) {
        bad_event = true;
        return false;
      }
      WatchEvent ev{doc.value("type", ""), std::move(doc["object"])};
      if (!on_event(ev)) {
        stopped = true;
        return false;
      }
    }
  });
  stream.detach();
  if (!resp) {
    if (stream.cancelled()) return {};
    return std::unexpected(transport_error(resp.error()));
  }
  if (resp->status != 200) return std::unexpected(error_of(*resp));
  if (bad_event) return api_fail(0, "BadResponse", "watch " + path + ": an event is not JSON");
  (void)stopped;
  return {};
}

std::string resource_path(const ResourceRef& r, std::string_view ns, std::string_view name) {
  std::string p = r.group.empty() ? "/api/" + r.version : "/apis/" + r.group + "/" + r.version;
  if (!ns.empty()) p += "/namespaces/" + std::string(ns);
  p += "/" + r.resource;
  if (!name.empty()) p += "/" + std::string(name);
  return p;
}

std::string query_escape(std::string_view v) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  out.reserve(v.size());
  for (unsigned char c : v) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 15]);
    }
  }
  return out;
}

}  // namespace v6k::kube
