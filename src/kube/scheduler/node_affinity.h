// A pod's node placement constraints, compiled once per scheduling attempt: spec.nodeSelector
// and spec.affinity.nodeAffinity (required terms filter, preferred terms score), with
// upstream's semantics (component-helpers nodeaffinity):
//   - nodeSelector: every label equal; required terms: ORed; within a term
//     matchExpressions and matchFields are ANDed; an empty term matches nothing.
//   - operators In, NotIn (true when the label is absent), Exists, DoesNotExist, Gt, Lt
//     (label and the single value parsed as int64); matchFields supports metadata.name
//     with In / NotIn. A malformed term matches nothing (and ends the OR, as upstream).
//
//   auto a = NodeAffinity::from_pod(pod_json);
//   if (!a.required_matches(node_facts)) reject("node(s) didn't match Pod's node affinity/selector");
//   int64_t w = a.preferred_weight(node_facts);   // sum of weights of matching preferences
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "kube/scheduler/objects.h"

namespace v6k::kube::scheduler {

struct NodeSelectorRequirement {
  enum class Op { kIn, kNotIn, kExists, kDoesNotExist, kGt, kLt };
  std::string key;
  Op op = Op::kIn;
  std::vector<std::string> values;
  int64_t number = 0;  // Gt / Lt
};

struct NodeSelectorTerm {
  std::vector<NodeSelectorRequirement> expressions;
  std::vector<NodeSelectorRequirement> fields;  // key metadata.name
  bool valid = true;

  static NodeSelectorTerm from_json(const nlohmann::json& term);
  bool matches(const NodeFacts& node) const;
};

class NodeAffinity {
 public:
  static NodeAffinity from_pod(const nlohmann::json& pod);

  // nodeSelector and required node affinity (the NodeAffinity filter).
  bool required_matches(const NodeFacts& node) const;
  bool has_required() const { return !node_selector_.empty() || has_required_terms_; }
  // Sum of the weights of the preferred terms the node matches (the NodeAffinity score).
  int64_t preferred_weight(const NodeFacts& node) const;
  bool has_preferred() const { return !preferred_.empty(); }

 private:
  std::vector<std::pair<std::string, std::string>> node_selector_;
  bool has_required_terms_ = false;
  std::vector<NodeSelectorTerm> required_;
  std::vector<std::pair<int64_t, NodeSelectorTerm>> preferred_;
};

}  // namespace v6k::kube::scheduler
