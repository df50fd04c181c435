// The namespace controller (upstream pkg/controller/namespace): a namespace with a
// deletionTimestamp (phase Terminating, set by the API server's DELETE) is emptied —
// DELETE of the collection of every namespaced resource discovery lists with the
// deletecollection verb — and re-checked until every list is empty (pods on nodes wait
// for their kubelet's confirmation; objects with finalizers for their controllers).
// Then PUT namespaces/<ns>/finalize with spec.finalizers without "kubernetes"; the API
// server deletes the namespace once no finalizer remains. Progress is not written into
// status.conditions (upstream's NamespaceContentRemaining & co are left out).
#include <iostream>

#include "kube/controllers/lifecycle/lifecycle.h"
#include "kube/controllers/lifecycle/objects.h"

namespace v6k::kube::lifecycle {

namespace {

using namespace std::chrono_literals;

constexpr const char* kFinalizerKubernetes = "kubernetes";

bool spec_has_kubernetes_finalizer(const json& ns) {
  if (!ns.contains("spec") || !ns["spec"].is_object()) return false;
  for (const auto& f : ns["spec"].value("finalizers", json::array()))
    if (f == kFinalizerKubernetes) return true;
  return false;
}

class NamespaceController final : public Controller {
 public:
  explicit NamespaceController(ControllerContext& ctx)
      : ctx_(ctx),
        namespaces_(ctx.informers.get(kNamespaces)),
        workers_(queue_, [this](const std::string& key) { return sync(key); }) {
    namespaces_.on_add([this](const json& ns) { changed(ns); });
    namespaces_.on_update([this](const json&, const json& ns) { changed(ns); });
  }
  ~NamespaceController() override { stop(); }

  std::string name() const override { return kNamespaceControllerName; }
  void start() override { workers_.start(std::max(1, ctx_.options.workers)); }
  void stop() override {
    queue_.shutdown();
    workers_.join();
  }

 private:
  void changed(const json& ns) {
    if (being_deleted(ns)) queue_.add(meta_str(ns, "name"));
  }

  // Collection paths of every namespaced resource that supports deletecollection, from
  // discovery (core v1 and each group's preferred version), with "{ns}" for the namespace.
  KubeResult<std::vector<std::string>> discover() {
    std::vector<std::string> bases = {"/api/v1"};
    auto groups = ctx_.client->get("/apis");
    if (!groups) return std::unexpected(groups.error());
    for (const auto& g : groups->value("groups", json::array())) {
      std::string gv = g.value("preferredVersion", json::object()).value("groupVersion", "");
      if (!gv.empty()) bases.push_back("/apis/" + gv);
    }
    std::vector<std::string> out;
    for (const auto& base : bases) {
      auto list = ctx_.client->get(base);
      if (!list) return std::unexpected(list.error());
      for (const auto& r : list->value("resources", json::array())) {
        std::string name = r.value("name", "");
        if (name.empty() || name.find('/') != std::string::npos || !r.value("namespaced", false)) continue;
        const json& verbs = r.value("verbs", json::array());
        if (std::find(verbs.begin(), verbs.end(), "deletecollection") == verbs.end()) continue;
        out.push_back(base + "/namespaces/{ns}/" + name);
      }
    }
    return out;
  }

  bool sync(const std::string& name) {
    ObjectPtr ns = namespaces_.get("", name);
    if (!ns || !being_deleted(*ns) || !spec_has_kubernetes_finalizer(*ns)) {
      std::lock_guard lock(mu_);
      passes_.erase(name);
      return true;
    }
    auto paths = discover();
    if (!paths) return log(name, "discovery", paths.error());
    size_t remaining = 0;
    for (auto path : *paths) {
      path.replace(path.find("{ns}"), 4, name);
      auto r = ctx_.client->remove(path);
      if (!r && !r.error().not_found() && r.error().code != 405) return log(name, "delete " + path, r.error());
      auto left = ctx_.client->list(path);
      if (!left && !left.error().not_found()) return log(name, "list " + path, left.error());
      if (left) remaining += left->value("items", json::array()).size();
    }
    if (remaining > 0) {
      // Content still terminating: look again soon, then less often (200 ms .. 2 s).
      int pass;
      {
        std::lock_guard lock(mu_);
        pass = passes_[name]++;
      }
      queue_.add_after(name, std::chrono::milliseconds(std::min(2000, 200 << std::min(pass, 4))));
      return true;
    }
    json body = *ns;
    json kept = json::array();
    for (const auto& f : body["spec"].value("finalizers", json::array()))
      if (f != kFinalizerKubernetes) kept.push_back(f);
    body["spec"]["finalizers"] = std::move(kept);
    auto r = ctx_.client->update("/api/v1/namespaces/" + name + "/finalize", body);
    if (!r && !r.error().not_found()) return log(name, "finalize", r.error());
    std::lock_guard lock(mu_);
    passes_.erase(name);
    return true;
  }

  bool log(const std::string& ns, const std::string& what, const ApiError& e) {
    if (e.code != 409) std::cerr << kNamespaceControllerName << ": namespace " << ns << ": " << what << ": " << e.text() << "\n";
    return false;
  }

  ControllerContext& ctx_;
  Informer& namespaces_;
  WorkQueue queue_;
  QueueWorkers workers_;
  std::mutex mu_;
  std::unordered_map<std::string, int> passes_;
};

}  // namespace

}  // namespace v6k::kube::lifecycle

namespace v6k::kube {

std::unique_ptr<Controller> make_namespace_controller(ControllerContext& ctx) {
  return std::make_unique<lifecycle::NamespaceController>(ctx);
}

}  // namespace v6k::kube
