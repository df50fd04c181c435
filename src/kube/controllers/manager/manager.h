// kube-controller-manager for one cluster: every controller on one set of shared
// informers, talking to the cluster's API server as an HTTPS client with its own token.
//
//   auto cm = ControllerManager::start({.client = {.port = 6443, .ca_pem = ca, .token = t}});
//   ...
//   (*cm)->stop();
//
// Controllers: replicaset, deployment, endpointslice, endpoints, garbagecollector,
// namespace, nodelifecycle, podgc. Each records Events as "<name>-controller".
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "kube/client/client.h"
#include "kube/controllers/base/controller.h"

namespace v6k::kube {

struct ControllerManagerOptions {
  ClientConfig client;
  ControllerOptions controllers;
  // Controller names to run; empty = all.
  std::vector<std::string> enabled;
  std::chrono::milliseconds sync_timeout{std::chrono::seconds(30)};
};

class ControllerManager {
 public:
  static Result<std::unique_ptr<ControllerManager>> start(ControllerManagerOptions opts);
  ~ControllerManager();
  void stop();
  std::vector<std::string> running() const;

  struct Impl;

 private:
  explicit ControllerManager(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace v6k::kube
