// The Endpoints controller (upstream pkg/controller/endpoint): for every Service with a
// selector, the v1 Endpoints object of the same name equals netplan::plan_endpoints'
// answer; a deleted Service loses its Endpoints. A deleted Endpoints object requeues its
// Service (upstream's onEndpointsDelete), so it comes back. A stale cache shows as a 409
// (Conflict on update, AlreadyExists on create) and the key is retried with back-off.
#include <iostream>

#include "kube/controllers/netplan/endpoints.h"
#include "kube/controllers/network/network.h"
#include "kube/controllers/network/service_loop.h"

namespace v6k::kube::network {

namespace {

class EndpointsController final : public ServiceLoop {
 public:
  explicit EndpointsController(ControllerContext& ctx)
      : ServiceLoop(ctx, kEndpointsControllerName), endpoints_(ctx.informers.get(kEndpoints)) {
    endpoints_.on_delete([this](const json& ep) { enqueue(object_key(ep)); });
  }
  ~EndpointsController() override { stop(); }

 private:
  bool sync(const std::string& key) override {
    auto [ns, name] = split_key(key);
    const std::string path = resource_path(kEndpoints, ns, name);
    ObjectPtr svc = services_.get(ns, name);
    if (!svc) {
      // Deleted whether or not our cache has seen the Endpoints yet.
      auto r = ctx_.client->remove(path);
      if (!r && !r.error().not_found()) return fail(key, "delete", r.error());
      return true;
    }
    ObjectPtr existing = endpoints_.get(ns, name);
    auto pods = pods_.list(ns);
    auto pod_ptrs = pointers(pods);
    auto want = netplan::plan_endpoints(*svc, pod_ptrs, existing.get(), take_trigger_time(key));
    if (!want) return true;
    auto r = existing ? ctx_.client->update(path, *want) : ctx_.client->create(resource_path(kEndpoints, ns), *want);
    if (!r) return fail(key, existing ? "update" : "create", r.error());
    return true;
  }

  bool fail(const std::string& key, const char* what, const ApiError& e) {
    if (e.code != 409 && e.code != 404)
      std::cerr << kEndpointsControllerName << ": " << key << ": " << what << " endpoints: " << e.text() << "\n";
    return false;
  }

  Informer& endpoints_;
};

}  // namespace

}  // namespace v6k::kube::network

namespace v6k::kube {

std::unique_ptr<Controller> make_endpoints_controller(ControllerContext& ctx) {
  return std::make_unique<network::EndpointsController>(ctx);
}

}  // namespace v6k::kube
