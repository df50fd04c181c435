// fuzz_schedule: arbitrary bytes, when they parse as JSON, as a small cluster fed to the
// scheduler's ClusterSnapshot and schedule_pod(). Accepted shapes:
//   {"pod": {...}, "nodes": [...], "pods": [...]}   the natural one (see corpus/)
//   [obj, obj, ...]      kind "Node" -> nodes; the rest are pods, the last one pending
//   anything else        the document is the pending pod, a node and a bound pod at once
// Invariants: nothing crashes or throws (an escaping exception aborts the process); a
// chosen node or a preemption node is a known Node; preemption victims are known pods;
// after every pod and node is removed, the snapshot is empty (the bookkeeping balances).
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "kube/scheduler/algorithm.h"
#include "kube/scheduler/snapshot.h"

using namespace v6k::kube::scheduler;
using nlohmann::json;

namespace {

std::string node_name(const json& node) {
  if (!node.is_object()) return "";
  auto m = node.find("metadata");
  if (m == node.end() || !m->is_object()) return "";
  auto n = m->find("name");
  return n != m->end() && n->is_string() ? n->get<std::string>() : "";
}

void check_decision(const ScheduleDecision& d, const ClusterSnapshot& snap) {
  if (d.node) {
    const NodeInfo* info = snap.node(*d.node);
    if (!info || !info->node) std::abort();
  }
  if (d.preemption) {
    const NodeInfo* info = snap.node(d.preemption->node);
    if (!info || !info->node) std::abort();
    for (const auto& v : d.preemption->victims)
      if (!snap.pod(v)) std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  json doc = json::parse(data, data + size, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return 0;

  json pending;
  std::vector<const json*> nodes, pods;
  if (doc.is_object() && doc.contains("pod")) {
    pending = doc["pod"];
    if (auto it = doc.find("nodes"); it != doc.end() && it->is_array())
      for (const auto& n : *it) nodes.push_back(&n);
    if (auto it = doc.find("pods"); it != doc.end() && it->is_array())
      for (const auto& p : *it) pods.push_back(&p);
  } else if (doc.is_array()) {
    for (const auto& e : doc) {
      bool is_node = e.is_object() && e.contains("kind") && e["kind"] == "Node";
      (is_node ? nodes : pods).push_back(&e);
    }
    if (!pods.empty()) {
      pending = *pods.back();
      pods.pop_back();
    }
  } else {
    pending = doc;
    nodes.push_back(&doc);
    pods.push_back(&doc);
  }

  ClusterSnapshot snap;
  std::vector<std::string> names;
  for (const json* n : nodes) {
    (void)snap.upsert_node(*n);
    names.push_back(node_name(*n));
  }
  for (const json* p : pods) (void)snap.add_pod(*p);
  // Assume some pods onto nodes too (the scheduler's own bookkeeping path), then re-add
  // them, which must replace the assumption rather than count it twice.
  for (size_t i = 0; i < pods.size(); ++i) {
    if (!names.empty() && i % 2 == 0) (void)snap.assume(*pods[i], names[i % names.size()]);
    (void)snap.add_pod(*pods[i]);
  }

  (void)needs_scheduling(pending);
  (void)needs_scheduling(pending, "");
  ScheduleDecision d = schedule_pod(pending, snap);
  check_decision(d, snap);
  if (d.node) {
    (void)snap.assume(pending, *d.node);
    check_decision(schedule_pod(pending, snap), snap);  // the same pod again, now assumed
  }
  // A node with no Node object must be skipped, not crash (pods can name unknown nodes).
  if (!names.empty()) {
    snap.remove_node(names.front());
    check_decision(schedule_pod(pending, snap), snap);
  }

  // Everything out again: the bookkeeping must balance to an empty snapshot.
  snap.remove_pod(pod_key(pending));
  for (const json* p : pods) snap.remove_pod(pod_key(*p));
  for (const auto& n : names) snap.remove_node(n);
  if (snap.num_pods() != 0 || snap.num_nodes() != 0 || !snap.nodes().empty()) std::abort();
  return 0;
}
