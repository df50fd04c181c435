// One cluster's control plane: the API server, kube-controller-manager and kube-scheduler,
// started together. The controller manager and the scheduler are API clients of the API
// server with their own tokens (users system:kube-controller-manager and
// system:kube-scheduler), making the same requests separate processes would. Since the
// process is shared, their requests and watches go straight to the server's handler
// (ClientConfig::local: no TLS, no sockets), as upstream's API server talks to its own
// loops over a loopback client; `loopback_clients = false` sends them over HTTPS instead.
//
//   ControlPlaneOptions o;
//   o.api = {...store, listen, tls cert/key, admin token...};
//   o.ca_pem = ca.cert_pem;                 // the CA that signed o.api's serving certificate
//   auto cp = ControlPlane::start(std::move(o));
//   (*cp)->api().url();
//   (*cp)->stop();
//
// Used by `v6k control-plane` and by the region's EKS clusters.
#pragma once

#include <memory>

#include "common/result.h"
#include "kube/apiserver/apiserver.h"
#include "kube/controllers/base/controller.h"

namespace v6k::kube {

struct ControlPlaneOptions {
  ApiServerOptions api;
  std::string ca_pem;  // verifies the API server's certificate for the components
  bool controllers = true;
  bool scheduler = true;
  bool loopback_clients = true;  // false: the components call the API server over HTTPS
  ControllerOptions controller_options;
};

class ControlPlane {
 public:
  static Result<std::unique_ptr<ControlPlane>> start(ControlPlaneOptions opts);
  ~ControlPlane();
  ApiServer& api();
  // Stops the scheduler, then the controllers, then the API server. Idempotent.
  void stop();

  struct Impl;

 private:
  explicit ControlPlane(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace v6k::kube
