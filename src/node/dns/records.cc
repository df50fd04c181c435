// Records: feeding the zone from Kubernetes objects (the lookups are in lookup.cc).
#include <ctime>
#include <mutex>
#include <nlohmann/json.hpp>

#include "node/dns/records.h"

namespace v6k::node::dns {
namespace {

using json = nlohmann::json;

// Field access that never throws: absent or mistyped fields read as empty.
const json& field(const json& j, std::string_view key) {
  static const json kNull;
  if (!j.is_object()) return kNull;
  auto it = j.find(std::string(key));
  return it == j.end() ? kNull : *it;
}
std::string str(const json& j, std::string_view key) {
  const json& v = field(j, key);
  return v.is_string() ? v.get<std::string>() : std::string();
}

struct Meta {
  std::string ns, name;
};
Result<Meta> meta_of(const json& obj, std::string_view kind) {
  const json& m = field(obj, "metadata");
  Meta out{lower(str(m, "namespace")), lower(str(m, "name"))};
  if (out.name.empty()) return fail_invalid(std::string(kind) + ": metadata.name is missing");
  if (out.ns.empty()) out.ns = "default";
  return out;
}

std::string key_of(std::string_view ns, std::string_view name) {
  return lower(ns) + "/" + lower(name);
}

template <typename Port>
Result<std::vector<Port>> ports_of(const json& list, std::string_view where) {
  std::vector<Port> out;
  if (!list.is_array()) return out;
  for (size_t i = 0; i < list.size(); ++i) {
    const json& p = list[i];
    Port port;
    port.name = lower(str(p, "name"));
    port.protocol = lower(str(p, "protocol"));
    if (port.protocol.empty()) port.protocol = "tcp";
    const json& n = field(p, "port");
    if (n.is_number_integer()) {
      auto v = n.get<int64_t>();
      if (v < 1 || v > 65535)
        return fail_invalid(std::string(where) + ".ports[" + std::to_string(i) + "].port " +
                            std::to_string(v) + " is out of range 1-65535");
      port.port = int32_t(v);
    }
    out.push_back(std::move(port));
  }
  return out;
}

Result<addr::IpAddress> ip_of(const json& v, const std::string& where) {
  if (!v.is_string()) return fail_invalid(where + " is not a string");
  auto ip = addr::parse_ip(v.get<std::string>());
  if (!ip) return fail(std::move(ip.error()).wrap(where));
  return *ip;
}

}  // namespace

Records::Records(ZoneConfig config)
    : cfg_(std::move(config)), domain_(lower(cfg_.domain.ends_with('.')
                                                 ? cfg_.domain.substr(0, cfg_.domain.size() - 1)
                                                 : cfg_.domain)) {
  serial_ = uint32_t(std::time(nullptr));
}

void Records::touch() { serial_ = uint32_t(std::time(nullptr)); }

Result<> Records::upsert_service(const json& obj) {
  auto meta = meta_of(obj, "Service");
  if (!meta) return fail(std::move(meta.error()));
  const json& spec = field(obj, "spec");
  Service s;
  s.ns = meta->ns;
  s.name = meta->name;
  if (str(spec, "type") == "ExternalName") s.external_name = lower(str(spec, "externalName"));
  std::string cluster_ip = str(spec, "clusterIP");
  s.headless = cluster_ip == "None";
  const json& ips = field(spec, "clusterIPs");
  if (!s.headless && s.external_name.empty()) {
    if (ips.is_array() && !ips.empty()) {
      for (size_t i = 0; i < ips.size(); ++i) {
        if (ips[i].is_string() && ips[i].get<std::string>() == "None") continue;
        auto ip = ip_of(ips[i], "Service spec.clusterIPs[" + std::to_string(i) + "]");
        if (!ip) return fail(std::move(ip.error()));
        s.cluster_ips.push_back(*ip);
      }
    } else if (!cluster_ip.empty()) {
      auto ip = ip_of(field(spec, "clusterIP"), "Service spec.clusterIP");
      if (!ip) return fail(std::move(ip.error()));
      s.cluster_ips.push_back(*ip);
    }
  }
  auto ports = ports_of<Port>(field(spec, "ports"), "Service spec");
  if (!ports) return fail(std::move(ports.error()));
  s.ports = std::move(*ports);

  std::unique_lock lock(mu_);
  services_[key_of(s.ns, s.name)] = std::move(s);
  touch();
  return {};
}

void Records::remove_service(std::string_view ns, std::string_view name) {
  std::unique_lock lock(mu_);
  if (services_.erase(key_of(ns, name))) touch();
}

Result<> Records::upsert_slice(const json& obj) {
  auto meta = meta_of(obj, "EndpointSlice");
  if (!meta) return fail(std::move(meta.error()));
  Slice slice;
  std::string svc = lower(str(field(field(obj, "metadata"), "labels"), "kubernetes.io/service-name"));
  if (!svc.empty()) slice.service_key = key_of(meta->ns, svc);
  auto ports = ports_of<Port>(field(obj, "ports"), "EndpointSlice");
  if (!ports) return fail(std::move(ports.error()));
  slice.ports = std::move(*ports);
  const json& eps = field(obj, "endpoints");
  // FQDN slices name hosts, not addresses: nothing for A/AAAA (CoreDNS skips them too).
  if (str(obj, "addressType") != "FQDN" && eps.is_array()) {
    for (size_t i = 0; i < eps.size(); ++i) {
      Endpoint ep;
      ep.hostname = lower(str(eps[i], "hostname"));
      // conditions.ready absent or null means ready (EndpointSlice API semantics).
      const json& ready = field(field(eps[i], "conditions"), "ready");
      ep.ready = !ready.is_boolean() || ready.get<bool>();
      const json& addrs = field(eps[i], "addresses");
      if (addrs.is_array()) {
        for (size_t k = 0; k < addrs.size(); ++k) {
          auto ip = ip_of(addrs[k], "EndpointSlice endpoints[" + std::to_string(i) + "].addresses[" +
                                        std::to_string(k) + "]");
          if (!ip) return fail(std::move(ip.error()));
          ep.addresses.push_back(*ip);
        }
      }
      slice.endpoints.push_back(std::move(ep));
    }
  }

  std::string key = key_of(meta->ns, meta->name);
  std::unique_lock lock(mu_);
  unindex_slice(key);
  if (!slice.service_key.empty()) slices_by_service_[slice.service_key].insert(key);
  slices_[key] = std::move(slice);
  touch();
  return {};
}

void Records::unindex_slice(const std::string& key) {
  auto it = slices_.find(key);
  if (it == slices_.end()) return;
  auto idx = slices_by_service_.find(it->second.service_key);
  if (idx != slices_by_service_.end()) {
    idx->second.erase(key);
    if (idx->second.empty()) slices_by_service_.erase(idx);
  }
  slices_.erase(it);
}

void Records::remove_slice(std::string_view ns, std::string_view name) {
  std::unique_lock lock(mu_);
  unindex_slice(key_of(ns, name));
  touch();
}

Result<> Records::upsert_pod(const json& obj) {
  auto meta = meta_of(obj, "Pod");
  if (!meta) return fail(std::move(meta.error()));
  Pod pod;
  pod.ns = meta->ns;
  const json& status = field(obj, "status");
  const json& ips = field(status, "podIPs");
  if (ips.is_array() && !ips.empty()) {
    for (size_t i = 0; i < ips.size(); ++i) {
      auto ip = ip_of(field(ips[i], "ip"), "Pod status.podIPs[" + std::to_string(i) + "].ip");
      if (!ip) return fail(std::move(ip.error()));
      pod.ips.push_back(*ip);
    }
  } else if (!str(status, "podIP").empty()) {
    auto ip = ip_of(field(status, "podIP"), "Pod status.podIP");
    if (!ip) return fail(std::move(ip.error()));
    pod.ips.push_back(*ip);
  }
  // A terminating pod no longer answers (CoreDNS drops it on the deletion timestamp).
  bool terminating = !str(field(obj, "metadata"), "deletionTimestamp").empty();

  std::string key = key_of(meta->ns, meta->name);
  std::unique_lock lock(mu_);
  unindex_pod(key);
  if (!terminating) {
    for (const auto& ip : pod.ips) ++pod_ips_[{pod.ns, ip}];
    pods_[key] = std::move(pod);
  }
  touch();
  return {};
}

void Records::unindex_pod(const std::string& key) {
  auto it = pods_.find(key);
  if (it == pods_.end()) return;
  for (const auto& ip : it->second.ips) {
    auto p = pod_ips_.find({it->second.ns, ip});
    if (p != pod_ips_.end() && --p->second <= 0) pod_ips_.erase(p);
  }
  pods_.erase(it);
}

void Records::remove_pod(std::string_view ns, std::string_view name) {
  std::unique_lock lock(mu_);
  unindex_pod(key_of(ns, name));
  touch();
}

Records::Counts Records::counts() const {
  std::shared_lock lock(mu_);
  return {services_.size(), slices_.size(), pods_.size()};
}

bool Records::namespace_known(const std::string& ns) const {
  std::string prefix = ns + "/";
  auto s = services_.lower_bound(prefix);
  if (s != services_.end() && s->first.starts_with(prefix)) return true;
  auto p = pods_.lower_bound(prefix);
  return p != pods_.end() && p->first.starts_with(prefix);
}

std::string pod_resolv_conf(const addr::IpAddress& dns, std::string_view ns, std::string_view domain) {
  std::string d(domain);
  if (d.ends_with('.')) d.pop_back();
  return "nameserver " + addr::to_string(dns) + "\nsearch " + std::string(ns) + ".svc." + d +
         " svc." + d + " " + d + "\noptions ndots:5\n";
}

}  // namespace v6k::node::dns
