// The v1 Endpoints planner (see endpoints.h).
#include "kube/controllers/netplan/endpoints.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "kube/controllers/netplan/endpointslices.h"
#include "kube/controllers/netplan/podinfo.h"

namespace v6k::kube::netplan {

using nlohmann::json;
using namespace detail;

namespace {

// The Service's address family for Endpoints: ipFamilies[0], else the clusterIP's, else
// (headless on an old API server) the pod's own IP's.
bool wants_v6(const json& svc, const json& pod) {
  const json& fams = at(at(svc, "spec"), "ipFamilies");
  if (fams.is_array() && !fams.empty()) return fams[0] == "IPv6";
  if (service_ip_set(svc)) return ip_is_v6(str(at(svc, "spec"), "clusterIP")).value_or(false);
  return ip_is_v6(str(at(pod, "status"), "podIP")).value_or(false);
}

std::optional<json> endpoint_address(const json& svc, const json& pod) {
  bool v6 = wants_v6(svc, pod);
  for (const auto& ip : pod_ips(pod)) {
    auto fam = ip_is_v6(ip);
    if (!fam || *fam != v6) continue;
    const json& meta = at(pod, "metadata");
    json a = {{"ip", ip},
              {"nodeName", str(at(pod, "spec"), "nodeName")},
              {"targetRef",
               {{"kind", "Pod"}, {"namespace", str(meta, "namespace")}, {"name", str(meta, "name")}, {"uid", str(meta, "uid")}}}};
    if (should_set_hostname(pod, svc)) a["hostname"] = str(at(pod, "spec"), "hostname");
    return a;
  }
  return std::nullopt;
}

std::string port_sort_key(const json& p) {
  return str(p, "name") + "/" + std::to_string(integer(p, "port", -1)) + "/" + str(p, "protocol") + "/" + str(p, "appProtocol");
}

std::string addr_sort_key(const json& a) { return str(a, "ip") + "/" + str(at(a, "targetRef"), "uid"); }

void sort_by(json& arr, std::string (*key)(const json&)) {
  if (!arr.is_array()) return;
  std::stable_sort(arr.begin(), arr.end(), [key](const json& x, const json& y) { return key(x) < key(y); });
}

// One address with its readiness, as RepackSubsets tracks them.
struct AddrSet {
  std::map<std::string, std::pair<json, bool>> addrs;  // addr_sort_key -> (address, ready)
  std::string key() const {
    std::string k;
    for (const auto& [ak, v] : addrs) k += ak + (v.second ? "+;" : "-;");
    return k;
  }
};

// RepackSubsets: ports that share the same set of (address, readiness) form one subset.
json repack(const std::map<std::string, std::pair<json, AddrSet>>& by_port) {
  std::map<std::string, std::pair<const AddrSet*, json>> groups;  // address-set key -> (set, ports)
  for (const auto& [pk, entry] : by_port) {
    auto& g = groups[entry.second.key()];
    g.first = &entry.second;
    if (g.second.is_null()) g.second = json::array();
    if (!entry.first.is_null()) g.second.push_back(entry.first);  // null: the no-port sentinel
  }
  json subsets = json::array();
  for (auto& [k, g] : groups) {
    json ready = json::array(), not_ready = json::array();
    for (const auto& [ak, v] : g.first->addrs) (v.second ? ready : not_ready).push_back(v.first);
    json s = json::object();
    if (!ready.empty()) s["addresses"] = std::move(ready);
    if (!not_ready.empty()) s["notReadyAddresses"] = std::move(not_ready);
    if (!g.second.empty()) {
      sort_by(g.second, port_sort_key);
      s["ports"] = std::move(g.second);
    }
    subsets.push_back(std::move(s));
  }
  return subsets;
}

// Order- and resourceVersion-insensitive form of subsets, for comparison.
json normalized(const json& subsets) {
  json out = json::array();
  if (!subsets.is_array()) return out;
  for (const auto& s : subsets) {
    json n = json::object();
    for (const char* k : {"addresses", "notReadyAddresses"}) {
      const json& list = at(s, k);
      if (!list.is_array() || list.empty()) continue;
      json copy = list;
      for (auto& a : copy) {
        if (a.is_object() && a.contains("targetRef") && a["targetRef"].is_object()) a["targetRef"].erase("resourceVersion");
      }
      sort_by(copy, addr_sort_key);
      n[k] = std::move(copy);
    }
    const json& ports = at(s, "ports");
    if (ports.is_array() && !ports.empty()) {
      n["ports"] = ports;
      sort_by(n["ports"], port_sort_key);
    }
    out.push_back(std::move(n));
  }
  std::sort(out.begin(), out.end(), [](const json& a, const json& b) { return a.dump() < b.dump(); });
  return out;
}

size_t address_count(const json& subsets, const char* which) {
  size_t n = 0;
  if (!subsets.is_array()) return 0;
  for (const auto& s : subsets) {
    const json& l = at(s, which);
    if (l.is_array()) n += l.size();
  }
  return n;
}

// truncateEndpoints: keep at most kEndpointsMaxCapacity addresses, ready ones first,
// each subset keeping its proportional share (rounded up).
bool truncate(json& subsets) {
  size_t ready = address_count(subsets, "addresses"), not_ready = address_count(subsets, "notReadyAddresses");
  if (ready + not_ready <= kEndpointsMaxCapacity) return false;
  bool cut_ready = ready > kEndpointsMaxCapacity;
  size_t max = cut_ready ? kEndpointsMaxCapacity : kEndpointsMaxCapacity - ready;
  size_t total = cut_ready ? ready : not_ready;
  size_t can_add = max;
  for (auto& s : subsets) {
    const char* which = cut_ready ? "addresses" : "notReadyAddresses";
    size_t in_subset = s.contains(which) ? s[which].size() : 0;
    size_t share = static_cast<size_t>(std::ceil(static_cast<double>(in_subset) / static_cast<double>(total) * static_cast<double>(max)));
    share = std::min(share, can_add);
    if (s.contains(which) && s[which].size() > share) s[which].erase(s[which].begin() + static_cast<std::ptrdiff_t>(share), s[which].end());
    if (cut_ready) s.erase("notReadyAddresses");
    can_add -= s.contains(which) ? s[which].size() : 0;
    if (s.contains(which) && s[which].empty()) s.erase(which);
  }
  return true;
}

json without_headless(const json& labels) {
  json l = string_map(labels);
  l.erase(kLabelHeadless);
  return l;
}

std::optional<json> plan_impl(const json& svc, std::span<const json* const> pods_in_ns, const json* existing,
                              std::string_view trigger_time) {
  if (!svc.is_object() || str(at(svc, "spec"), "type") == "ExternalName" || !service_has_selector(svc)) return std::nullopt;
  const json& spec = at(svc, "spec");
  const json& meta = at(svc, "metadata");
  const json& selector = at(spec, "selector");
  const bool publish = at(spec, "publishNotReadyAddresses") == true;
  const json& svc_ports = at(spec, "ports");
  const bool no_ports = !svc_ports.is_array() || svc_ports.empty();
  std::string ns = str(meta, "namespace");

  std::map<std::string, std::pair<json, AddrSet>> by_port;  // port key -> (port, addresses)
  for (const json* pod : pods_in_ns) {
    if (!pod || !pod->is_object()) continue;
    const json& pm = at(*pod, "metadata");
    if (str(pm, "namespace") != ns || !selector_matches(selector, at(pm, "labels"))) continue;
    if (!should_pod_be_in_endpoints(*pod, publish)) continue;
    auto epa = endpoint_address(svc, *pod);
    if (!epa) continue;
    bool ready = publish || pod_ready(*pod);
    std::string ak = addr_sort_key(*epa);
    if (no_ports) {
      if (is_headless(svc)) by_port["-"].second.addrs.emplace(ak, std::make_pair(*epa, ready));
      continue;
    }
    for (const auto& sp : svc_ports) {
      auto num = resolve_target_port(*pod, sp);
      if (!num) continue;
      std::string proto = str(sp, "protocol");
      json port = {{"name", str(sp, "name")}, {"port", *num}, {"protocol", proto.empty() ? "TCP" : proto}};
      if (at(sp, "appProtocol").is_string()) port["appProtocol"] = sp["appProtocol"];
      auto& entry = by_port[port_sort_key(port)];
      entry.first = port;
      entry.second.addrs.emplace(ak, std::make_pair(*epa, ready));
    }
  }
  json subsets = repack(by_port);

  json svc_labels = string_map(at(meta, "labels"));
  if (existing && existing->is_object() && !str(at(*existing, "metadata"), "resourceVersion").empty()) {
    const json& em = at(*existing, "metadata");
    bool capacity_ok = address_count(at(*existing, "subsets"), "addresses") +
                               address_count(at(*existing, "subsets"), "notReadyAddresses") <=
                           kEndpointsMaxCapacity &&
                       !at(at(em, "annotations"), kAnnotationOverCapacity).is_string();
    if (normalized(at(*existing, "subsets")) == normalized(subsets) && without_headless(at(em, "labels")) == svc_labels &&
        capacity_ok) {
      return std::nullopt;
    }
  }
  json out = existing && existing->is_object()
                 ? *existing
                 : json{{"apiVersion", "v1"}, {"kind", "Endpoints"}, {"metadata", {{"name", str(meta, "name")}, {"namespace", ns}}}};
  if (!out["metadata"].is_object()) out["metadata"] = json::object();
  json& om = out["metadata"];
  json annotations = string_map(at(om, "annotations"));
  if (!trigger_time.empty()) {
    annotations[kAnnotationTriggerTime] = std::string(trigger_time);
  } else {
    annotations.erase(kAnnotationTriggerTime);
  }
  if (truncate(subsets)) {
    annotations[kAnnotationOverCapacity] = "truncated";
  } else {
    annotations.erase(kAnnotationOverCapacity);
  }
  if (annotations.empty()) {
    om.erase("annotations");
  } else {
    om["annotations"] = std::move(annotations);
  }
  json labels = svc_labels;
  if (service_ip_set(svc)) {
    labels.erase(kLabelHeadless);
  } else {
    labels[kLabelHeadless] = "";
  }
  if (labels.empty()) {
    om.erase("labels");
  } else {
    om["labels"] = std::move(labels);
  }
  if (subsets.empty()) {
    out.erase("subsets");
  } else {
    out["subsets"] = std::move(subsets);
  }
  return out;
}

}  // namespace

std::optional<json> plan_endpoints(const json& service, std::span<const json* const> pods_in_namespace, const json* existing,
                                   std::string_view trigger_time) {
  try {
    return plan_impl(service, pods_in_namespace, existing, trigger_time);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

}  // namespace v6k::kube::netplan
