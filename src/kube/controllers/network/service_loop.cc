#include "kube/controllers/network/service_loop.h"

#include <algorithm>

#include "kube/client/events.h"

namespace v6k::kube::network {

namespace {

const json& field(const json& obj, std::string_view key) {
  static const json null_json;
  if (!obj.is_object()) return null_json;
  auto it = obj.find(key);
  return it == obj.end() ? null_json : *it;
}

std::string str(const json& obj, std::string_view key) {
  const json& v = field(obj, key);
  return v.is_string() ? v.get<std::string>() : std::string();
}

// The map selector of a Service that gets endpoints from the controllers, or null.
json service_selector(const json& svc) {
  const json& spec = field(svc, "spec");
  if (str(spec, "type") == "ExternalName") return json();
  const json& sel = field(spec, "selector");
  if (!sel.is_object() || sel.empty()) return json();
  return sel;
}

bool selects(const json& selector, const json& labels) {
  if (!labels.is_object()) return false;
  for (auto it = selector.begin(); it != selector.end(); ++it) {
    auto l = labels.find(it.key());
    if (l == labels.end() || *l != it.value()) return false;
  }
  return true;
}

const json& pod_ready_status(const json& pod) {
  static const json null_json;
  const json& conds = field(field(pod, "status"), "conditions");
  if (!conds.is_array()) return null_json;
  for (const auto& c : conds)
    if (str(c, "type") == "Ready") return field(c, "status");
  return null_json;
}

}  // namespace

void ServiceSelectorIndex::set(const json& service) {
  const json& meta = field(service, "metadata");
  json sel = service_selector(service);
  std::lock_guard lock(mu_);
  auto& services = by_ns_[str(meta, "namespace")];
  if (sel.is_null()) services.erase(str(meta, "name"));
  else services[str(meta, "name")] = std::move(sel);
}

void ServiceSelectorIndex::erase(const json& service) {
  const json& meta = field(service, "metadata");
  std::lock_guard lock(mu_);
  auto it = by_ns_.find(str(meta, "namespace"));
  if (it == by_ns_.end()) return;
  it->second.erase(str(meta, "name"));
  if (it->second.empty()) by_ns_.erase(it);
}

std::vector<std::string> ServiceSelectorIndex::matching(std::string_view ns, const json& labels,
                                                        const json* other_labels) const {
  std::vector<std::string> out;
  std::lock_guard lock(mu_);
  auto it = by_ns_.find(std::string(ns));
  if (it == by_ns_.end()) return out;
  for (const auto& [name, sel] : it->second)  // sorted by name: out stays sorted
    if (selects(sel, labels) || (other_labels && selects(sel, *other_labels))) out.push_back(object_key(ns, name));
  return out;
}

size_t ServiceSelectorIndex::size() const {
  std::lock_guard lock(mu_);
  size_t n = 0;
  for (const auto& [_, m] : by_ns_) n += m.size();
  return n;
}

bool pod_endpoint_fields_changed(const json& old_pod, const json& new_pod) {
  const json& om = field(old_pod, "metadata");
  const json& nm = field(new_pod, "metadata");
  if (field(om, "labels") != field(nm, "labels") || field(om, "deletionTimestamp") != field(nm, "deletionTimestamp"))
    return true;
  const json& os = field(old_pod, "status");
  const json& ns = field(new_pod, "status");
  for (const char* k : {"podIP", "podIPs", "phase"})
    if (field(os, k) != field(ns, k)) return true;
  if (pod_ready_status(old_pod) != pod_ready_status(new_pod)) return true;
  const json& osp = field(old_pod, "spec");
  const json& nsp = field(new_pod, "spec");
  for (const char* k : {"nodeName", "hostname", "subdomain", "containers", "initContainers"})
    if (field(osp, k) != field(nsp, k)) return true;
  return false;
}

ServiceLoop::ServiceLoop(ControllerContext& ctx, std::string name)
    : ctx_(ctx),
      services_(ctx.informers.get(kServices)),
      pods_(ctx.informers.get(kPods)),
      name_(std::move(name)),
      workers_(queue_, [this](const std::string& key) { return sync(key); }) {
  services_.on_add([this](const json& s) {
    index_.set(s);
    enqueue_changed(object_key(s));
  });
  services_.on_update([this](const json&, const json& s) {
    index_.set(s);
    enqueue_changed(object_key(s));
  });
  services_.on_delete([this](const json& s) {
    index_.erase(s);
    enqueue_changed(object_key(s));
  });
  auto labels = [](const json& pod) -> const json& { return field(field(pod, "metadata"), "labels"); };
  auto ns = [](const json& pod) { return str(field(pod, "metadata"), "namespace"); };
  pods_.on_add([this, labels, ns](const json& p) {
    for (const auto& key : index_.matching(ns(p), labels(p))) enqueue_changed(key);
  });
  pods_.on_update([this, labels, ns](const json& old_pod, const json& p) {
    if (!pod_endpoint_fields_changed(old_pod, p)) return;
    for (const auto& key : index_.matching(ns(p), labels(p), &labels(old_pod))) enqueue_changed(key);
  });
  pods_.on_delete([this, labels, ns](const json& p) {
    for (const auto& key : index_.matching(ns(p), labels(p))) enqueue_changed(key);
  });
}

ServiceLoop::~ServiceLoop() { stop(); }

void ServiceLoop::start() {
  if (started_) return;
  started_ = true;
  workers_.start(std::max(1, ctx_.options.workers));
}

void ServiceLoop::stop() {
  queue_.shutdown();
  workers_.join();
}

void ServiceLoop::enqueue(const std::string& service_key) { queue_.add(service_key); }

void ServiceLoop::enqueue_changed(const std::string& service_key) {
  {
    std::lock_guard lock(trigger_mu_);
    // The earliest change not yet written, as upstream's trigger time tracker keeps.
    trigger_.try_emplace(service_key, now_rfc3339_micro());
  }
  queue_.add(service_key);
}

std::string ServiceLoop::take_trigger_time(const std::string& service_key) {
  std::lock_guard lock(trigger_mu_);
  auto it = trigger_.find(service_key);
  if (it == trigger_.end()) return "";
  std::string t = std::move(it->second);
  trigger_.erase(it);
  return t;
}

std::vector<const json*> ServiceLoop::pointers(const std::vector<ObjectPtr>& objs) {
  std::vector<const json*> out;
  out.reserve(objs.size());
  for (const auto& o : objs) out.push_back(o.get());
  return out;
}

}  // namespace v6k::kube::network
