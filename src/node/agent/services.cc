#include "node/agent/services.h"

#include <linux/if_addr.h>

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <mutex>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "kube/client/informer.h"
#include "kube/client/shared_informers.h"
#include "netlink/netns.h"
#include "netlink/rtnl.h"
#include "node/dns/records.h"
#include "node/proxy/service_proxy.h"

namespace v6k::node {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

Result<addr::IpAddress> cluster_dns_ip(std::string_view cidr) {
  constexpr int kOffset = 10;  // kubeadm's and EKS's choice: .10 / ::a
  const std::string what = "service CIDR \"" + std::string(cidr) + "\"";
  if (cidr.find(':') != std::string_view::npos) {
    auto p = addr::Ipv6Prefix::parse(cidr);
    if (!p) return fail(std::move(p.error()).wrap(what));
    if (p->host_bits() < 4) return fail_invalid(what + " is too small for a cluster DNS address (base + 10)");
    return addr::IpAddress(p->at(kOffset).value());
  }
  auto p = addr::Ipv4Prefix::parse(cidr);
  if (!p) return fail(std::move(p.error()).wrap(what));
  if (p->host_bits() < 4) return fail_invalid(what + " is too small for a cluster DNS address (base + 10)");
  return addr::IpAddress(p->at(kOffset).value());
}

namespace {

void log(const std::string& m) { std::fprintf(stderr, "agent: services: %s\n", m.c_str()); }

// The DNS address as a host route on the node's lo, without DAD (a tentative address
// would refuse our replies' source for a second or two). EEXIST means a previous agent
// already added it: that is the steady state, not an error.
Result<> ensure_dns_address(const netlink::NetNs& ns, const addr::IpAddress& ip) {
  auto rt = netlink::Rtnl::open_in(ns);
  if (!rt) return fail(std::move(rt.error()).wrap("opening rtnetlink in " + ns.path()));
  auto lo = rt->get_link("lo");
  if (!lo) return fail(std::move(lo.error()).wrap("finding lo in " + ns.path()));
  if (!lo->up) V6K_TRY(rt->set_link_up(lo->index), "bringing lo up in " + ns.path());
  addr::IpInterface a{ip, addr::is_v6(ip) ? 128 : 32};
  auto r = rt->add_address(lo->index, a, IFA_F_NODAD);
  if (!r && r.error().code() != EEXIST)
    return fail(std::move(r.error()).wrap("adding " + a.to_string() + " to lo in " + ns.path()));
  return {};
}

// True when the Service claims the cluster DNS address as one of its ClusterIPs.
bool claims_address(const json& svc, const addr::IpAddress& ip) {
  const json* spec = svc.contains("spec") ? &svc["spec"] : nullptr;
  if (!spec || !spec->is_object()) return false;
  std::vector<std::string> ips;
  if (auto it = spec->find("clusterIPs"); it != spec->end() && it->is_array())
    for (const auto& v : *it)
      if (v.is_string()) ips.push_back(v.get<std::string>());
  if (auto it = spec->find("clusterIP"); it != spec->end() && it->is_string()) ips.push_back(it->get<std::string>());
  for (const auto& s : ips)
    if (auto p = addr::parse_ip(s); p && *p == ip) return true;
  return false;
}

std::pair<std::string, std::string> ns_name(const json& o) {
  auto [ns, name] = kube::split_key(kube::object_key(o));
  return {ns, name};
}

}  // namespace

struct ServiceNetworking::Impl {
  ServiceNetworkingOptions o;
  addr::IpAddress dns_ip;
  std::optional<netlink::NetNs> ns;
  std::optional<proxy::ServiceProxy> proxy;  // touched only by the proxy thread once it runs
  std::shared_ptr<dns::Records> zone;
  std::unique_ptr<dns::Server> server;
  std::unique_ptr<kube::Informer> services, slices, pods;

  // What the informers hand the proxy thread.
  struct Event {
    bool service = true;  // else an EndpointSlice
    bool removed = false;
    std::string key;
    std::shared_ptr<const json> obj;
  };
  std::mutex mu;
  std::condition_variable cv;
  std::deque<Event> events;
  bool stopping = false;
  std::thread proxy_thread;
  ServiceNetworkingStats st;  // guarded by mu
  std::set<std::string> dns_claimants;  // proxy thread only: Services logged as skipped

