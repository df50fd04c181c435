#include "kube/scheduler/snapshot.h"

#include <algorithm>

namespace v6k::kube::scheduler {

using nlohmann::json;

bool NodeInfo::port_conflicts(const HostPort& want) const {
  for (const auto& [used, count] : used_ports) {
    if (used.port != want.port || used.protocol != want.protocol) continue;
    if (want.ip == "0.0.0.0" || used.ip == "0.0.0.0" || used.ip == want.ip) return true;
  }
  return false;
}

NodeInfo& ClusterSnapshot::info_for(const std::string& node) {
  auto it = nodes_.find(node);
  if (it == nodes_.end()) it = nodes_.emplace(node, NodeInfo{}).first;
  return it->second;
}

void ClusterSnapshot::drop_if_empty(NodeMap::iterator it) {
  if (it != nodes_.end() && !it->second.node && it->second.pods.empty()) nodes_.erase(it);
}

const NodeInfo* ClusterSnapshot::node(std::string_view name) const {
  auto it = nodes_.find(name);
  return it == nodes_.end() ? nullptr : &it->second;
}

const PodEntry* ClusterSnapshot::pod(std::string_view key) const {
  auto it = pods_.find(std::string(key));
  return it == pods_.end() ? nullptr : &it->second;
}

Result<void> ClusterSnapshot::upsert_node(const json& node) {
  NodeFacts facts = read_node(node);
  if (facts.name.empty()) return fail_invalid("node has no metadata.name");
  NodeInfo& info = info_for(facts.name);
  if (!info.node) ++num_nodes_;
  info.node = std::move(facts);
  return {};
}

void ClusterSnapshot::remove_node(std::string_view name) {
  auto it = nodes_.find(name);
  if (it == nodes_.end() || !it->second.node) return;
  // Like upstream's cache, pods still bound to the node stay accounted until they go.
  it->second.node.reset();
  --num_nodes_;
  drop_if_empty(it);
}

void NodeInfo::add(const std::string& key, const PodEntry& entry) {
  requested += entry.requests;
  non_zero_requested += entry.non_zero;
  ++pod_count;
  for (const HostPort& hp : entry.host_ports) {
    auto it = std::find_if(used_ports.begin(), used_ports.end(), [&](const auto& u) { return u.first == hp; });
    if (it == used_ports.end()) {
      used_ports.emplace_back(hp, 1);
    } else {
      ++it->second;
    }
  }
  if (!entry.terminating) ++owner_counts[entry.owner_key];
  pods.insert(key);
}

void NodeInfo::remove(const std::string& key, const PodEntry& entry) {
  requested -= entry.requests;
  non_zero_requested -= entry.non_zero;
  --pod_count;
  for (const HostPort& hp : entry.host_ports) {
    auto it = std::find_if(used_ports.begin(), used_ports.end(), [&](const auto& u) { return u.first == hp; });
    if (it != used_ports.end() && --it->second == 0) used_ports.erase(it);
  }
  if (!entry.terminating) {
    auto oit = owner_counts.find(entry.owner_key);
    if (oit != owner_counts.end() && --oit->second == 0) owner_counts.erase(oit);
  }
  pods.erase(key);
}

void ClusterSnapshot::place(const std::string& key, PodEntry entry) {
  info_for(entry.node).add(key, entry);
  pods_.insert_or_assign(key, std::move(entry));
}

void ClusterSnapshot::unplace(const std::string& key) {
  auto pit = pods_.find(key);
  if (pit == pods_.end()) return;
  auto nit = nodes_.find(pit->second.node);
  if (nit != nodes_.end()) {
    nit->second.remove(key, pit->second);
    drop_if_empty(nit);
  }
  pods_.erase(pit);
}

namespace {

PodEntry entry_from(PodFacts&& p, std::string node, bool assumed) {
  PodEntry e;
  e.node = std::move(node);
  e.requests = p.requests;
  e.non_zero = p.non_zero;
  e.host_ports = std::move(p.host_ports);
  e.owner_key = std::move(p.owner_key);
  e.priority = p.priority;
  e.terminating = p.terminating;
  e.assumed = assumed;
  e.start_time = std::move(p.start_time);
  return e;
}

}  // namespace

Result<void> ClusterSnapshot::add_pod(const json& pod) {
  PodFacts p = read_pod(pod);
  if (p.name.empty()) return fail_invalid("pod has no metadata.name");
  std::string key = p.key;
  auto existing = pods_.find(key);
  if (p.phase == "Succeeded" || p.phase == "Failed") {
    unplace(key);  // finished pods free their node
    return {};
  }
  if (p.node_name.empty()) {
    // Still pending in this event; an assumption made since is newer: keep it.
    if (existing != pods_.end() && !existing->second.assumed) unplace(key);
    return {};
  }
  unplace(key);  // an update or the confirmation of an assumption: replace, never add twice
  std::string node = p.node_name;
  place(key, entry_from(std::move(p), std::move(node), false));
  return {};
}

void ClusterSnapshot::remove_pod(std::string_view key) { unplace(std::string(key)); }

Result<void> ClusterSnapshot::assume(const json& pod, std::string_view node) {
  PodFacts p = read_pod(pod);
  if (p.name.empty()) return fail_invalid("pod has no metadata.name");
  if (node.empty()) return fail_invalid("assume: empty node name for pod " + p.key);
  std::string key = p.key;
  unplace(key);
  place(key, entry_from(std::move(p), std::string(node), true));
  last_assumed_ = node;
  return {};
}

}  // namespace v6k::kube::scheduler
