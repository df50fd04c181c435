// The Deployment controller loop: Deployments, their ReplicaSets and pods in,
// plan_deployment out, applied one call at a time (a failed call ends the sync; the next
// sync re-plans from what it then sees, as upstream).
#include <cstdio>

#include "kube/controllers/apps/apps.h"
#include "kube/controllers/apps/owners.h"
#include "kube/controllers/workloads/deployment.h"

namespace v6k::kube {

namespace {

using apps::controller_of;

class DeploymentController : public Controller {
 public:
  explicit DeploymentController(ControllerContext& ctx)
      : ctx_(ctx),
        deployments_(ctx.informers.get(kDeployments)),
        rs_(ctx.informers.get(kReplicaSets)),
        pods_(ctx.informers.get(kPods)),
        workers_(queue_, [this](const std::string& k) { return sync(k); }) {
    deployments_.on_add([this](const json& o) { queue_.add(object_key(o)); });
    deployments_.on_update([this](const json&, const json& o) { queue_.add(object_key(o)); });
    deployments_.on_delete([this](const json& o) { queue_.add(object_key(o)); });
    rs_.on_add([this](const json& o) { rs_changed(o); });
    rs_.on_update([this](const json& a, const json& b) {
      auto ka = owner_key(a);
      if (!ka.empty() && ka != owner_key(b)) queue_.add(ka);
      rs_changed(b);
    });
    rs_.on_delete([this](const json& o) { rs_changed(o); });
    // Recreate waits for the old pods to be gone.
    pods_.on_delete([this](const json& p) { pod_deleted(p); });
  }

  std::string name() const override { return "deployment"; }
  void start() override { workers_.start(ctx_.options.workers); }
  void stop() override {
    queue_.shutdown();
    workers_.join();
  }

 private:
  static std::string owner_key(const json& rs) {
    auto ref = controller_of(rs);
    if (ref.kind != "Deployment") return "";
    return object_key(rs["metadata"].value("namespace", ""), ref.name);
  }

  void rs_changed(const json& rs) {
    auto key = owner_key(rs);
    if (!key.empty()) {
      queue_.add(key);
      return;
    }
    const std::string ns = rs["metadata"].value("namespace", "");
    for (auto& k : apps::matching_owners(deployments_.list(ns), rs["metadata"].value("labels", json::object())))
      queue_.add(k);
  }

  void pod_deleted(const json& pod) {
    auto ref = controller_of(pod);
    if (ref.kind != "ReplicaSet") return;
    auto rs = rs_.get(pod["metadata"].value("namespace", ""), ref.name);
    if (!rs) return;
    auto key = owner_key(*rs);
    if (!key.empty()) queue_.add(key);
  }

  bool sync(const std::string& key) {
    auto d = deployments_.get(key);
    if (!d) return true;
    auto [ns, name] = split_key(key);
    auto rss = rs_.list(ns);
    auto pods = pods_.list(ns);
    auto plan = workloads::plan_deployment(*d, apps::raw(rss), apps::raw(pods), now_rfc3339());
    if (!plan.error.empty()) {
      std::fprintf(stderr, "deployment %s: %s\n", key.c_str(), plan.error.c_str());
      return true;
    }
    auto& c = *ctx_.client;
    const std::string rs_path = resource_path(kReplicaSets, ns);
    auto fail_soft = [](const ApiError& e) { return !e.not_found(); };

    for (const auto& a : plan.adopt_replicasets)
      if (auto r = c.patch(rs_path + "/" + a.name, PatchType::kStrategic, a.patch); !r && fail_soft(r.error()))
        return false;
    for (const auto& rel : plan.release_replicasets)
      if (auto r = c.patch(rs_path + "/" + rel.name, PatchType::kStrategic, rel.patch); !r && fail_soft(r.error()))
        return false;
    if (plan.create_replicaset) {
      auto r = c.create(rs_path, *plan.create_replicaset);
      if (!r) {
        if (r.error().already_exists()) {
          // Ours, but our cache has not seen it yet (or a hash collision the next plan
          // resolves): look again shortly.
          queue_.add_after(key, std::chrono::milliseconds(50));
          return true;
        }
        ctx_.events.record(*d, "Warning", "FailedCreate", r.error().message, "Deployment", "apps/v1");
        return false;
      }
    }
    for (const auto& u : plan.update_replicasets)
      if (auto r = c.patch(rs_path + "/" + u.name, PatchType::kMerge, u.patch); !r && fail_soft(r.error()))
        return false;
    for (const auto& n : plan.delete_replicasets)
      if (auto r = c.remove(rs_path + "/" + n); !r && fail_soft(r.error())) return false;
    for (const auto& e : plan.events) ctx_.events.record(*d, e.type, e.reason, e.message, "Deployment", "apps/v1");

    const std::string dpath = resource_path(kDeployments, ns, name);
    if (plan.annotation_updates) {
      auto r = c.patch(dpath, PatchType::kMerge, {{"metadata", {{"annotations", *plan.annotation_updates}}}});
      if (!r) return !fail_soft(r.error());
    }
    if (plan.status) {
      // Written on top of the current object (the annotation patch above moved its
      // resourceVersion) unless the spec changed since we planned.
      auto cur = c.get(dpath);
      if (!cur) return !fail_soft(cur.error());
      if ((*cur)["metadata"].value("generation", 0) != (*d)["metadata"].value("generation", 0)) {
        queue_.add(key);  // the spec moved on: plan again from it
        return true;
      }
      json updated = std::move(*cur);
      updated["status"] = *plan.status;
      auto r = c.update(dpath + "/status", updated);
      if (!r && r.error().conflict()) {
        queue_.add(key);
        return true;
      }
      if (!r && fail_soft(r.error())) return false;
    }
    if (plan.requeue_after_seconds)
      queue_.add_after(key, std::chrono::seconds(std::max<int64_t>(*plan.requeue_after_seconds, 1)));
    return true;
  }

  ControllerContext& ctx_;
  Informer& deployments_;
  Informer& rs_;
  Informer& pods_;
  WorkQueue queue_;
  QueueWorkers workers_;
};

}  // namespace

std::unique_ptr<Controller> make_deployment_controller(ControllerContext& ctx) {
  return std::make_unique<DeploymentController>(ctx);
}

}  // namespace v6k::kube
