// ClusterSnapshot: the scheduler's incremental view of the cluster (upstream's scheduler
// cache + NodeInfo): per node, the Node facts plus the sum of what the pods bound to it
// request, its used host ports and how many pods of each owner it runs (for spreading).
// Fed by the informers' events; read by schedule_pod(). No I/O, no clocks, not thread-safe.
//
//   ClusterSnapshot s;
//   s.upsert_node(node_json);            // add or replace a Node
//   s.add_pod(pod_json);                 // add/update a pod (counted once bound to a node)
//   auto d = schedule_pod(pending, s);   // algorithm.h
//   if (d.node) s.assume(pending, *d.node);   // count it now; its watch event follows
//   s.remove_pod("ns/name");             // deleted (or binding failed: forget the assumption)
//
// Pods that are Succeeded or Failed are not counted. Terminating pods (deletionTimestamp
// set) keep their resources and ports until deleted, as upstream, but no longer count for
// spreading. An assumed pod is replaced, not added again, by the pod's own later event.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "kube/scheduler/objects.h"

namespace v6k::kube::scheduler {

// What the snapshot keeps of a pod placed on a node.
struct PodEntry {
  std::string node;
  Resources requests;
  Resources non_zero;
  std::vector<HostPort> host_ports;
  std::string owner_key;
  int32_t priority = 0;
  bool terminating = false;
  bool assumed = false;
  std::string start_time;
};

struct NodeInfo {
  std::optional<NodeFacts> node;  // nullopt: pods name a node we have no Node object for
  Resources requested;            // sum of PodFacts::requests
  Resources non_zero_requested;   // sum of PodFacts::non_zero
  int64_t pod_count = 0;
  std::vector<std::pair<HostPort, int>> used_ports;  // port -> number of pods using it
  std::unordered_map<std::string, int> owner_counts;  // non-terminating pods by owner key
  std::set<std::string> pods;                          // "ns/name" of the pods on it

  // NodePorts conflict rule: 0.0.0.0 clashes with any address, else same address or 0.0.0.0.
  bool port_conflicts(const HostPort& want) const;
  // Account / un-account one pod (the snapshot's bookkeeping, reused by preemption).
  void add(const std::string& key, const PodEntry& entry);
  void remove(const std::string& key, const PodEntry& entry);
  int owner_count(const std::string& owner_key) const {
    auto it = owner_counts.find(owner_key);
    return it == owner_counts.end() ? 0 : it->second;
  }
};

class ClusterSnapshot {
 public:
  using NodeMap = std::map<std::string, NodeInfo, std::less<>>;

  // Errors only for objects without metadata.name.
  Result<void> upsert_node(const nlohmann::json& node);
  void remove_node(std::string_view name);
  // Add or update a pod from a watch/list event. Pods without spec.nodeName are not
  // counted (an assumed entry for them is kept: the bind is on its way).
  Result<void> add_pod(const nlohmann::json& pod);
  void remove_pod(std::string_view key);  // "ns/name"
  // Count `pod` on `node` now, before its bound event arrives.
  Result<void> assume(const nlohmann::json& pod, std::string_view node);

  const NodeMap& nodes() const { return nodes_; }  // by name; includes node-less entries
  size_t num_nodes() const { return num_nodes_; }  // entries with a Node object
  const NodeInfo* node(std::string_view name) const;
  const PodEntry* pod(std::string_view key) const;
  size_t num_pods() const { return pods_.size(); }
  // The node of the latest assume(): ties between equal nodes rotate from there.
  const std::string& last_assumed_node() const { return last_assumed_; }

 private:
  void place(const std::string& key, PodEntry entry);
  void unplace(const std::string& key);
  NodeInfo& info_for(const std::string& node);
  void drop_if_empty(NodeMap::iterator it);

  NodeMap nodes_;
  size_t num_nodes_ = 0;
  std::unordered_map<std::string, PodEntry> pods_;
  std::string last_assumed_;
};

}  // namespace v6k::kube::scheduler
