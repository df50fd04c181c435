#include "kube/controllers/manager/manager.h"

#include <algorithm>
#include <functional>

#include "kube/controllers/apps/apps.h"
#include "kube/controllers/lifecycle/lifecycle.h"
#include "kube/controllers/network/network.h"

namespace v6k::kube {

namespace {

struct Factory {
  const char* name;       // for ControllerManagerOptions::enabled
  const char* component;  // the source of its Events
  std::unique_ptr<Controller> (*make)(ControllerContext&);
};

// Order matters only for start(): workloads first, so a restarted manager resumes
// rollouts before anything else.
const Factory kFactories[] = {
    {"replicaset", "replicaset-controller", make_replicaset_controller},
    {"deployment", "deployment-controller", make_deployment_controller},
    {"endpointslice", kEndpointSliceControllerName, make_endpointslice_controller},
    {"endpoints", kEndpointsControllerName, make_endpoints_controller},
    {"garbagecollector", kGarbageCollectorName, make_garbage_collector},
    {"namespace", kNamespaceControllerName, make_namespace_controller},
    {"nodelifecycle", kNodeLifecycleControllerName, make_node_lifecycle_controller},
    {"podgc", kPodGcControllerName, make_pod_gc_controller},
};

}  // namespace

struct ControllerManager::Impl {
  ControllerManagerOptions opts;
  std::shared_ptr<Client> client;
  std::unique_ptr<SharedInformers> informers;
  // One context (and Event source) per controller; they outlive the controllers.
  std::vector<std::unique_ptr<EventRecorder>> recorders;
  std::vector<std::unique_ptr<ControllerContext>> contexts;
  std::vector<std::unique_ptr<Controller>> controllers;
  bool stopped = false;

  // Controllers first (their handlers capture them), then the informers feeding them.
  void stop() {
    if (stopped) return;
    stopped = true;
    for (auto& c : controllers) c->stop();
    if (informers) informers->stop();
    for (auto& r : recorders) r->stop();
  }
};

ControllerManager::ControllerManager(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ControllerManager::~ControllerManager() { stop(); }
void ControllerManager::stop() { impl_->stop(); }

std::vector<std::string> ControllerManager::running() const {
  std::vector<std::string> out;
  for (const auto& c : impl_->controllers) out.push_back(c->name());
  return out;
}

Result<std::unique_ptr<ControllerManager>> ControllerManager::start(ControllerManagerOptions opts) {
  auto impl = std::make_unique<Impl>();
  impl->opts = std::move(opts);
  if (impl->opts.client.user_agent == "v6k") impl->opts.client.user_agent = "kube-controller-manager/v6k";
  auto client = Client::create(impl->opts.client);
  if (!client) return fail(std::move(client.error()).wrap("starting the controller manager"));
  impl->client = *client;
  impl->informers = std::make_unique<SharedInformers>(impl->client);
  const auto& enabled = impl->opts.enabled;
  for (const auto& f : kFactories) {
    if (!enabled.empty() && std::find(enabled.begin(), enabled.end(), f.name) == enabled.end()) continue;
    impl->recorders.push_back(std::make_unique<EventRecorder>(impl->client, f.component));
    impl->contexts.push_back(std::make_unique<ControllerContext>(
        ControllerContext{impl->client, *impl->informers, *impl->recorders.back(), impl->opts.controllers}));
    impl->controllers.push_back(f.make(*impl->contexts.back()));
  }
  impl->informers->start();
  if (!impl->informers->wait_synced(impl->opts.sync_timeout)) {
    impl->stop();
    return fail(Error::from_errno(ETIMEDOUT, "starting the controller manager",
                                  "the informers did not sync with the API server"));
  }
  for (auto& c : impl->controllers) c->start();
  return std::unique_ptr<ControllerManager>(new ControllerManager(std::move(impl)));
}

}  // namespace v6k::kube