  void count_bad(const std::string& what, const Error& e) {
    log(what + ": " + e.message());
    std::lock_guard lock(mu);
    ++st.bad_objects;
  }

  void push(Event e) {
    {
      std::lock_guard lock(mu);
      events.push_back(std::move(e));
    }
    cv.notify_one();
  }

  void watch();
  void proxy_loop();
  void apply(const Event& e);
  bool sync(bool full);  // false: failed (logged, counted)
  void stop();
};

// Informer handlers: the zone is thread-safe and updated in place (visible to the next
// query); proxy changes are queued for the proxy thread.
void ServiceNetworking::Impl::watch() {
  auto svc_up = [this](const json& s) {
    if (auto r = zone->upsert_service(s); !r) count_bad("service " + kube::object_key(s), r.error());
    push({.service = true, .key = kube::object_key(s), .obj = std::make_shared<const json>(s)});
  };
  services->on_add(svc_up);
  services->on_update([svc_up](const json&, const json& s) { svc_up(s); });
  services->on_delete([this](const json& s) {
    auto [n, name] = ns_name(s);
    zone->remove_service(n, name);
    push({.service = true, .removed = true, .key = kube::object_key(s)});
  });
  auto slice_up = [this](const json& s) {
    if (auto r = zone->upsert_slice(s); !r) count_bad("endpointslice " + kube::object_key(s), r.error());
    push({.service = false, .key = kube::object_key(s), .obj = std::make_shared<const json>(s)});
  };
  slices->on_add(slice_up);
  slices->on_update([slice_up](const json&, const json& s) { slice_up(s); });
  slices->on_delete([this](const json& s) {
    auto [n, name] = ns_name(s);
    zone->remove_slice(n, name);
    push({.service = false, .removed = true, .key = kube::object_key(s)});
  });
  // Pods only feed <ip>.<ns>.pod.<domain> (verified mode).
  auto pod_up = [this](const json& p) {
    if (auto r = zone->upsert_pod(p); !r) count_bad("pod " + kube::object_key(p), r.error());
  };
  pods->on_add(pod_up);
  pods->on_update([pod_up](const json&, const json& p) { pod_up(p); });
  pods->on_delete([this](const json& p) {
    auto [n, name] = ns_name(p);
    zone->remove_pod(n, name);
  });
}

void ServiceNetworking::Impl::apply(const Event& e) {
  if (!e.service) {
    if (e.removed) proxy->remove_slice(e.key);
    else if (auto r = proxy->update_slice(*e.obj); !r) count_bad("endpointslice " + e.key, r.error());
    return;
  }
  if (!e.removed && claims_address(*e.obj, dns_ip)) {
    if (dns_claimants.insert(e.key).second)
      log("service " + e.key + " has the cluster DNS address " + addr::to_string(dns_ip) +
          ": not proxied, this node answers DNS there itself");
    proxy->remove_service(e.key);
    return;
  }
  dns_claimants.erase(e.key);
  if (e.removed) proxy->remove_service(e.key);
  else if (auto r = proxy->update_service(*e.obj); !r) count_bad("service " + e.key, r.error());
}

bool ServiceNetworking::Impl::sync(bool full) {
  auto r = full ? proxy->full_resync() : proxy->sync();
  std::lock_guard lock(mu);
  if (!r) {
    ++st.failures;
    st.last_error = r.error().message();
    log("sync failed (retrying with a full table): " + st.last_error);
    return false;
  }
  if (r->applied) ++st.syncs;
  if (r->applied && r->full) ++st.full_syncs;
  if (!r->fallback_reason.empty()) log("delta refused, table replaced: " + r->fallback_reason);
  return true;
}

// Drains queued events into the proxy and syncs when something changed, at most once per
// min_sync_interval: a burst of events (a Deployment scaling) becomes one transaction.
void ServiceNetworking::Impl::proxy_loop() {
  auto last_apply = Clock::time_point{};
  auto next_full = Clock::now() + o.full_resync_period;
  bool failed = false;
  auto retry_at = Clock::time_point{};
  std::unique_lock lock(mu);
  while (!stopping) {
    std::deque<Event> batch;
    batch.swap(events);
    lock.unlock();
    for (const auto& e : batch) apply(e);
    auto now = Clock::now();
    auto due = [&] { return std::max(last_apply + o.min_sync_interval, failed ? retry_at : Clock::time_point{}); };
    if (now >= next_full || (proxy->dirty() && now >= due())) {
      const bool full = now >= next_full;
      failed = !sync(full);
      last_apply = Clock::now();
      retry_at = last_apply + o.retry_interval;
      if (full) next_full = last_apply + o.full_resync_period;
    }
    auto wake = proxy->dirty() ? std::min(next_full, due()) : next_full;
    lock.lock();
    if (events.empty() && !stopping) cv.wait_until(lock, wake, [&] { return stopping || !events.empty(); });
  }
}

void ServiceNetworking::Impl::stop() {
  // Informers first: no handler may run against a proxy thread that is gone.
  for (auto* inf : {services.get(), slices.get(), pods.get()})
    if (inf) inf->stop();
  {
    std::lock_guard lock(mu);
    stopping = true;
  }
  cv.notify_all();
  if (proxy_thread.joinable()) proxy_thread.join();
  if (server) server->stop();
}

Result<std::unique_ptr<ServiceNetworking>> ServiceNetworking::start(ServiceNetworkingOptions opts) {
  if (!opts.client) return fail_invalid("service networking: no API client");
  auto ip = cluster_dns_ip(opts.service_cidr);
  if (!ip) return fail(std::move(ip.error()).wrap("service networking"));
  auto im = std::make_unique<Impl>();
  im->o = std::move(opts);
  im->dns_ip = *ip;
  const auto& o = im->o;
  auto ns = netlink::NetNs::open(o.node_netns);
  if (!ns) return fail(std::move(ns.error()).wrap("service networking: node namespace"));
  im->ns.emplace(std::move(*ns));
  V6K_TRY(ensure_dns_address(*im->ns, im->dns_ip), "service networking: cluster DNS address");
  auto px = proxy::ServiceProxy::open(*im->ns, {.node_name = o.node_name});
  if (!px) return fail(std::move(px.error()).wrap("service networking: service proxy"));
  im->proxy.emplace(std::move(*px));
  im->zone = std::make_shared<dns::Records>(dns::ZoneConfig{.domain = o.cluster_domain, .nameservers = {im->dns_ip}});

  auto informer = [&](const kube::ResourceRef& r) {
    return std::make_unique<kube::Informer>(o.client, kube::InformerOptions{.resource = r});
  };
  im->services = informer(kube::kServices);
  im->slices = informer(kube::kEndpointSlices);
  im->pods = informer(kube::kPods);
  im->watch();
  for (auto* inf : {im->services.get(), im->slices.get(), im->pods.get()}) inf->start();
  auto end = Clock::now() + o.informer_sync_timeout;
  for (auto* inf : {im->services.get(), im->slices.get(), im->pods.get()}) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - Clock::now());
    if (!inf->wait_synced(std::max(left, std::chrono::milliseconds(0)))) {
      im->stop();
      return fail_invalid("service networking: the Service, EndpointSlice and Pod lists did not arrive within " +
                          std::to_string(o.informer_sync_timeout.count()) + " s");
    }
  }
  // Every object of the first lists is queued or in the zone: now serve and sync.
  auto srv = dns::Server::start(im->zone, {.netns = o.node_netns, .address = im->dns_ip, .port = o.dns_port,
                                           .upstream = o.upstream});
  if (!srv) {
    im->stop();
    return fail(std::move(srv.error()).wrap("service networking: cluster DNS server"));
  }
  im->server = std::move(*srv);
  Impl* raw = im.get();
  im->proxy_thread = std::thread([raw] { raw->proxy_loop(); });
  return std::unique_ptr<ServiceNetworking>(new ServiceNetworking(std::move(im)));
}

ServiceNetworking::ServiceNetworking(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ServiceNetworking::~ServiceNetworking() { stop(); }
void ServiceNetworking::stop() { impl_->stop(); }
const addr::IpAddress& ServiceNetworking::dns_ip() const { return impl_->dns_ip; }
uint16_t ServiceNetworking::dns_port() const { return impl_->server ? impl_->server->port() : 0; }

ServiceNetworkingStats ServiceNetworking::stats() const {
  std::lock_guard lock(impl_->mu);
  return impl_->st;
}

}  // namespace v6k::node
