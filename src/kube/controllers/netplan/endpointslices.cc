// EndpointSlice reconciliation as upstream's reconciler does it (see endpointslices.h).
// Iteration orders are made deterministic (ordered maps instead of Go's random sets), so
// the same inputs always give the same plan.
#include "kube/controllers/netplan/endpointslices.h"

#include <algorithm>
#include <map>
#include <set>

#include "kube/controllers/netplan/podinfo.h"

namespace v6k::kube::netplan {

using nlohmann::json;
using namespace detail;

namespace {

// ---- ports and endpoint identity -----------------------------------------------------

std::string port_key_one(const json& p) {
  std::string name = str(p, "name"), proto = str(p, "protocol");
  if (proto.empty()) proto = "TCP";  // API default of EndpointPort.protocol
  return name + "/" + proto + "/" + std::to_string(integer(p, "port", -1)) + "/" + str(p, "appProtocol");
}

// The identity of a port list (upstream's PortMapKey): order-independent.
std::string port_map_key(const json& ports) {
  std::vector<std::string> keys;
  if (ports.is_array()) {
    for (const auto& p : ports) keys.push_back(port_key_one(p));
  }
  std::sort(keys.begin(), keys.end());
  std::string out;
  for (const auto& k : keys) out += k + ";";
  return out;
}

// The EndpointPorts of a pod: one per service port the pod resolves.
json endpoint_ports(const json& svc, const json& pod) {
  json out = json::array();
  const json& ports = at(at(svc, "spec"), "ports");
  if (!ports.is_array()) return out;
  for (const auto& sp : ports) {
    auto num = resolve_target_port(pod, sp);
    if (!num) continue;
    std::string proto = str(sp, "protocol");
    json ep = {{"name", str(sp, "name")}, {"port", *num}, {"protocol", proto.empty() ? "TCP" : proto}};
    if (at(sp, "appProtocol").is_string()) ep["appProtocol"] = sp["appProtocol"];
    out.push_back(std::move(ep));
  }
  std::sort(out.begin(), out.end(), [](const json& a, const json& b) { return port_key_one(a) < port_key_one(b); });
  return out;
}

// upstream hashEndpoint: addresses (sorted), hostname and the target's namespace/name.
std::string endpoint_key(const json& ep) {
  std::vector<std::string> addrs;
  const json& a = at(ep, "addresses");
  if (a.is_array()) {
    for (const auto& s : a) addrs.push_back(s.is_string() ? s.get<std::string>() : std::string());
  }
  std::sort(addrs.begin(), addrs.end());
  std::string k;
  for (const auto& s : addrs) k += s + ",";
  const json& ref = at(ep, "targetRef");
  return k + "|" + str(ep, "hostname") + "|" + str(ref, "namespace") + "/" + str(ref, "name");
}

json without_rv(const json& ref) {
  if (!ref.is_object()) return ref;
  json r = ref;
  r.erase("resourceVersion");
  return r;
}

// EndpointsEqualBeyondHash: nodeName, zone, conditions and targetRef (minus resourceVersion).
bool equal_beyond_hash(const json& a, const json& b) {
  for (const char* k : {"nodeName", "zone"}) {
    if (at(a, k) != at(b, k)) return false;
  }
  const json &ca = at(a, "conditions"), &cb = at(b, "conditions");
  for (const char* k : {"ready", "serving", "terminating"}) {
    if (at(ca, k) != at(cb, k)) return false;
  }
  return without_rv(at(a, "targetRef")) == without_rv(at(b, "targetRef"));
}

json pod_to_endpoint(const json& pod, const json& svc, bool v6, const EndpointSliceOptions& opt) {
  json addrs = json::array();
  for (const auto& ip : pod_ips(pod)) {
    auto fam = ip_is_v6(ip);
    if (fam && *fam == v6) addrs.push_back(*canonical_ip(ip));
  }
  bool serving = pod_ready(pod);
  bool terminating = pod_terminating(pod);
  bool publish = at(at(svc, "spec"), "publishNotReadyAddresses") == true;
  const json& meta = at(pod, "metadata");
  json ep = {{"addresses", std::move(addrs)},
             {"conditions", {{"ready", publish || (serving && !terminating)}, {"serving", serving}, {"terminating", terminating}}},
             {"targetRef",
              {{"kind", "Pod"}, {"namespace", str(meta, "namespace")}, {"name", str(meta, "name")}, {"uid", str(meta, "uid")}}}};
  std::string node = str(at(pod, "spec"), "nodeName");
  if (!node.empty()) {
    ep["nodeName"] = node;
    if (opt.node_zones) {
      auto z = opt.node_zones->find(node);
      if (z != opt.node_zones->end() && !z->second.empty()) ep["zone"] = z->second;
    }
  }
  if (should_set_hostname(pod, svc)) ep["hostname"] = str(at(pod, "spec"), "hostname");
  return ep;
}

// ---- slice metadata -------------------------------------------------------------------

json non_reserved(const json& labels) {
  json out = string_map(labels);
  for (const char* k : {kLabelServiceName, kLabelManagedBy, kLabelHeadless}) out.erase(k);
  return out;
}

struct Labels {
  json labels;
  bool changed;
};

// setEndpointSliceLabels: the Service's labels plus the reserved ones; `changed` only
// looks at the non-reserved labels.
Labels slice_labels(const json& slice_labels_now, const json& svc, const EndpointSliceOptions& opt) {
  json want = non_reserved(at(at(svc, "metadata"), "labels"));
  bool changed = non_reserved(slice_labels_now) != want;
  if (!service_ip_set(svc)) want[kLabelHeadless] = "";
  want[kLabelServiceName] = str(at(svc, "metadata"), "name");
  want[kLabelManagedBy] = opt.controller_name;
  return {std::move(want), changed};
}

json owner_ref(const json& svc) {
  const json& m = at(svc, "metadata");
  return {{"apiVersion", "v1"}, {"kind", "Service"}, {"name", str(m, "name")}, {"uid", str(m, "uid")},
          {"controller", true}, {"blockOwnerDeletion", true}};
}

bool owned_by(const json& slice, const json& svc) {
  const json& refs = at(at(slice, "metadata"), "ownerReferences");
  if (!refs.is_array()) return false;
  std::string uid = str(at(svc, "metadata"), "uid");
  for (const auto& r : refs) {
    if (str(r, "uid") == uid && str(r, "kind") == "Service" && str(r, "apiVersion") == "v1") return true;
  }
  return false;
}

json new_slice(const json& svc, const json& ports, const std::string& address_type, const EndpointSliceOptions& opt) {
  const json& m = at(svc, "metadata");
  return {{"apiVersion", "discovery.k8s.io/v1"},
          {"kind", "EndpointSlice"},
          {"metadata",
           {{"generateName", str(m, "name") + "-"},
            {"namespace", str(m, "namespace")},
            {"labels", slice_labels(json(), svc, opt).labels},
            {"ownerReferences", json::array({owner_ref(svc)})}}},
          {"addressType", address_type},
          {"endpoints", json::array()},
          {"ports", ports}};
}

bool empty_array(const json& v) { return v.is_null() || (v.is_array() && v.empty()); }

// placeholderSliceCompare: namespace, labels, owner references and empty content.
bool same_placeholder(const json& existing, const json& placeholder) {
  const json &em = at(existing, "metadata"), &pm = at(placeholder, "metadata");
  return str(em, "namespace") == str(pm, "namespace") && string_map(at(em, "labels")) == string_map(at(pm, "labels")) &&
         at(em, "ownerReferences") == at(pm, "ownerReferences") && str(existing, "addressType") == str(placeholder, "addressType") &&
         empty_array(at(existing, "endpoints")) && empty_array(at(existing, "ports"));
}

size_t endpoint_count(const json& slice) {
  const json& e = at(slice, "endpoints");
  return e.is_array() ? e.size() : 0;
}

// ---- reconciliation per address type ----------------------------------------------------

struct Desired {
  json ports;                         // sorted EndpointPorts
  std::map<std::string, json> endpoints;  // by endpoint_key
};

struct TypePlan {
  std::vector<json> creates;
  std::vector<json> updates;
  std::vector<const json*> deletes;
};

// reconcileByPortMapping for one port list.
void reconcile_port_map(const json& svc, const std::vector<const json*>& existing, Desired& want,
                        const std::string& address_type, const EndpointSliceOptions& opt, TypePlan& out) {
  const size_t max = std::max<size_t>(1, opt.max_endpoints_per_slice);
  std::map<std::string, json> changed;         // name -> modified copy (to update)
  std::map<std::string, const json*> unchanged;  // name -> existing
  // 1. Keep desired endpoints found in existing slices; drop the rest.
  for (const json* s : existing) {
    std::string name = str(at(*s, "metadata"), "name");
    json kept = json::array();
    bool updated = false;
    const json& eps = at(*s, "endpoints");
    if (eps.is_array()) {
      for (const auto& ep : eps) {
        auto it = want.endpoints.find(endpoint_key(ep));
        if (it == want.endpoints.end()) continue;
        if (!equal_beyond_hash(it->second, ep)) updated = true;
        kept.push_back(std::move(it->second));
        want.endpoints.erase(it);
      }
    }
    Labels l = slice_labels(at(at(*s, "metadata"), "labels"), svc, opt);
    if (updated || kept.size() != endpoint_count(*s)) {
      if (kept.empty()) {
        out.deletes.push_back(s);
        continue;
      }
      json copy = *s;
      copy["endpoints"] = std::move(kept);
      copy["metadata"]["labels"] = std::move(l.labels);
      changed[name] = std::move(copy);
    } else if (l.changed) {
      json copy = *s;
      copy["metadata"]["labels"] = std::move(l.labels);
      changed[name] = std::move(copy);
    } else {
      unchanged[name] = s;
    }
  }
  auto pop_into = [&](json& slice) {
    if (!slice["endpoints"].is_array()) slice["endpoints"] = json::array();
    while (!want.endpoints.empty() && slice["endpoints"].size() < max) {
      auto it = want.endpoints.begin();
      slice["endpoints"].push_back(std::move(it->second));
      want.endpoints.erase(it);
    }
  };
  // 2. Fill the slices being updated anyway, fullest first.
  if (!want.endpoints.empty() && !changed.empty()) {
    std::vector<json*> order;
    for (auto& [n, s] : changed) order.push_back(&s);
    std::stable_sort(order.begin(), order.end(), [](const json* a, const json* b) { return endpoint_count(*a) > endpoint_count(*b); });
    for (json* s : order) pop_into(*s);
  }
  // 3. Fit the rest into the unchanged slice closest to full, else new slices.
  while (!want.endpoints.empty()) {
    const json* fill = nullptr;
    std::string fill_name;
    if (want.endpoints.size() < max) {
      size_t closest = max;
      for (const auto& [n, s] : unchanged) {
        size_t total = want.endpoints.size() + endpoint_count(*s);
        if (total <= max && max - total < closest) {
          closest = max - total;
          fill = s;
          fill_name = n;
        }
      }
    }
    if (fill) {
      json copy = *fill;
      pop_into(copy);
      unchanged.erase(fill_name);
      changed[fill_name] = std::move(copy);
    } else {
      json slice = new_slice(svc, want.ports, address_type, opt);
      pop_into(slice);
      out.creates.push_back(std::move(slice));
    }
  }
  for (auto& [n, s] : changed) out.updates.push_back(std::move(s));
}

std::vector<std::string> address_types(const json& svc) {
  std::vector<std::string> out;
  const json& fams = at(at(svc, "spec"), "ipFamilies");
  if (fams.is_array()) {
    for (const auto& f : fams) {
      std::string t = f == "IPv6" ? "IPv6" : f == "IPv4" ? "IPv4" : "";
      if (!t.empty() && std::find(out.begin(), out.end(), t) == out.end()) out.push_back(t);
    }
  }
  if (!out.empty()) return out;
  if (service_ip_set(svc)) {  // old API server without ipFamilies: the clusterIP's family
    auto v6 = ip_is_v6(str(at(svc, "spec"), "clusterIP"));
    return {v6 && *v6 ? "IPv6" : "IPv4"};
  }
  return {"IPv4", "IPv6"};  // headless without families: assume both, as upstream
}

void set_trigger_time(json& slice, const EndpointSliceOptions& opt) {
  json& meta = slice["metadata"];
  if (!opt.trigger_time.empty()) {
    if (!meta["annotations"].is_object()) meta["annotations"] = json::object();
    meta["annotations"][kAnnotationTriggerTime] = opt.trigger_time;
  } else if (meta.contains("annotations") && meta["annotations"].is_object()) {
    meta["annotations"].erase(kAnnotationTriggerTime);
    if (meta["annotations"].empty()) meta.erase("annotations");
  }
}

void reconcile_type(const json& svc, const std::vector<const json*>& pods, const std::vector<const json*>& existing,
                    const std::string& type, const EndpointSliceOptions& opt, EndpointSlicePlan& plan) {
  TypePlan tp;
  std::map<std::string, std::vector<const json*>> existing_by_ports;
  for (const json* s : existing) {
    if (owned_by(*s, svc)) {
      existing_by_ports[port_map_key(at(*s, "ports"))].push_back(s);
    } else {
      tp.deletes.push_back(s);
    }
  }
  const bool v6 = type == "IPv6";
  std::map<std::string, Desired> desired;
  for (const json* pod : pods) {
    json ports = endpoint_ports(svc, *pod);
    Desired& d = desired[port_map_key(ports)];  // created even when the pod has no address
    if (d.ports.is_null()) d.ports = ports;
    json ep = pod_to_endpoint(*pod, svc, v6, opt);
    if (!ep["addresses"].empty()) {
      std::string k = endpoint_key(ep);
      d.endpoints.emplace(std::move(k), std::move(ep));
    }
  }
  for (auto& [key, want] : desired) {
    auto it = existing_by_ports.find(key);
    static const std::vector<const json*> kNone;
    reconcile_port_map(svc, it == existing_by_ports.end() ? kNone : it->second, want, type, opt, tp);
  }
  for (const auto& [key, slices] : existing_by_ports) {
    if (!desired.count(key)) tp.deletes.insert(tp.deletes.end(), slices.begin(), slices.end());
  }
  // Placeholder: a Service always has at least one slice per address type.
  if (existing.size() == tp.deletes.size() && tp.creates.empty()) {
    json ph = new_slice(svc, json::array(), type, opt);
    if (tp.deletes.size() == 1 && same_placeholder(*tp.deletes[0], ph)) {
      tp.deletes.clear();
    } else {
      tp.creates.push_back(std::move(ph));
    }
  }
  // finalize: turn create+delete pairs into updates of the deleted (owned) slices.
  for (size_t i = 0; i < tp.deletes.size() && !tp.creates.empty();) {
    const json& del = *tp.deletes[i];
    if (str(del, "addressType") == type && owned_by(del, svc)) {
      json slice = std::move(tp.creates.back());
      tp.creates.pop_back();
      const json& dm = at(del, "metadata");
      slice["metadata"].erase("generateName");
      slice["metadata"]["name"] = str(dm, "name");
      if (dm.contains("resourceVersion")) slice["metadata"]["resourceVersion"] = dm["resourceVersion"];
      if (dm.contains("uid")) slice["metadata"]["uid"] = dm["uid"];
      tp.updates.push_back(std::move(slice));
      tp.deletes.erase(tp.deletes.begin() + static_cast<std::ptrdiff_t>(i));
    } else {
      ++i;
    }
  }
  // No new slices for a Service being deleted (races the garbage collector).
  if (!at(at(svc, "metadata"), "deletionTimestamp").is_null()) tp.creates.clear();
  for (auto& s : tp.creates) {
    set_trigger_time(s, opt);
    plan.creates.push_back(std::move(s));
  }
  for (auto& s : tp.updates) {
    set_trigger_time(s, opt);
    plan.updates.push_back(std::move(s));
  }
  for (const json* s : tp.deletes) plan.deletes.push_back(str(at(*s, "metadata"), "name"));
}

EndpointSlicePlan plan_impl(const json& svc, std::span<const json* const> pods_in_ns, std::span<const json* const> slices,
                            const EndpointSliceOptions& opt) {
  EndpointSlicePlan plan;
  if (!svc.is_object() || str(at(svc, "spec"), "type") == "ExternalName" || !service_has_selector(svc)) return plan;
  const json& selector = at(at(svc, "spec"), "selector");
  std::string ns = str(at(svc, "metadata"), "namespace");
  std::vector<const json*> pods;
  for (const json* p : pods_in_ns) {
    if (!p || !p->is_object()) continue;
    const json& meta = at(*p, "metadata");
    if (str(meta, "namespace") != ns || !selector_matches(selector, at(meta, "labels"))) continue;
    if (should_pod_be_in_endpoints(*p, true)) pods.push_back(p);
  }
  std::vector<std::string> types = address_types(svc);
  std::map<std::string, std::vector<const json*>> by_type;
  for (const json* s : slices) {
    if (!s || !s->is_object()) continue;
    std::string t = str(*s, "addressType");
    if (std::find(types.begin(), types.end(), t) == types.end()) {
      plan.deletes.push_back(str(at(*s, "metadata"), "name"));  // family no longer served
    } else {
      by_type[t].push_back(s);
    }
  }
  for (const auto& t : types) reconcile_type(svc, pods, by_type[t], t, opt, plan);
  return plan;
}

}  // namespace

EndpointSlicePlan plan_endpoint_slices(const json& service, std::span<const json* const> pods_in_namespace,
                                       std::span<const json* const> existing_slices_for_service,
                                       const EndpointSliceOptions& options) {
  try {
    return plan_impl(service, pods_in_namespace, existing_slices_for_service, options);
  } catch (const std::exception&) {
    return {};  // a malformed object we failed to read: plan nothing rather than guess
  }
}

}  // namespace v6k::kube::netplan
