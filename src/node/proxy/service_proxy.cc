#include "node/proxy/service_proxy.h"

namespace v6k::node::proxy {

using Clock = std::chrono::steady_clock;

Result<ServiceProxy> ServiceProxy::open(const netlink::NetNs& node_ns, ProxyOptions options) {
  // libnftables binds its netlink socket to the calling thread's netns when the context
  // is created: open it inside the node's namespace, then come straight back.
  auto scope = netlink::NetNsScope::enter(node_ns);
  if (!scope) return fail(std::move(scope.error()).wrap("entering the node netns for the service proxy"));
  auto nft = netlink::Nft::open();
  if (!nft) return fail(std::move(nft.error()).wrap("opening nftables in the node netns"));
  return ServiceProxy(std::move(*nft), std::move(options));
}

Result<> ServiceProxy::update_service(const nlohmann::json& service) {
  auto s = parse_service(service);
  if (!s) return fail(std::move(s.error()).wrap("service proxy"));
  auto& slot = services_[s->key()];
  if (slot != *s) {
    dirty_services_.insert(s->key());
    slot = std::move(*s);
  }
  return {};
}

void ServiceProxy::remove_service(const std::string& key) {
  if (services_.erase(key) > 0) dirty_services_.insert(key);
}

void ServiceProxy::link_slice(const SliceInfo& s, bool add) {
  if (s.service.empty()) return;
  std::string owner = s.ns + "/" + s.service;
  dirty_services_.insert(owner);
  if (add) {
    slices_of_[owner].insert(s.key());
    return;
  }
  auto it = slices_of_.find(owner);
  if (it == slices_of_.end()) return;
  it->second.erase(s.key());
  if (it->second.empty()) slices_of_.erase(it);
}

Result<> ServiceProxy::update_slice(const nlohmann::json& slice) {
  auto s = parse_slice(slice);
  if (!s) return fail(std::move(s.error()).wrap("service proxy"));
  auto it = slices_.find(s->key());
  if (it != slices_.end()) {
    if (it->second == *s) return {};
    link_slice(it->second, false);
  }
  link_slice(*s, true);
  slices_[s->key()] = std::move(*s);
  return {};
}

void ServiceProxy::remove_slice(const std::string& key) {
  auto it = slices_.find(key);
  if (it == slices_.end()) return;
  link_slice(it->second, false);
  slices_.erase(it);
}

Result<> ServiceProxy::replace_all(const std::vector<nlohmann::json>& services,
                                   const std::vector<nlohmann::json>& slices) {
  std::vector<ServiceInfo> svc;
  std::vector<SliceInfo> sl;
  for (const auto& obj : services) {
    auto s = parse_service(obj);
    if (!s) return fail(std::move(s.error()).wrap("service proxy snapshot"));
    svc.push_back(std::move(*s));
  }
  for (const auto& obj : slices) {
    auto s = parse_slice(obj);
    if (!s) return fail(std::move(s.error()).wrap("service proxy snapshot"));
    sl.push_back(std::move(*s));
  }
  // Everything parsed: now replace, marking old and new Services dirty (unchanged ones
  // recompute to the same share and cost nothing in the delta).
  for (const auto& [key, s] : services_) dirty_services_.insert(key);
  for (const auto& [key, s] : slices_) link_slice(s, false);
  services_.clear();
  slices_.clear();
  for (auto& s : svc) {
    dirty_services_.insert(s.key());
    services_[s.key()] = std::move(s);
  }
  for (auto& s : sl) {
    link_slice(s, true);
    slices_[s.key()] = std::move(s);
  }
  return {};
}

Result<SyncStats> ServiceProxy::apply(bool force_full) {
  auto t0 = Clock::now();
  SyncStats st;
  const StateOptions opt{.node_name = options_.node_name};
  for (const std::string& key : dirty_services_) {
    auto svc = services_.find(key);
    if (svc == services_.end()) {
      index_.erase(key);
      continue;
    }
    std::vector<const SliceInfo*> own;
    if (auto it = slices_of_.find(key); it != slices_of_.end())
      for (const std::string& k : it->second) own.push_back(&slices_.at(k));
    index_.set(key, service_state(svc->second, own, opt));
  }
  dirty_services_.clear();
  auto [before, after] = index_.take_changes();
  std::string script;
  if (!force_full && have_applied_) {
    script = delta_script(before, after);
  } else {
    script = full_script(index_.snapshot());
    st.full = true;
  }
  if (!script.empty()) {
    auto r = nft_.run(script);
    if (!r && !st.full) {
      // The kernel did not hold what we thought (someone edited the table, or a
      // previous run of ours left it): rebuild it whole.
      st.fallback_reason = r.error().message();
      script = full_script(index_.snapshot());
      st.full = true;
      r = nft_.run(script);
    }
    if (!r) {
      have_applied_ = false;  // unknown kernel state: the next sync replaces the table
      return fail(std::move(r.error()).wrap("applying service proxy rules"));
    }
    st.applied = true;
  }
  st.script_bytes = script.size();
  have_applied_ = true;
  last_apply_ = Clock::now();
  st.took = std::chrono::duration_cast<std::chrono::microseconds>(last_apply_ - t0);
  return st;
}

Result<SyncStats> ServiceProxy::sync() {
  if (!dirty()) return SyncStats{};
  return apply(false);
}

Result<std::chrono::milliseconds> ServiceProxy::sync_if_due() {
  if (!dirty()) return std::chrono::milliseconds(0);
  auto since = Clock::now() - last_apply_;
  if (have_applied_ && since < options_.min_sync_interval)
    return std::chrono::ceil<std::chrono::milliseconds>(options_.min_sync_interval - since);
  auto r = apply(false);
  if (!r) return fail(std::move(r.error()));
  return std::chrono::milliseconds(0);
}

Result<SyncStats> ServiceProxy::full_resync() { return apply(true); }

Result<> ServiceProxy::cleanup() {
  V6K_TRY(nft_.run(delete_script()), "deleting the service proxy table");
  have_applied_ = false;  // the next sync builds the table whole again
  return {};
}

}  // namespace v6k::node::proxy
