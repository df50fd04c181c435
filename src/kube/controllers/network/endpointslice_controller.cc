// The EndpointSlice controller (upstream pkg/controller/endpointslice): for every Service
// with a selector, keeps the slices labelled kubernetes.io/service-name=<svc> and managed
// by endpointslice-controller.k8s.io equal to netplan::plan_endpoint_slices' answer.
//
// Stale caches: right after this controller writes a slice, the slice informer may still
// hold the previous version; planning from it would create duplicates or conflict. Like
// upstream's endpointSliceTracker, the controller remembers the resourceVersion of each
// slice it wrote (or that it deleted one) and postpones a Service's sync until the cache
// has caught up. The same record lets the slice handlers ignore the echoes of our own
// writes, so only edits by others (or deletions) requeue the Service.
#include <charconv>
#include <cstdlib>
#include <iostream>

#include "kube/controllers/netplan/endpointslices.h"
#include "kube/controllers/network/network.h"
#include "kube/controllers/network/service_loop.h"

namespace v6k::kube::network {

namespace {

using namespace std::chrono_literals;
using Zones = std::unordered_map<std::string, std::string>;

const std::string kZoneLabel = "topology.kubernetes.io/zone";

// A JSON string at obj/a/b, or "".
std::string get2(const json& obj, const char* a, const char* b) {
  if (!obj.is_object()) return "";
  auto i = obj.find(a);
  if (i == obj.end() || !i->is_object()) return "";
  auto j = i->find(b);
  return j != i->end() && j->is_string() ? j->get<std::string>() : "";
}

std::string label(const json& obj, const std::string& key) {
  if (!obj.contains("metadata") || !obj["metadata"].is_object()) return "";
  const json& m = obj["metadata"];
  if (!m.contains("labels") || !m["labels"].is_object()) return "";
  auto it = m["labels"].find(key);
  return it != m["labels"].end() && it->is_string() ? it->get<std::string>() : "";
}

int64_t resource_version(const json& obj) {
  std::string rv = get2(obj, "metadata", "resourceVersion");
  int64_t v = 0;
  auto [p, ec] = std::from_chars(rv.data(), rv.data() + rv.size(), v);
  return ec == std::errc() && p == rv.data() + rv.size() ? v : 0;
}

// The Service key a slice of ours belongs to, or "" for slices we do not manage.
std::string owning_service(const json& slice) {
  if (label(slice, netplan::kLabelManagedBy) != netplan::kEndpointSliceControllerName) return "";
  std::string svc = label(slice, netplan::kLabelServiceName);
  return svc.empty() ? "" : object_key(get2(slice, "metadata", "namespace"), svc);
}

class EndpointSliceController final : public ServiceLoop {
 public:
  explicit EndpointSliceController(ControllerContext& ctx)
      : ServiceLoop(ctx, kEndpointSliceControllerName),
        slices_(ctx.informers.get(kEndpointSlices)),
        nodes_(ctx.informers.get(kNodes)),
        zones_(std::make_shared<const Zones>()) {
    slices_.on_add([this](const json& s) { slice_changed(s); });
    slices_.on_update([this](const json& old_slice, const json& s) {
      // A label edit may move a slice away from its Service: that one needs a look too.
      if (owning_service(old_slice) != owning_service(s)) slice_changed(old_slice);
      slice_changed(s);
    });
    slices_.on_delete([this](const json& s) {
      std::string svc = owning_service(s);
      if (svc.empty()) return;
      {
        std::lock_guard lock(track_mu_);
        if (auto it = expected_.find(svc); it != expected_.end()) it->second.erase(get2(s, "metadata", "name"));
      }
      enqueue(svc);
    });
    nodes_.on_add([this](const json& n) { node_zone(get2(n, "metadata", "name"), label(n, kZoneLabel)); });
    nodes_.on_update([this](const json&, const json& n) { node_zone(get2(n, "metadata", "name"), label(n, kZoneLabel)); });
    nodes_.on_delete([this](const json& n) { node_zone(get2(n, "metadata", "name"), ""); });
  }
  ~EndpointSliceController() override { stop(); }

 private:
  struct Expected {
    int64_t rv;  // -1: deleted
    std::chrono::steady_clock::time_point when;
  };

  void slice_changed(const json& s) {
    std::string svc = owning_service(s);
    if (svc.empty()) return;
    {
      // The echo of our own write: nothing to repair.
      std::lock_guard lock(track_mu_);
      auto it = expected_.find(svc);
      if (it != expected_.end()) {
        auto e = it->second.find(get2(s, "metadata", "name"));
        if (e != it->second.end() && e->second.rv == resource_version(s)) return;
      }
    }
    enqueue(svc);
  }

  // Copy-on-write: syncs read a snapshot without locking against node churn.
  void node_zone(const std::string& node, const std::string& zone) {
    std::lock_guard lock(zones_mu_);
    auto it = zones_->find(node);
    if (zone.empty() ? it == zones_->end() : (it != zones_->end() && it->second == zone)) return;
    auto next = std::make_shared<Zones>(*zones_);
    if (zone.empty()) next->erase(node);
    else (*next)[node] = zone;
    zones_ = std::move(next);
  }

