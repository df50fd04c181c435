// The garbage collector's view of ownership (upstream's GraphBuilder "uidToNode"): every
// object of a tracked kind by uid, with its ownerReferences, and the reverse edges owner
// uid -> dependent uids. An owner that is not (or no longer) in the graph keeps its
// reverse edges as long as dependents point at it, which is how the collector finds the
// dependents of a deleted owner. Thread-safe (informer threads write, workers read).
//
//   OwnerGraph g;
//   g.upsert(OwnerGraph::node_from(kind_index, pod));
//   for (auto& uid : g.dependents(rs_uid)) ...;
//   g.remove(pod_uid);
#pragma once

#include <cstddef>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

namespace v6k::kube::lifecycle {

struct OwnerRef {
  std::string uid, api_version, kind, name;
  bool block_owner_deletion = false;
  bool operator==(const OwnerRef&) const = default;
};

struct GraphNode {
  size_t kind = 0;  // index into known_kinds()
  std::string ns, name, uid;
  bool deleting = false;    // deletionTimestamp set
  bool foreground = false;  // finalizer foregroundDeletion
  bool orphan = false;      // finalizer orphan
  std::vector<OwnerRef> owners;
};

// metadata.ownerReferences of obj (entries without a uid are skipped).
std::vector<OwnerRef> owner_refs(const nlohmann::json& obj);

class OwnerGraph {
 public:
  static GraphNode node_from(size_t kind, const nlohmann::json& obj);

  // Adds or replaces the node with n.uid; returns the previous node.
  std::optional<GraphNode> upsert(GraphNode n);
  // Removes the node (and its edges to its owners); returns it.
  std::optional<GraphNode> remove(const std::string& uid);
  std::optional<GraphNode> find(const std::string& uid) const;
  // Uids of the objects whose ownerReferences name owner_uid, sorted.
  std::vector<std::string> dependents(const std::string& owner_uid) const;
  size_t size() const;

 private:
  void unlink(const GraphNode& n);
  mutable std::mutex mu_;
  std::unordered_map<std::string, GraphNode> nodes_;
  std::unordered_map<std::string, std::set<std::string>> dependents_;
};

}  // namespace v6k::kube::lifecycle
