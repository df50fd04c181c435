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
  // Service ClusterIP range on the first start (kept in <data_dir>/service-cidr);
  // "" = a random unique local IPv6 /108.
  std::string service_cidr;
  // `v6k control-plane`: also run the controller manager and the scheduler.
  bool control_plane = false;
  int node_monitor_grace_seconds = 40;  // a node silent this long turns NotReady
};

// `v6k control-plane` is the same plus kube-controller-manager and kube-scheduler as
// HTTPS clients of it (kube/controlplane/controlplane.h).
// Runs until SIGTERM/SIGINT. Prints the URL and the kubeconfig path on startup.
int kube_apiserver(const KubeApiServerOptions& o);

}  // namespace v6k::cli
