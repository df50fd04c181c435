// The garbage collector (upstream pkg/controller/garbagecollector, simplified to the
// kinds this server serves). Two kinds of work, one queue:
//   "dep:<uid>"  attemptToDelete: a dependent whose owner may be gone. Owners are looked
//                up in the graph, else with a GET (404 or another uid = gone; this is what
//                survives informer lag); the dependent itself is read live. No owner
//                left -> DELETE with uid and resourceVersion preconditions
//                (Background; Foreground when an owner waits for it in the foreground and
//                it has dependents itself; its own orphan/foreground finalizer kept).
//                Some owners left -> only the references to gone or foreground-deleting
//                owners are removed.
//   "own:<uid>"  an owner being deleted with a finalizer the API server added for
//                propagationPolicy (crud.cc delete_one): "orphan" -> drop its entry from
//                every dependent's ownerReferences, then the finalizer; "foregroundDeletion"
//                -> queue its dependents for deletion and remove the finalizer once no
//                dependent with blockOwnerDeletion remains (the server then deletes it).
//                Both final steps check the dependents with a live LIST, not only the
//                graph, so a dependent our informers have not seen yet is not missed.
// Background deletion needs no finalizer: the owner is gone at once, and its DELETED
// event queues its dependents.
#include <algorithm>
#include <iostream>

#include "kube/controllers/lifecycle/lifecycle.h"
#include "kube/controllers/lifecycle/objects.h"
#include "kube/controllers/lifecycle/owner_graph.h"

namespace v6k::kube::lifecycle {

namespace {

using namespace std::chrono_literals;

class GarbageCollector final : public Controller {
 public:
  explicit GarbageCollector(ControllerContext& ctx)
      : ctx_(ctx), workers_(queue_, [this](const std::string& key) { return sync(key); }) {
    for (size_t k = 0; k < kTrackedKinds; ++k) {
      Informer& inf = ctx.informers.get(known_kinds()[k].ref);
      informers_.push_back(&inf);
      inf.on_add([this, k](const json& o) { observed(k, o); });
      inf.on_update([this, k](const json&, const json& o) { observed(k, o); });
      inf.on_delete([this](const json& o) { deleted(o); });
    }
  }
  ~GarbageCollector() override { stop(); }

  std::string name() const override { return kGarbageCollectorName; }
  void start() override { workers_.start(std::max(1, ctx_.options.workers)); }
  void stop() override {
    queue_.shutdown();
    workers_.join();
  }

 private:
  enum class OwnerState { kSolid, kDangling, kWaiting };

  static bool finalizing(const GraphNode& n) { return n.deleting && (n.foreground || n.orphan); }

  void observed(size_t kind, const json& obj) {
    GraphNode n = OwnerGraph::node_from(kind, obj);
    if (n.uid.empty()) return;
    auto prev = graph_.upsert(n);
    if (finalizing(n)) queue_.add("own:" + n.uid);
    bool refs_changed = !prev || prev->owners != n.owners;
    for (const auto& ref : n.owners) {
      auto owner = graph_.find(ref.uid);
      if (!owner) {
        // Unknown to the graph: maybe gone. Owners of untracked kinds cost a GET, so
        // only a new or changed reference to one is checked.
        const KindInfo* k = find_kind(ref.api_version, ref.kind);
        bool tracked = k && k < &known_kinds()[kTrackedKinds];
        if (refs_changed || tracked) queue_.add("dep:" + n.uid);
      } else if (finalizing(*owner)) {
        queue_.add("own:" + ref.uid);  // a dependent of it changed
      }
    }
    if (prev)
      for (const auto& ref : prev->owners)
        if (auto owner = graph_.find(ref.uid); owner && finalizing(*owner)) queue_.add("own:" + ref.uid);
  }

  void deleted(const json& obj) {
    std::string uid = meta_str(obj, "uid");
    auto removed = graph_.remove(uid);
    for (const auto& d : graph_.dependents(uid)) queue_.add("dep:" + d);
    for (const auto& ref : removed ? removed->owners : owner_refs(obj))
      if (auto owner = graph_.find(ref.uid); owner && finalizing(*owner)) queue_.add("own:" + ref.uid);
  }

  // The object of a graph node as the informer has it (nullptr: gone or replaced).
  ObjectPtr current(const GraphNode& n) {
    ObjectPtr o = informers_[n.kind]->get(n.ns, n.name);
    return o && meta_str(*o, "uid") == n.uid ? o : nullptr;
  }

