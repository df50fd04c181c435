// The node agent's kubelet endpoint: what the API server dials for `kubectl logs` and
// `kubectl exec` (src/kube/kubelet_client). HTTPS on [::1]:0 (every agent is a process of
// the root namespace; the kernel picks the port, published in the Node's
// status.daemonEndpoints.kubeletEndpoint.Port) with a certificate made at start from a
// throw-away self-signed CA, as a kubelet without serving certificates does.
//
//   auto ks = KubeletServer::start({.client = client, .runtime = &rt, .node_name = name});
//   id.kubelet_port = (*ks)->port();            // before the heartbeat registers the Node
//
// Served (upstream paths and parameter names, kubelet_server_query.h):
//   GET /containerLogs/<ns>/<pod>/<container>?follow&previous&timestamps&tailLines&
//       limitBytes&sinceSeconds&sinceTime           the CRI log of the container, streamed
//                                                   with follow until the container stops
//                                                   or the client goes away
//   GET /exec/<ns>/<pod>/<container>?command=..&input=1&output=1&error=1&tty=1
//       WebSocket v5.channel.k8s.io: stdin (0), stdout (1), stderr (2), the closing
//       Status (3), terminal resize (4), end of stdin (255 0)
//   /attach/...: refused (400): a container's stdio goes to its log file through the
//       runtime's shim, and the runtime keeps no stdin to attach to.
// Authentication: `Authorization: Bearer <token>`, checked with a TokenReview against the
// API server and cached for auth_cache_ttl (10 s for a rejection); 401 "Unauthorized"
// without a token or for a token nobody has. Authorization: group system:masters or a user
// in `allowed_users` (the API server's kubelet client), else 403.
//
// Containers are found through the runtime (sandbox by pod namespace + name, then the
// container by name; exited ones stay listed, which is what --previous reads).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "kube/client/client.h"
#include "node/runtime/runtime.h"

namespace v6k::node {

struct KubeletServerOptions {
  std::shared_ptr<kube::Client> client;   // TokenReviews go to the API server through it
  runtime::Runtime* runtime = nullptr;
  std::string node_name;                  // the certificate's CN and DNS SAN
  std::vector<std::string> listen = {"[::1]:0"};
  std::vector<std::string> allowed_users = {"kube-apiserver-kubelet-client"};
  std::chrono::milliseconds auth_cache_ttl{60000};
  int threads = 4;
};

class KubeletServer {
 public:
  static Result<std::unique_ptr<KubeletServer>> start(KubeletServerOptions options);
  ~KubeletServer();

  uint16_t port() const;
  // The self-signed CA the serving certificate chains to (tests verify with it).
  const std::string& ca_pem() const;
  // Ends log streams and exec sessions (their commands are killed), then the listener.
  void stop();

  struct Impl;

 private:
  explicit KubeletServer(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
};

}  // namespace v6k::node
