// The ReplicaSet controller loop: pods and ReplicaSets in, plan_replicaset out, applied.
#include <cstdio>

#include "kube/controllers/apps/apps.h"
#include "kube/controllers/apps/expectations.h"
#include "kube/controllers/apps/owners.h"
#include "kube/controllers/workloads/replicaset.h"

namespace v6k::kube {

namespace {

using apps::controller_of;
using apps::Expectations;

std::string pod_labels_changed_key(const json& a, const json& b) {
  auto la = a["metadata"].value("labels", json::object());
  auto lb = b["metadata"].value("labels", json::object());
  return la == lb ? "" : "changed";
}

class ReplicaSetController : public Controller {
 public:
  explicit ReplicaSetController(ControllerContext& ctx)
      : ctx_(ctx),
        rs_(ctx.informers.get(kReplicaSets)),
        pods_(ctx.informers.get(kPods)),
        workers_(queue_, [this](const std::string& k) { return sync(k); }) {
    rs_.on_add([this](const json& o) { queue_.add(object_key(o)); });
    rs_.on_update([this](const json&, const json& o) { queue_.add(object_key(o)); });
    rs_.on_delete([this](const json& o) {
      expectations_.forget(object_key(o));
      queue_.add(object_key(o));
    });
    pods_.on_add([this](const json& p) { pod_added(p); });
    pods_.on_update([this](const json& a, const json& b) { pod_updated(a, b); });
    pods_.on_delete([this](const json& p) { pod_deleted(p); });
  }

  std::string name() const override { return "replicaset"; }
  void start() override { workers_.start(ctx_.options.workers); }
  void stop() override {
    queue_.shutdown();
    workers_.join();
  }

 private:
  std::string owner_key(const json& pod) {
    auto ref = controller_of(pod);
    if (ref.kind != "ReplicaSet") return "";
    return object_key(pod["metadata"].value("namespace", ""), ref.name);
  }

  void enqueue_matching(const json& pod) {
    const std::string ns = pod["metadata"].value("namespace", "");
    for (auto& k : apps::matching_owners(rs_.list(ns), pod["metadata"].value("labels", json::object())))
      queue_.add(k);
  }

  // A pod change of `key`'s ReplicaSet: synced once per batch period (see ControllerOptions).
  void pod_changed(const std::string& key) { queue_.add_after(key, ctx_.options.pod_batch_period); }

  void pod_added(const json& pod) {
    auto key = owner_key(pod);
    if (!key.empty()) {
      expectations_.creation_observed(key);
      pod_changed(key);
    } else {
      enqueue_matching(pod);  // an orphan: someone may adopt it
    }
  }

  void pod_updated(const json& old_pod, const json& pod) {
    auto old_key = owner_key(old_pod);
    auto key = owner_key(pod);
    if (!old_key.empty() && old_key != key) queue_.add(old_key);
    if (!key.empty()) pod_changed(key);
    if (key.empty() || !pod_labels_changed_key(old_pod, pod).empty()) enqueue_matching(pod);
  }

  void pod_deleted(const json& pod) {
    auto key = owner_key(pod);
    if (key.empty()) return;
    expectations_.deletion_observed(key, object_key(pod));
    queue_.add(key);
  }

  bool sync(const std::string& key) {
    auto rs = rs_.get(key);
    if (!rs) {
      expectations_.forget(key);
      return true;
    }
    auto [ns, name] = split_key(key);
    auto pods = pods_.list(ns);
    auto ptrs = apps::raw(pods);
    auto plan = workloads::plan_replicaset(*rs, ptrs, now_rfc3339());
    if (!plan.error.empty()) {
      std::fprintf(stderr, "replicaset %s: %s\n", key.c_str(), plan.error.c_str());
      return true;  // invalid spec: nothing to do until it changes
    }
    const std::string pods_path = resource_path(kPods, ns);
    bool ok = true;
    for (const auto& a : plan.adopt)
      if (auto r = ctx_.client->patch(pods_path + "/" + a.name, PatchType::kStrategic, a.patch); !r && !r.error().not_found())
        ok = false;
    for (const auto& rel : plan.release)
      if (auto r = ctx_.client->patch(pods_path + "/" + rel.name, PatchType::kStrategic, rel.patch); !r && !r.error().not_found())
        ok = false;

    if (expectations_.satisfied(key) && !rs->contains(json::json_pointer("/metadata/deletionTimestamp"))) {
      if (!plan.create.empty()) {
        expectations_.expect(key, static_cast<int>(plan.create.size()), {});
        for (const auto& body : plan.create) {
          auto r = ctx_.client->create(pods_path, body);
          if (!r) {
            expectations_.creation_observed(key);  // it will never arrive
            ctx_.events.record(*rs, "Warning", "FailedCreate", "Error creating: " + r.error().message, "ReplicaSet",
                               "apps/v1");
            ok = false;
            continue;
          }
          ctx_.events.record(*rs, "Normal", "SuccessfulCreate",
                             "Created pod: " + (*r)["metadata"].value("name", ""), "ReplicaSet", "apps/v1");
        }
      } else if (!plan.delete_pods.empty()) {
        std::set<std::string> keys;
        for (const auto& p : plan.delete_pods) keys.insert(object_key(ns, p));
        expectations_.expect(key, 0, keys);
        for (const auto& p : plan.delete_pods) {
          auto r = ctx_.client->remove(pods_path + "/" + p);
          if (!r) {
            if (!r.error().not_found()) ok = false;
            expectations_.deletion_observed(key, object_key(ns, p));
          }
        }
        for (const auto& e : plan.events) ctx_.events.record(*rs, e.type, e.reason, e.message, "ReplicaSet", "apps/v1");
      }
    }
    if (plan.status) {
      json updated = *rs;
      updated["status"] = *plan.status;
      auto r = ctx_.client->update(resource_path(kReplicaSets, ns, name) + "/status", updated);
      if (!r && !r.error().not_found()) ok = false;  // a conflict: the next event re-plans
    }
    if (plan.requeue_after_seconds)
      queue_.add_after(key, std::chrono::seconds(std::max<int64_t>(*plan.requeue_after_seconds, 1)));
    return ok;
  }

  ControllerContext& ctx_;
  Informer& rs_;
  Informer& pods_;
  WorkQueue queue_;
  Expectations expectations_;
  QueueWorkers workers_;
};

}  // namespace

std::unique_ptr<Controller> make_replicaset_controller(ControllerContext& ctx) {
  return std::make_unique<ReplicaSetController>(ctx);
}

}  // namespace v6k::kube
