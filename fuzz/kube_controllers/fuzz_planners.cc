// fuzz_planners: the pure controller planners on arbitrary JSON. The input, when it parses,
// is one of
//   {"deployment": D, "replicasets": [...], "pods": [...], "service": S, "slices": [...],
//    "endpoints": E, "node": N, "lease": L, "now": "2025-..."}   (any subset; see corpus/)
//   [obj, ...]   objects sorted by "kind" (Deployment, ReplicaSet, Pod, Service, ...)
//   anything else: the document plays every role at once.
// The raw bytes also go to parse_rfc3339_micros.
// Invariants: nothing crashes or throws; the planners are steady once applied —
// plan_endpoints on its own output plans nothing, plan_endpoint_slices on the applied plan
// plans nothing, evaluate_node on the applied conditions/taints changes nothing.
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "kube/controllers/netplan/endpoints.h"
#include "kube/controllers/netplan/endpointslices.h"
#include "kube/controllers/netplan/node_lifecycle.h"
#include "kube/controllers/workloads/deployment.h"
#include "kube/controllers/workloads/replicaset.h"

using namespace v6k::kube;
using nlohmann::json;
using Ptrs = std::vector<const json*>;

namespace {

struct Inputs {
  Ptrs deployments, replicasets, pods, services, slices, endpoints, nodes, leases;
  std::string now = "2025-01-01T00:10:00Z";
};

void add_all(const json& doc, const char* key, Ptrs& out) {
  auto it = doc.find(key);
  if (it == doc.end()) return;
  if (it->is_array()) {
    for (const auto& e : *it) out.push_back(&e);
  } else {
    out.push_back(&*it);
  }
}

Inputs classify(const json& doc) {
  Inputs in;
  if (doc.is_object() && (doc.contains("deployment") || doc.contains("service") || doc.contains("node") ||
                          doc.contains("replicasets") || doc.contains("pods"))) {
    add_all(doc, "deployment", in.deployments);
    add_all(doc, "replicasets", in.replicasets);
    add_all(doc, "pods", in.pods);
    add_all(doc, "service", in.services);
    add_all(doc, "slices", in.slices);
    add_all(doc, "endpoints", in.endpoints);
    add_all(doc, "node", in.nodes);
    add_all(doc, "lease", in.leases);
    if (auto it = doc.find("now"); it != doc.end() && it->is_string()) in.now = it->get<std::string>();
  } else if (doc.is_array()) {
    for (const auto& e : doc) {
      std::string kind = e.is_object() && e.contains("kind") && e["kind"].is_string() ? e["kind"].get<std::string>() : "";
      Ptrs& dst = kind == "Deployment"      ? in.deployments
                  : kind == "ReplicaSet"    ? in.replicasets
                  : kind == "Service"       ? in.services
                  : kind == "EndpointSlice" ? in.slices
                  : kind == "Endpoints"     ? in.endpoints
                  : kind == "Node"          ? in.nodes
                  : kind == "Lease"         ? in.leases
                                            : in.pods;
      dst.push_back(&e);
    }
  } else {
    for (Ptrs* p : {&in.deployments, &in.replicasets, &in.pods, &in.services, &in.slices, &in.endpoints, &in.nodes,
                    &in.leases})
      p->push_back(&doc);
  }
  return in;
}

void workloads_planners(const Inputs& in) {
  for (const json* d : in.deployments) {
    auto plan = workloads::plan_deployment(*d, in.replicasets, in.pods, in.now);
    (void)plan;
    const json* spec = d->is_object() && d->contains("spec") ? &(*d)["spec"] : nullptr;
    json surge, unavail;
    int64_t replicas = 1;
    if (spec && spec->is_object()) {
      if (auto r = spec->find("replicas"); r != spec->end() && r->is_number_integer()) replicas = r->get<int64_t>();
      auto st = spec->find("strategy");
      if (st != spec->end() && st->is_object()) {
        auto ru = st->find("rollingUpdate");
        if (ru != st->end() && ru->is_object()) {
          surge = ru->value("maxSurge", json());
          unavail = ru->value("maxUnavailable", json());
        }
      }
    }
    for (int64_t n : {replicas, int64_t{0}, int64_t{3}, int64_t{1000}}) (void)workloads::resolve_fenceposts(surge, unavail, n);
  }
  for (const json* rs : in.replicasets) (void)workloads::plan_replicaset(*rs, in.pods, in.now);
  (void)workloads::rank_pods_for_deletion(in.pods, in.pods, in.pods.size(), 1735689600LL * 1000000000LL);
  (void)workloads::rank_pods_for_deletion(in.pods, in.replicasets, in.pods.size() / 2, 0);
}

// Applies a slice plan the way the API would: deleted slices go, updates replace, creates
// get a name from generateName.
Ptrs apply_slices(const Ptrs& existing, const netplan::EndpointSlicePlan& plan, std::vector<json>& store) {
  store.clear();
  store.reserve(existing.size() + plan.creates.size() + plan.updates.size());
  auto name_of = [](const json& s) -> std::string {
    if (!s.is_object() || !s.contains("metadata") || !s["metadata"].is_object()) return "";
    const json& n = s["metadata"].value("name", json());
    return n.is_string() ? n.get<std::string>() : "";
  };
  for (const json* s : existing) {
    std::string name = name_of(*s);
    bool gone = false;
    for (const auto& d : plan.deletes) gone |= d == name;
    for (const auto& u : plan.updates) gone |= name_of(u) == name;
    if (!gone) store.push_back(*s);
  }
  for (const auto& u : plan.updates) store.push_back(u);
  int i = 0;
  for (json c : plan.creates) {
    c["metadata"]["name"] = c["metadata"].value("generateName", std::string("slice-")) + "fz" + std::to_string(i++);
    c["metadata"]["resourceVersion"] = "1";
    store.push_back(std::move(c));
  }
  Ptrs out;
  for (const auto& s : store) out.push_back(&s);
  return out;
}

void network_planners(const Inputs& in) {
  std::unordered_map<std::string, std::string> zones;
  for (const json* n : in.nodes) {
    if (!n->is_object() || !n->contains("metadata") || !(*n)["metadata"].is_object()) continue;
    const json& m = (*n)["metadata"];
    if (!m.contains("name") || !m["name"].is_string()) continue;
    zones[m["name"].get<std::string>()] = "zone-" + std::to_string(zones.size() % 2);
  }
  for (const json* svc : in.services) {
    for (size_t max_per_slice : {size_t{100}, size_t{2}}) {
      netplan::EndpointSliceOptions opt;
      opt.max_endpoints_per_slice = max_per_slice;
      opt.node_zones = &zones;
      auto plan = netplan::plan_endpoint_slices(*svc, in.pods, in.slices, opt);
      std::vector<json> store;
      Ptrs applied = apply_slices(in.slices, plan, store);
      auto again = netplan::plan_endpoint_slices(*svc, in.pods, applied, opt);
      if (!again.empty()) std::abort();
    }
    const json* existing = in.endpoints.empty() ? nullptr : in.endpoints.front();
    (void)netplan::plan_endpoints(*svc, in.pods, existing, "2025-01-01T00:00:00.000000001Z");
    auto want = netplan::plan_endpoints(*svc, in.pods, existing);
    if (want && want->is_object() && (*want)["metadata"].is_object()) {
      // As stored by the API server: only an object with a resourceVersion is compared
      // (upstream treats one without as "to create").
      (*want)["metadata"]["resourceVersion"] = "1";
      if (netplan::plan_endpoints(*svc, in.pods, &*want)) std::abort();
    }
  }
}

void node_planner(const Inputs& in) {
  const json* lease = in.leases.empty() ? nullptr : in.leases.front();
  for (const json* node : in.nodes) {
    (void)netplan::evaluate_node(*node, nullptr, "not a time", std::chrono::seconds(40));
    auto plan = netplan::evaluate_node(*node, lease, in.now, std::chrono::seconds(40));
    if (!plan || !node->is_object()) continue;
    json applied = *node;
    if (applied.contains("status") && !applied["status"].is_object()) continue;
    if (applied.contains("spec") && !applied["spec"].is_object()) continue;
    applied["status"]["conditions"] = plan->conditions;
    applied["spec"]["taints"] = plan->taints;
    auto again = netplan::evaluate_node(applied, lease, in.now, std::chrono::seconds(40));
    if (!again || again->status_changed || again->taints_changed) std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)netplan::parse_rfc3339_micros(text);

  json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return 0;
  Inputs in = classify(doc);
  (void)netplan::parse_rfc3339_micros(in.now);
  workloads_planners(in);
  network_planners(in);
  node_planner(in);
  return 0;
}
