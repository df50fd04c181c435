// `v6k kube-apiserver`: one cluster's Kubernetes API server on its own, in the
// foreground, for trying kubectl against v6k before the EKS API exists (and for the demo).
// The data dir keeps the cluster's CA, serving certificate, admin token, kubeconfig and
// (with the SQLite store) its objects, so a restart serves the same cluster.
#pragma once

#include <cstdint>
#include <string>

namespace v6k::cli {

struct KubeApiServerOptions {
  std::string data_dir = "/var/lib/v6k/kube";
  uint16_t port = 6443;        // on [::1]; 0 = any free port (printed)
  std::string etcd;            // "127.0.0.1:2379" = use that etcd; "" = SQLite in data_dir
  std::string version = "v1.32.0";
};

// Runs until SIGTERM/SIGINT. Prints the URL and the kubeconfig path on startup.
int kube_apiserver(const KubeApiServerOptions& o);

}  // namespace v6k::cli