  std::shared_ptr<const Zones> zones() {
    std::lock_guard lock(zones_mu_);
    return zones_;
  }

  void expect(const std::string& svc, const std::string& slice, int64_t rv) {
    std::lock_guard lock(track_mu_);
    expected_[svc][slice] = Expected{rv, std::chrono::steady_clock::now()};
  }

  // True while the slice cache lacks one of our writes for this Service. Records older
  // than 10 s are dropped (a write whose echo we can no longer tell apart).
  bool cache_stale(const std::string& svc, const std::string& ns) {
    std::lock_guard lock(track_mu_);
    auto it = expected_.find(svc);
    if (it == expected_.end()) return false;
    bool stale = false;
    auto now = std::chrono::steady_clock::now();
    // How far the slice watch has got: a slice we wrote at rv N that is absent from a cache
    // past N was deleted since (by someone else; its delete event may even have come before
    // we recorded the write), not yet to arrive.
    const int64_t seen = std::strtoll(slices_.last_resource_version().c_str(), nullptr, 10);
    for (auto e = it->second.begin(); e != it->second.end();) {
      ObjectPtr cached = slices_.get(ns, e->first);
      bool behind = e->second.rv < 0 ? cached != nullptr
                    : cached         ? resource_version(*cached) < e->second.rv
                                     : seen < e->second.rv;
      if (behind && now - e->second.when < 10s) {
        stale = true;
        ++e;
      } else {
        e = it->second.erase(e);
      }
    }
    if (it->second.empty()) expected_.erase(it);
    return stale;
  }

  bool sync(const std::string& key) override {
    auto [ns, name] = split_key(key);
    ObjectPtr svc = services_.get(ns, name);
    std::vector<ObjectPtr> mine;
    for (auto& s : slices_.list(ns))
      if (owning_service(*s) == key) mine.push_back(std::move(s));
    const std::string path = resource_path(kEndpointSlices, ns);
    if (!svc) {
      // Garbage collection would remove them through their ownerReference; doing it here
      // makes a deleted Service's endpoints disappear at once.
      for (const auto& s : mine) {
        json opts = {{"preconditions", {{"uid", get2(*s, "metadata", "uid")}}}};
        auto r = ctx_.client->remove(path + "/" + get2(*s, "metadata", "name"), opts);
        if (!r && !r.error().not_found() && r.error().code != 409) return fail(key, "delete", r.error());
      }
      std::lock_guard lock(track_mu_);
      expected_.erase(key);
      return true;
    }
    if (cache_stale(key, ns)) {
      queue_.add_after(key, 100ms);
      return true;
    }
    auto pods = pods_.list(ns);
    auto zone_map = zones();
    netplan::EndpointSliceOptions opt;
    opt.node_zones = zone_map.get();
    opt.trigger_time = take_trigger_time(key);
    auto pod_ptrs = pointers(pods);
    auto slice_ptrs = pointers(mine);
    auto plan = netplan::plan_endpoint_slices(*svc, pod_ptrs, slice_ptrs, opt);
    // Creates and updates before deletes, as upstream, so endpoints never vanish mid-way.
    for (const auto& s : plan.creates) {
      auto r = ctx_.client->create(path, s);
      if (!r) return fail(key, "create", r.error());
      expect(key, get2(*r, "metadata", "name"), resource_version(*r));
    }
    for (const auto& s : plan.updates) {
      std::string slice = get2(s, "metadata", "name");
      auto r = ctx_.client->update(path + "/" + slice, s);
      if (!r) return fail(key, "update", r.error());
      expect(key, slice, resource_version(*r));
    }
    for (const auto& slice : plan.deletes) {
      auto r = ctx_.client->remove(path + "/" + slice);
      if (!r && !r.error().not_found()) return fail(key, "delete", r.error());
      expect(key, slice, -1);
    }
    return true;
  }

  // A failed write: retried with back-off; conflicts are expected (stale cache) and quiet.
  bool fail(const std::string& key, const char* what, const ApiError& e) {
    if (e.code != 409 && e.code != 404)
      std::cerr << kEndpointSliceControllerName << ": " << key << ": " << what << " slice: " << e.text() << "\n";
    return false;
  }

  Informer& slices_;
  Informer& nodes_;
  std::mutex zones_mu_;
  std::shared_ptr<const Zones> zones_;
  std::mutex track_mu_;
  std::unordered_map<std::string, std::unordered_map<std::string, Expected>> expected_;
};

}  // namespace

}  // namespace v6k::kube::network

namespace v6k::kube {

std::unique_ptr<Controller> make_endpointslice_controller(ControllerContext& ctx) {
  return std::make_unique<network::EndpointSliceController>(ctx);
}

}  // namespace v6k::kube
