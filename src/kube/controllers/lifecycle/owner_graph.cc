#include "kube/controllers/lifecycle/owner_graph.h"

#include "kube/controllers/lifecycle/objects.h"

namespace v6k::kube::lifecycle {

std::vector<OwnerRef> owner_refs(const json& obj) {
  std::vector<OwnerRef> out;
  if (!obj.is_object() || !obj.contains("metadata") || !obj["metadata"].is_object()) return out;
  const json& refs = obj["metadata"].value("ownerReferences", json::array());
  if (!refs.is_array()) return out;
  for (const auto& r : refs) {
    if (!r.is_object()) continue;
    auto s = [&](const char* k) {
      auto it = r.find(k);
      return it != r.end() && it->is_string() ? it->get<std::string>() : std::string();
    };
    OwnerRef o{s("uid"), s("apiVersion"), s("kind"), s("name"), false};
    auto b = r.find("blockOwnerDeletion");
    o.block_owner_deletion = b != r.end() && b->is_boolean() && b->get<bool>();
    if (!o.uid.empty()) out.push_back(std::move(o));
  }
  return out;
}

GraphNode OwnerGraph::node_from(size_t kind, const json& obj) {
  GraphNode n;
  n.kind = kind;
  n.ns = meta_str(obj, "namespace");
  n.name = meta_str(obj, "name");
  n.uid = meta_str(obj, "uid");
  n.deleting = being_deleted(obj);
  n.foreground = has_finalizer(obj, kFinalizerForeground);
  n.orphan = has_finalizer(obj, kFinalizerOrphan);
  n.owners = owner_refs(obj);
  return n;
}

void OwnerGraph::unlink(const GraphNode& n) {
  for (const auto& o : n.owners) {
    auto it = dependents_.find(o.uid);
    if (it == dependents_.end()) continue;
    it->second.erase(n.uid);
    if (it->second.empty()) dependents_.erase(it);
  }
}

std::optional<GraphNode> OwnerGraph::upsert(GraphNode n) {
  std::lock_guard lock(mu_);
  std::optional<GraphNode> prev;
  if (auto it = nodes_.find(n.uid); it != nodes_.end()) {
    prev = std::move(it->second);
    unlink(*prev);
  }
  for (const auto& o : n.owners) dependents_[o.uid].insert(n.uid);
  std::string uid = n.uid;
  nodes_[uid] = std::move(n);
  return prev;
}

std::optional<GraphNode> OwnerGraph::remove(const std::string& uid) {
  std::lock_guard lock(mu_);
  auto it = nodes_.find(uid);
  if (it == nodes_.end()) return std::nullopt;
  GraphNode n = std::move(it->second);
  nodes_.erase(it);
  unlink(n);
  return n;
}

std::optional<GraphNode> OwnerGraph::find(const std::string& uid) const {
  std::lock_guard lock(mu_);
  auto it = nodes_.find(uid);
  if (it == nodes_.end()) return std::nullopt;
  return it->second;
}

std::vector<std::string> OwnerGraph::dependents(const std::string& owner_uid) const {
  std::lock_guard lock(mu_);
  auto it = dependents_.find(owner_uid);
  if (it == dependents_.end()) return {};
  return {it->second.begin(), it->second.end()};
}

size_t OwnerGraph::size() const {
  std::lock_guard lock(mu_);
  return nodes_.size();
}

}  // namespace v6k::kube::lifecycle