  std::string path_of(const GraphNode& n) { return resource_path(known_kinds()[n.kind].ref, n.ns, n.name); }

  bool sync(const std::string& key) {
    std::string uid = key.substr(4);
    auto n = graph_.find(uid);
    if (!n) return true;
    ObjectPtr obj = current(*n);
    if (!obj) return true;
    return key.starts_with("own:") ? sync_owner(*n, *obj) : sync_dependent(*n, *obj);
  }

  // Solid, dangling (gone) or waiting (being deleted in the foreground); nullopt: unknown
  // yet (the GET failed), retry.
  std::optional<OwnerState> owner_state(const GraphNode& dep, const OwnerRef& ref) {
    if (auto owner = graph_.find(ref.uid))
      return owner->deleting && owner->foreground ? OwnerState::kWaiting : OwnerState::kSolid;
    const KindInfo* k = find_kind(ref.api_version, ref.kind);
    if (!k) return OwnerState::kSolid;  // a kind we cannot look up is never assumed gone
    auto r = ctx_.client->get(resource_path(k->ref, k->namespaced ? dep.ns : "", ref.name));
    if (!r) {
      if (r.error().not_found()) return OwnerState::kDangling;
      log(dep, "get owner " + ref.kind + "/" + ref.name, r.error());
      return std::nullopt;
    }
    if (meta_str(*r, "uid") != ref.uid) return OwnerState::kDangling;
    return being_deleted(*r) && has_finalizer(*r, kFinalizerForeground) ? OwnerState::kWaiting : OwnerState::kSolid;
  }

  bool sync_dependent(const GraphNode& n, const json& cached) {
    if (owner_refs(cached).empty() && !being_deleted(cached)) return true;
    // Decide on the live object, as upstream's attemptToDeleteItem: the cache may still
    // show a reference that was just removed (an orphaning owner's last step).
    auto live = ctx_.client->get(path_of(n));
    if (!live) return live.error().not_found() ? true : log(n, "get", live.error());
    if (meta_str(*live, "uid") != n.uid) return true;
    const json& obj = *live;
    if (being_deleted(obj)) {
      if (has_finalizer(obj, kFinalizerForeground) || has_finalizer(obj, kFinalizerOrphan)) queue_.add("own:" + n.uid);
      return true;
    }
    auto refs = owner_refs(obj);
    if (refs.empty()) return true;
    bool solid = false, waiting = false;
    std::vector<std::string> gone_or_waiting;
    for (const auto& ref : refs) {
      auto st = owner_state(n, ref);
      if (!st) return false;
      if (*st == OwnerState::kSolid) solid = true;
      else gone_or_waiting.push_back(ref.uid);
      if (*st == OwnerState::kWaiting) waiting = true;
    }
    if (solid) {
      if (gone_or_waiting.empty()) return true;
      // Still owned: only the references to gone or leaving owners go.
      json next = obj;
      json kept = json::array();
      for (const auto& r : obj["metadata"]["ownerReferences"])
        if (std::find(gone_or_waiting.begin(), gone_or_waiting.end(), r.value("uid", "")) == gone_or_waiting.end())
          kept.push_back(r);
      next["metadata"]["ownerReferences"] = std::move(kept);
      auto r = ctx_.client->update(path_of(n), next);
      if (!r && !r.error().not_found()) return log(n, "remove owner references", r.error());
      return true;
    }
    std::string policy = "Background";
    if (waiting && !graph_.dependents(n.uid).empty()) policy = "Foreground";
    else if (has_finalizer(obj, kFinalizerOrphan)) policy = "Orphan";
    else if (has_finalizer(obj, kFinalizerForeground)) policy = "Foreground";
    // The resourceVersion precondition: a change since our read (a reference removed)
    // makes this a 409 and the decision is taken again.
    json opts = {{"propagationPolicy", policy},
                 {"preconditions", {{"uid", n.uid}, {"resourceVersion", meta_str(obj, "resourceVersion")}}}};
    auto r = ctx_.client->remove(path_of(n), opts);
    if (!r && !r.error().not_found()) return log(n, "delete", r.error());
    return true;
  }

