// A Kubernetes API client, as client-go's REST client is to the controllers: JSON calls
// over HTTPS with a bearer token on a small pool of kept-alive connections, errors as
// the server's Status (code, reason, message), and watches read event by event.
//
//   auto c = kube::Client::create({.host = "::1", .port = 6443, .ca_pem = ca, .token = t});
//   auto pods = c->list("/api/v1/namespaces/default/pods", "labelSelector=app%3Dweb");
//   if (!pods && pods.error().code == 404) ...
//   c->create("/api/v1/namespaces/default/pods", pod_json);
//   c->patch("/api/v1/namespaces/default/pods/web-1/status", kube::PatchType::kMerge, p);
//   kube::WatchStream w;          // cancel() it from any thread
//   c->watch("/api/v1/pods", "resourceVersion=42", w, [](const kube::WatchEvent& e) {
//     ...; return true;           // false = stop watching
//   });
//
// Thread-safe: any number of threads may call at once (each call takes a connection from
// the pool or opens one).
//
// In the API server's own process (the control plane's controllers and scheduler) the
// same calls can skip TLS and sockets: ClientConfig::local hands each request straight to
// the server's handler, as upstream's API server serves its own loops over a loopback
// client. The requests, the server's answers and the watch streams are the same.
//   cfg.local = [api](const http::Request& r) { return api->handle(r); };
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <expected>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "http/message.h"

namespace v6k::http {
class KeepAliveClient;
}

namespace v6k::kube {

using nlohmann::json;

// A failed call: `code` is the HTTP status (0 when the server was not reached or answered
// something that is not JSON), `reason` the Status reason ("NotFound", "Conflict",
// "AlreadyExists", "Expired", "Gone", ...), `message` the Status message or the transport
// error, `status` the Status object as sent.
struct ApiError {
  int code = 0;
  std::string reason;
  std::string message;
  json status;

  bool not_found() const { return code == 404; }
  bool conflict() const { return code == 409 && reason == "Conflict"; }
  bool already_exists() const { return code == 409 && reason == "AlreadyExists"; }
  bool gone() const { return code == 410; }
  std::string text() const;  // "404 NotFound: pods \"x\" not found"
};

template <typename T>
using KubeResult = std::expected<T, ApiError>;

inline std::unexpected<ApiError> api_fail(int code, std::string reason, std::string message) {
  return std::unexpected<ApiError>(ApiError{code, std::move(reason), std::move(message), json()});
}

struct ClientConfig {
  std::string host = "::1";
  uint16_t port = 0;
  std::string ca_pem;   // the cluster CA; the serving certificate must chain to it
  std::string token;    // bearer token ("" = none)
  std::string user_agent = "v6k";
  std::chrono::milliseconds timeout{30000};  // per call
  size_t max_idle = 8;  // kept-alive connections kept in the pool
  // Set: every call and watch goes to this handler in this process (ApiServer::handle)
  // instead of over HTTPS; host, port, ca_pem and timeout are then unused. It must be
  // thread-safe and must outlive the client's calls (answer 503 once the server stops).
  std::function<http::Response(const http::Request&)> local;
};

enum class PatchType { kMerge, kStrategic, kJson, kApply };

struct WatchEvent {
  std::string type;  // ADDED, MODIFIED, DELETED, BOOKMARK, ERROR
  json object;
};

// Cancels a watch in progress from another thread (or before it starts).
class WatchStream {
 public:
  void cancel();
  bool cancelled() const { return cancelled_.load(); }

 private:
  friend class Client;
  void attach(http::KeepAliveClient* c);
  void attach(std::function<void()> cancel_local);  // an in-process watch's cancel
  void detach();
  std::mutex mu_;
  http::KeepAliveClient* active_ = nullptr;
  std::function<void()> cancel_local_;
  std::atomic<bool> cancelled_{false};
};

class Client {
 public:
  static Result<std::shared_ptr<Client>> create(ClientConfig config);
  ~Client();

  KubeResult<json> get(const std::string& path);
  KubeResult<json> list(const std::string& path, const std::string& query = "");
  KubeResult<json> create(const std::string& path, const json& body, const std::string& query = "");
  KubeResult<json> update(const std::string& path, const json& body);
  KubeResult<json> patch(const std::string& path, PatchType type, const json& body,
                         const std::string& query = "");
  // DELETE with optional DeleteOptions body (propagationPolicy, preconditions, ...).
  KubeResult<json> remove(const std::string& path, const json& options = json());
  // Any call: `target` is path[?query]; `body` empty = no body.
  KubeResult<json> call(const std::string& method, const std::string& target, const std::string& body = "",
                        const std::string& content_type = "application/json");

  // Watches `path` (watch=true is added to `query`) until the server ends the stream
  // (returns ok), `on_event` returns false (ok), the stream is cancelled (ok) or the
  // call fails (error; a 410 arrives either as an error response or as an ERROR event
  // handed to on_event). Blocks the calling thread. `on_event` may move from the event
  // (it is dropped after the call); a handler taking `const WatchEvent&` works as well.
  KubeResult<void> watch(const std::string& path, const std::string& query, WatchStream& stream,
                         const std::function<bool(WatchEvent&)>& on_event);

  const ClientConfig& config() const { return config_; }

 private:
  explicit Client(ClientConfig config);
  http::Request request(const std::string& method, const std::string& target) const;
  KubeResult<void> watch_local(http::Request req, const std::string& path, WatchStream& stream,
                               const std::function<bool(WatchEvent&)>& on_event);
  std::unique_ptr<http::KeepAliveClient> acquire();
  void release(std::unique_ptr<http::KeepAliveClient> c);

  ClientConfig config_;
  std::mutex mu_;
  std::vector<std::unique_ptr<http::KeepAliveClient>> idle_;
};

// "/api/v1/namespaces/<ns>/<resource>[/<name>]" or "/apis/<group>/<version>/..." for a
// resource given as {group ("" = core), version, plural}; ns "" = cluster scope / all.
struct ResourceRef {
  std::string group;
  std::string version;
  std::string resource;
};
std::string resource_path(const ResourceRef& r, std::string_view ns = "", std::string_view name = "");

// Percent-encodes a query parameter value ("app=web,tier!=db" -> "app%3Dweb%2Ctier%21%3Ddb").
std::string query_escape(std::string_view v);

}  // namespace v6k::kube
