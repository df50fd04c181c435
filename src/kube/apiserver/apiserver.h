// A Kubernetes API server for one cluster, that the real kubectl (1.32) works against:
// discovery (aggregated v2 and legacy), /version, a minimal /openapi/v3, the core and apps
// resources with every verb, server-side Tables, watch, patches of all four kinds,
// validation and defaulting, bearer-token authentication. Objects live in a store::Store
// (SQLite or etcd) under `<key_root>/registry/<resource>/<namespace>/<name>`; the store's
// revision is the resourceVersion.
//
//   auto ca = pki::make_ca("v6k-cluster-ca", 3650);
//   auto serving = pki::issue(*ca, {.common_name = "kube-apiserver", .dns_names = {"localhost"},
//                                    .ips = {"::1"}});
//   auto api = kube::ApiServer::start({.store = store, .tls_cert_pem = serving->cert_pem,
//                                      .tls_key_pem = serving->key_pem,
//                                      .tokens = {{"s3cret", {"admin", {"system:masters"}}}}});
//   // kubectl --server https://[::1]:<(*api)->port()> --token s3cret get pods
//
// See docs/kube-apiserver.md for what is served and how it differs from upstream.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "http/message.h"
#include "kube/apiserver/auth.h"
#include "kube/apiserver/exec.h"
#include "store/store.h"

namespace v6k::kube {

// Where pod logs and exec streams come from (the node agents, issue 6). Unset: the log
// subresource answers that the pod has no running container.
struct PodStreams {
  // GET .../pods/<name>/log with its query; returns the whole HTTP response (may stream).
  std::function<http::Response(const std::string& ns, const std::string& pod,
                               const nlohmann::json& pod_object, const http::Request& req)>
      logs;
  // pods/<name>/exec and /attach, after validation and the WebSocket upgrade (exec.h).
  // Runs on an io thread: start the work and return. Unset: the request is refused
  // before upgrading, with a 500 "error dialing backend: ..." Status.
  std::function<void(ExecRequest request, std::shared_ptr<ExecChannel> channel)> exec;
};

struct ApiServerOptions {
  std::shared_ptr<store::Store> store;
  std::string key_root;                          // "" or "/clusters/<name>": several clusters, one store
  std::vector<std::string> listen = {"[::1]:0"};
  std::string tls_cert_pem, tls_key_pem;         // serving certificate (empty: plain HTTP, tests only)
  std::vector<TokenUser> tokens;                 // static bearer tokens
  TokenAuthenticator authenticate_token;         // more tokens (EKS)
  std::string git_version = "v1.32.0";           // /version and Node kubeletVersion defaults
  int threads = 4;
  PodStreams pod_streams;
  // Watch bookmarks (allowWatchBookmarks=true) are sent this often.
  std::chrono::milliseconds bookmark_interval{std::chrono::seconds(60)};
  // Serve lists and watches from an in-memory watch cache (docs/kube-apiserver.md).
  bool watch_cache = true;
  // Services get ClusterIPs from this range ("fd5a:1b2c:3d4e::/108" in an IPv6 cluster,
  // "10.100.0.0/16" in an IPv4 one), with ipFamilies/ipFamilyPolicy set to match.
  // "" = no allocation: spec.clusterIP stays what the client sent.
  std::string service_cidr;
};

class ApiServer {
 public:
  static Result<std::unique_ptr<ApiServer>> start(ApiServerOptions options);
  ~ApiServer();

  uint16_t port() const;
  // "https://[::1]:<port>" (or http:// without TLS).
  std::string url() const;
  // The request pipeline without sockets (tests, benchmarks): authentication included.
  http::Response handle(const http::Request& req);
  void stop();

  struct Impl;

 private:
  explicit ApiServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace v6k::kube