  bool sync_owner(const GraphNode& n, const json& obj) {
    if (!being_deleted(obj)) return true;
    if (has_finalizer(obj, kFinalizerOrphan)) {
      // From the API rather than the graph: a dependent created just before the owner's
      // deletion may not have reached our informers, and missing it would leave it with a
      // reference to a gone owner (collected later: the opposite of orphaning).
      auto deps = live_dependents(n);
      if (!deps) return log(n, "list dependents", deps.error());
      for (const auto& [kind, dep] : *deps) {
        json next = dep;
        json kept = json::array();
        for (const auto& r : dep["metadata"]["ownerReferences"])
          if (!(r.is_object() && r.value("uid", "") == n.uid)) kept.push_back(r);
        if (kept.empty()) next["metadata"].erase("ownerReferences");
        else next["metadata"]["ownerReferences"] = std::move(kept);
        auto r = ctx_.client->update(
            resource_path(known_kinds()[kind].ref, meta_str(dep, "namespace"), meta_str(dep, "name")), next);
        if (!r && !r.error().not_found()) return log(n, "orphan " + meta_str(dep, "name"), r.error());
      }
      auto r = ctx_.client->update(path_of(n), without_finalizer(obj, kFinalizerOrphan));
      if (!r && !r.error().not_found()) return log(n, "remove finalizer orphan", r.error());
      return true;
    }
    if (!has_finalizer(obj, kFinalizerForeground)) return true;
    size_t blocking = 0;
    for (const auto& d : graph_.dependents(n.uid)) {
      auto dn = graph_.find(d);
      if (!dn) continue;
      for (const auto& ref : dn->owners)
        if (ref.uid == n.uid && ref.block_owner_deletion) ++blocking;
      if (!dn->deleting) queue_.add("dep:" + d);
    }
    if (blocking == 0) {
      // The graph says done; confirm from the API (a dependent created just before the
      // deletion may not be in our caches yet). Costs a few lists, once per completion.
      auto deps = live_dependents(n);
      if (!deps) return log(n, "list dependents", deps.error());
      for (const auto& [kind, dep] : *deps) {
        for (const auto& ref : owner_refs(dep))
          if (ref.uid == n.uid && ref.block_owner_deletion) ++blocking;
        if (!being_deleted(dep)) queue_.add("dep:" + meta_str(dep, "uid"));
      }
    }
    if (blocking > 0) {
      queue_.add_after("own:" + n.uid, 5s);  // dependents' events come first; this is a safety net
      return true;
    }
    auto r = ctx_.client->update(path_of(n), without_finalizer(obj, kFinalizerForeground));
    if (!r && !r.error().not_found()) return log(n, "remove finalizer foregroundDeletion", r.error());
    return true;
  }

  // Objects of the tracked kinds whose ownerReferences name `owner`, listed from the API
  // (in the owner's namespace; everywhere for a cluster-scoped owner).
  KubeResult<std::vector<std::pair<size_t, json>>> live_dependents(const GraphNode& owner) {
    std::vector<std::pair<size_t, json>> out;
    const std::string ns = known_kinds()[owner.kind].namespaced ? owner.ns : "";
    for (size_t k = 0; k < kTrackedKinds; ++k) {
      auto list = ctx_.client->list(resource_path(known_kinds()[k].ref, ns));
      if (!list) return std::unexpected(list.error());
      for (auto& item : (*list)["items"]) {
        auto refs = owner_refs(item);
        if (std::any_of(refs.begin(), refs.end(), [&](const OwnerRef& r) { return r.uid == owner.uid; }))
          out.emplace_back(k, std::move(item));
      }
    }
    return out;
  }

  // A failed call: false (retry with back-off); conflicts (stale cache) are not logged.
  bool log(const GraphNode& n, const std::string& what, const ApiError& e) {
    if (e.code != 409)
      std::cerr << kGarbageCollectorName << ": " << known_kinds()[n.kind].kind << " " << n.ns << "/" << n.name << ": "
                << what << ": " << e.text() << "\n";
    return false;
  }

  ControllerContext& ctx_;
  std::vector<Informer*> informers_;
  OwnerGraph graph_;
  WorkQueue queue_;
  QueueWorkers workers_;
};

}  // namespace

}  // namespace v6k::kube::lifecycle

namespace v6k::kube {

std::unique_ptr<Controller> make_garbage_collector(ControllerContext& ctx) {
  return std::make_unique<lifecycle::GarbageCollector>(ctx);
}

}  // namespace v6k::kube
